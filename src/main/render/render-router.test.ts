import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { makeVideo } from '../../../test/media-fixtures';
import { probeOutput } from '../../../test/pixels';
import { oneClipComposition } from '../../../test/render-fixtures';
import { testServices } from '../../../test/studio-services';
import { appRouter } from '../router';
import { createStudioServices, type StudioServices } from '../services';

let services: StudioServices;
let clip: string;
let out: string;
const composition = () => oneClipComposition({ name: 'Router render', videoPath: clip });

beforeAll(async () => {
  services = await testServices();
  clip = await makeVideo({ seconds: 2, width: 160, height: 120, color: 'red' });
  out = await tempDir('router-out');
});
afterAll(() => services.close());

describe('render procedures', () => {
  it('queue a render and stream its job to done', async () => {
    const controller = new AbortController();
    const caller = appRouter.createCaller({ services }, { signal: controller.signal });
    const updates = await caller.render.jobs();
    const outputPath = join(out, 'one.mp4');
    const job = await caller.render.enqueue({ composition: composition(), outputPath });
    expect(job).toMatchObject({ state: 'queued', compositionName: 'Router render', outputPath });
    expect(job).not.toHaveProperty('composition');
    const seen: string[] = [];
    for await (const update of updates) {
      if (update.id !== job.id) continue;
      seen.push(update.state);
      if (update.state === 'done' || update.state === 'failed') break;
    }
    controller.abort();
    expect(seen).toContain('running');
    expect(seen.at(-1)).toBe('done');
    expect((await probeOutput(outputPath)).durationSeconds).toBeCloseTo(1, 1);
    expect((await caller.render.list()).find((j) => j.id === job.id)?.state).toBe('done');
  });

  it('refuse a bad composition with each problem by path, and queue nothing', async () => {
    const caller = appRouter.createCaller({ services });
    const before = (await caller.render.list()).length;
    const bad = { ...composition(), transitions: [{ from: 'c', to: 'nope', kind: 'fade', duration: 1 }] };
    const error = await caller.render.enqueue({ composition: bad, outputPath: join(out, 'bad.mp4') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    expect((error as TRPCError).message).toContain('transitions[0].to: no clip "nope"');
    await expect(caller.render.enqueue({ composition: composition(), outputPath: 'relative.mp4' })).rejects.toThrow(/absolute path/);
    expect((await caller.render.list()).length).toBe(before);
  });

  it('grab a frame of the composition as a JPEG for the editor', async () => {
    const caller = appRouter.createCaller({ services });
    const frame = await caller.render.frame({ composition: composition(), time: 0.5, height: 80 });
    expect(frame.dataUrl).toMatch(/^data:image\/jpeg;base64,\/9j\//);
    expect(frame.milliseconds).toBeGreaterThan(0);
    // Once the video has its editing proxy, the preview reads that instead.
    const { proxyPath } = await caller.media.makeProxy({ path: clip });
    expect(proxyPath).toMatch(/-540p\.mp4$/);
    expect((await caller.render.frame({ composition: composition(), time: 0.5, height: 80 })).dataUrl).toMatch(/^data:image\/jpeg;base64,/);
  });

  it('set how many renders run at once, within bounds', async () => {
    const caller = appRouter.createCaller({ services });
    expect(await caller.render.setConcurrency({ renders: 2 })).toEqual({ renders: 2 });
    await expect(caller.render.setConcurrency({ renders: 0 })).rejects.toThrow(/renders/);
  });

  it('make a small video of a range, with sound, for playing in the editor', async () => {
    const caller = appRouter.createCaller({ services });
    const preview = await caller.render.previewRange({ composition: composition(), start: 0.2, seconds: 0.6, height: 120 });
    expect(preview.dataUrl).toMatch(/^data:video\/mp4;base64,/);
    expect(preview.seconds).toBeCloseTo(0.6);
    const file = join(out, 'range.mp4');
    await writeFile(file, Buffer.from(preview.dataUrl.split(',')[1]!, 'base64'));
    const probe = await probeOutput(file);
    expect(probe.video.height).toBe(120);
    expect(probe.audio).not.toBeNull();
    expect(probe.durationSeconds).toBeCloseTo(0.6, 1);
  });

  it('list the platform presets', async () => {
    const presets = await appRouter.createCaller({ services }).render.presets();
    expect(presets.find((p) => p.id === 'youtube-shorts')).toMatchObject({ width: 1080, height: 1920 });
  });

  it('say plainly when FFmpeg is missing', async () => {
    const without = createStudioServices({ appVersion: 't', runtime: 'browser-host', ffmpeg: { env: { PATH: out }, resourcesDir: out }, hub: { url: null }, dataDir: join(out, 'data') });
    const error = await appRouter.createCaller({ services: without }).render.list().catch((e: unknown) => e);
    expect((error as TRPCError).code).toBe('PRECONDITION_FAILED');
    expect((error as TRPCError).message).toMatch(/FFmpeg was not found/);
    expect(existsSync(join(out, 'data'))).toBe(false);
  });
});

describe('media procedures', () => {
  it('grab one frame of a source for drawing its layer', async () => {
    const frame = await appRouter.createCaller({ services }).media.sourceFrame({ path: clip, time: 0.5, height: 60 });
    expect(frame.dataUrl).toMatch(/^data:image\/jpeg;base64,\/9j\//);
  });

  it('probe a file and make a thumbnail strip', async () => {
    const caller = appRouter.createCaller({ services });
    expect(await caller.media.probe({ path: clip })).toMatchObject({ kind: 'video', video: { width: 160, height: 120 } });
    const strip = await caller.media.thumbnails({ path: clip, count: 4, height: 32 });
    expect(strip.frameTimes).toHaveLength(4);
    expect(strip.dataUrl).toMatch(/^data:image\/jpeg;base64,/);
  });

  it('name a file that is not there', async () => {
    const error = await appRouter.createCaller({ services }).media.probe({ path: '/nowhere/x.mp4' }).catch((e: unknown) => e);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    expect((error as TRPCError).message).toContain('/nowhere/x.mp4');
  });
});
