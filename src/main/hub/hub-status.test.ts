import { describe, expect, it } from 'vitest';
import { healthServer } from '../../../test/studio-services';
import { checkHub, hubUrlFromEnv } from './hub-status';

describe('hubUrlFromEnv', () => {
  it('is null when KATA_HUB_URL is unset or blank', () => {
    expect(hubUrlFromEnv({})).toBeNull();
    expect(hubUrlFromEnv({ KATA_HUB_URL: '  ' })).toBeNull();
  });
  it('drops trailing slashes', () => {
    expect(hubUrlFromEnv({ KATA_HUB_URL: 'http://127.0.0.1:4400//' })).toBe('http://127.0.0.1:4400');
  });
  it('names the variable when it is not an http(s) URL', () => {
    expect(() => hubUrlFromEnv({ KATA_HUB_URL: 'ftp://hub' })).toThrow(/KATA_HUB_URL must be an http\(s\) URL/);
    expect(() => hubUrlFromEnv({ KATA_HUB_URL: 'hub.example' })).toThrow(/KATA_HUB_URL/);
  });
});

describe('checkHub', () => {
  it('says unreachable with the Hub status code when it is unhealthy', async () => {
    const hub = await healthServer(503);
    try {
      expect(await checkHub({ url: hub.url })).toEqual({ state: 'unreachable', url: hub.url, problem: 'the Hub answered 503 Service Unavailable' });
    } finally {
      await hub.close();
    }
  });

  it('says unreachable when nothing listens', async () => {
    const hub = await healthServer(200);
    await hub.close();
    const status = await checkHub({ url: hub.url });
    expect(status).toMatchObject({ state: 'unreachable', url: hub.url });
    expect(status.state === 'unreachable' && status.problem).toMatch(/ECONNREFUSED/);
  });

  it('gives up after the timeout', async () => {
    const hub = await healthServer(200);
    hub.server.removeAllListeners('request');
    hub.server.on('request', () => undefined); // accepts, never answers
    try {
      expect(await checkHub({ url: hub.url }, 150)).toEqual({ state: 'unreachable', url: hub.url, problem: 'no answer within 150 ms' });
    } finally {
      hub.server.closeAllConnections();
      await hub.close();
    }
  });
});
