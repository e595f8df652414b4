import { join } from 'node:path';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { binFolder, tempDir } from '../../test/ffmpeg-fixtures';
import { makeImage, makeVideo } from '../../test/media-fixtures';
import { testServices } from '../../test/studio-services';
import { appRouter } from './router';
import { createStudioServices, type DesktopShell } from './services';

const campaignId = '11111111-2222-4333-8444-555555555555';

describe('desktop-only procedures', () => {
  it('say plainly that they need the desktop app in a browser host', async () => {
    const caller = appRouter.createCaller({ services: await testServices() });
    const error = await caller.media.pickAndImport({ campaignId }).catch((e: unknown) => e);
    expect((error as TRPCError).code).toBe('PRECONDITION_FAILED');
    expect((error as TRPCError).message).toMatch(/needs the Kata Studio desktop app/);
  });

  it('import what the system dialog picked, and open or reveal a finished render', async () => {
    const picked = [await makeVideo({ seconds: 1, width: 160, height: 120, color: 'red' }), await makeImage({ width: 64, height: 64, color: 'yellow' })];
    const opened: string[] = [];
    // Stands in for Electron's dialog and shell, which cannot run here.
    const desktop: DesktopShell = {
      pickMediaFiles: async () => picked,
      openPath: async (path) => void opened.push(`open ${path}`),
      showInFolder: (path) => void opened.push(`reveal ${path}`),
      openExternal: async (url) => void opened.push(`browse ${url}`),
    };
    const services = createStudioServices({ appVersion: 't', runtime: 'electron', ffmpeg: { env: { PATH: await binFolder() }, resourcesDir: await tempDir('res') }, hub: { url: null }, dataDir: await tempDir('desktop-data'), desktop, encoderPreset: 'ultrafast' });
    const caller = appRouter.createCaller({ services });
    const items = await caller.media.pickAndImport({ campaignId });
    expect(items.map((i) => i.info.kind)).toEqual(['video', 'image']);
    expect(items[0]!.path.startsWith(join(services.dataDir, 'library', campaignId))).toBe(true);

    const output = join(await tempDir('desktop-out'), 'done.mp4');
    const job = await caller.render.enqueue({
      composition: {
        version: 1,
        id: 'd',
        name: 'Desktop',
        canvas: { width: 160, height: 160, fps: 25, duration: 0.5 },
        media: [{ id: 'v', path: items[0]!.path, kind: 'video', durationSeconds: 1, width: 160, height: 120, hasAudio: true }],
        tracks: [{ kind: 'visual', id: 't', clips: [{ kind: 'video', id: 'c', mediaId: 'v', start: 0, out: 0.5, transform: { x: 80, y: 80, width: 160, height: 160 } }] }],
      },
      outputPath: output,
    });
    const queue = await services.renderQueue();
    await new Promise<void>((resolve) => {
      const check = () => (queue.get(job.id)?.state === 'done' ? resolve() : setTimeout(check, 50));
      check();
    });
    await caller.render.openOutput({ jobId: job.id });
    await caller.render.openOutput({ jobId: job.id, reveal: true });
    expect(opened).toEqual([`open ${output}`, `reveal ${output}`]);
    await services.close();
  });
});
