import { stat } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseComposition } from '../../shared/composition/composition';
import { systemFfmpeg, tempDir } from '../../../test/ffmpeg-fixtures';
import { makeVideo } from '../../../test/media-fixtures';
import { probeOutput } from '../../../test/pixels';
import { videoMedia } from '../../../test/render-fixtures';
import { createProxyStore, withProxies, type ProxyStore } from './proxies';

let source: string;
let store: ProxyStore;

beforeAll(async () => {
  source = await makeVideo({ seconds: 2, width: 640, height: 720, color: '#00ff00' });
  store = createProxyStore({ ffmpegPath: systemFfmpeg, dir: await tempDir('proxies') });
});

describe('editing proxies', () => {
  it('are made once per source, at 540p, with the sound', async () => {
    expect(await store.proxyOf(source)).toBeNull();
    const [proxy, same] = await Promise.all([store.ensureProxy(source, { durationSeconds: 2 }), store.ensureProxy(source)]);
    expect(same).toBe(proxy);
    const made = (await stat(proxy)).mtimeMs;
    expect(await store.ensureProxy(source)).toBe(proxy);
    expect((await stat(proxy)).mtimeMs).toBe(made);
    expect(await store.proxyOf(source)).toBe(proxy);
    const probe = await probeOutput(proxy);
    expect(probe.video).toMatchObject({ width: 480, height: 540 });
    expect(probe.audio?.codec).toBe('aac');
    expect(probe.durationSeconds).toBeCloseTo(2, 1);
  });

  it('stand in for their videos in a composition, with their own size', async () => {
    await store.ensureProxy(source);
    const composition = parseComposition({
      version: 1,
      id: 'p',
      name: 'Proxy',
      canvas: { width: 640, height: 720, fps: 25, duration: 1 },
      media: [videoMedia('green', source, { seconds: 2, width: 640, height: 720 })],
    });
    const proxied = await withProxies(composition, store);
    expect(proxied.media[0]).toMatchObject({ path: await store.proxyOf(source), width: 480, height: 540 });
    expect(composition.media[0]!.path).toBe(source);
  });
});
