import { describe, expect, it } from 'vitest';
import { healthServer, testServices } from '../../test/studio-services';
import { hubSettingFromEnv } from './hub/hub-status';
import { appRouter } from './router';

describe('appRouter called directly', () => {
  it('system.info reports version, platform and the real FFmpeg', async () => {
    const caller = appRouter.createCaller({ services: await testServices() });
    const info = await caller.system.info();
    expect(info).toMatchObject({ appVersion: '9.8.7', runtime: 'browser-host', platform: process.platform, arch: process.arch });
    expect(info.ffmpeg.found).toBe(true);
    expect(info.ffmpeg.found && info.ffmpeg.missing).toEqual([]);
  });

  it('system.info probes FFmpeg once and again on refresh', async () => {
    const services = await testServices();
    const caller = appRouter.createCaller({ services });
    const first = services.ffmpegStatus();
    await caller.system.info();
    expect(services.ffmpegStatus()).toBe(first);
    await caller.system.info({ refresh: true });
    expect(services.ffmpegStatus()).not.toBe(first);
  });

  it('system.heartbeat ticks until the subscriber stops, then ends', async () => {
    const controller = new AbortController();
    const caller = appRouter.createCaller({ services: await testServices() }, { signal: controller.signal });
    const beats = await caller.system.heartbeat({ intervalMs: 50 });
    const seen: number[] = [];
    const started = Date.now();
    for await (const tick of beats) {
      seen.push(tick.beat);
      if (seen.length === 3) controller.abort();
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('refuses a bad heartbeat interval and names the field', async () => {
    const caller = appRouter.createCaller({ services: await testServices() });
    await expect(caller.system.heartbeat({ intervalMs: 1 })).rejects.toThrow(/intervalMs/);
  });

  it('hub.status: not connected until a Hub is configured', async () => {
    const caller = appRouter.createCaller({ services: await testServices() });
    expect(await caller.hub.status()).toEqual({ state: 'not-configured' });
  });

  it('hub.status: names a wrong KATA_HUB_URL instead of failing to start', async () => {
    const hub = hubSettingFromEnv({ KATA_HUB_URL: 'hub.example' });
    const caller = appRouter.createCaller({ services: await testServices({ hub }) });
    expect(await caller.hub.status()).toMatchObject({ state: 'misconfigured', problem: expect.stringMatching(/KATA_HUB_URL/) });
  });

  it('hub.status: connected when the Hub answers /healthz', async () => {
    const hub = await healthServer(200);
    try {
      const caller = appRouter.createCaller({ services: await testServices({ hub: { url: hub.url } }) });
      expect(await caller.hub.status()).toEqual({ state: 'connected', url: hub.url });
    } finally {
      await hub.close();
    }
  });
});
