import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { publicProcedure, router } from '../trpc';
import { probeMedia } from './probe';
import { thumbnailStrip } from './thumbnails';

const path = z.string().min(1, 'give the path of a media file');

export const mediaRouter = router({
  /** What a file is: kind, duration, size, frame rate, rotation, sound. */
  probe: publicProcedure.input(z.object({ path })).query(async ({ ctx, input }) => {
    const { ffprobePath } = await ctx.services.ffmpegBinaries();
    return probeMedia({ ffprobePath, path: input.path });
  }),

  /** Makes the 540p editing proxy of a video (once; later calls return it at once). */
  makeProxy: publicProcedure.input(z.object({ path })).mutation(async ({ ctx, input, signal }) => {
    const { ffprobePath } = await ctx.services.ffmpegBinaries();
    const info = await probeMedia({ ffprobePath, path: input.path });
    if (info.kind !== 'video') return { proxyPath: null };
    const proxies = await ctx.services.proxies();
    return { proxyPath: await proxies.ensureProxy(input.path, { durationSeconds: info.durationSeconds ?? undefined, signal }) };
  }),

  /** A strip of evenly spaced frames for the timeline, as one JPEG. */
  thumbnails: publicProcedure
    .input(z.object({ path, count: z.number().int().min(1).max(100).default(10), height: z.number().int().min(16).max(720).default(72) }))
    .query(async ({ ctx, input }) => {
      const { ffmpegPath, ffprobePath } = await ctx.services.ffmpegBinaries();
      const info = await probeMedia({ ffprobePath, path: input.path });
      if (!info.video) throw new z.ZodError([{ code: 'custom', path: ['path'], message: `${input.path} has no pictures to show`, input: input.path }]);
      const folder = await mkdtemp(join(tmpdir(), 'kata-thumbs-'));
      try {
        const strip = await thumbnailStrip({ ffmpegPath, path: input.path, durationSeconds: info.durationSeconds ?? 0, count: info.kind === 'image' ? 1 : input.count, height: input.height, outputPath: join(folder, 'strip.jpg') });
        const image = await readFile(strip.outputPath);
        return { dataUrl: `data:image/jpeg;base64,${image.toString('base64')}`, frameTimes: strip.frameTimes };
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    }),
});
