import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { makeVideo } from '../../../test/media-fixtures';
import { oneClipComposition } from '../../../test/render-fixtures';
import { testServices } from '../../../test/studio-services';
import { appRouter } from '../router';
import type { StudioServices } from '../services';
import { startBrowserHost, type BrowserHost } from './browser-host';

let services: StudioServices;
let host: BrowserHost;
let jobId: string;

beforeAll(async () => {
  services = await testServices();
  host = await startBrowserHost({ services, staticDir: await tempDir('static') });
  const clip = await makeVideo({ seconds: 2, width: 160, height: 120, color: 'red' });
  const caller = appRouter.createCaller({ services });
  const job = await caller.render.enqueue({ composition: oneClipComposition({ name: 'Served', videoPath: clip }), outputPath: join(await tempDir('served'), 'served.mp4') });
  jobId = job.id;
  const queue = await services.renderQueue();
  await new Promise<void>((resolve) => {
    const check = () => (queue.get(jobId)?.state === 'done' ? resolve() : setTimeout(check, 50));
    check();
  });
});
afterAll(async () => {
  await host.close();
  await services.close();
});

const at = (path: string, token = host.token) => `http://127.0.0.1:${host.port}${path}?token=${token}`;

describe('finished renders served to the page', () => {
  it('plays with range requests', async () => {
    const whole = await fetch(at(`/output/${jobId}`));
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(whole.headers.get('content-disposition')).toBe('inline; filename="served.mp4"');
    const size = (await whole.arrayBuffer()).byteLength;
    const part = await fetch(at(`/output/${jobId}`), { headers: { Range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect((await part.arrayBuffer()).byteLength).toBe(100);
    expect(size).toBeGreaterThan(1000);
  });

  it('only to this launch, and only finished jobs', async () => {
    expect((await fetch(at(`/output/${jobId}`, 'wrong'))).status).toBe(401);
    expect((await fetch(at(`/output/${jobId}`), { headers: { Origin: 'https://evil.example' } })).status).toBe(403);
    expect((await fetch(at('/output/00000000-0000-4000-8000-000000000000'))).status).toBe(404);
    expect((await fetch(at('/output/..%2F..%2Fetc%2Fpasswd'))).status).toBe(400);
  });
});
