import { EventEmitter, on } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { parseComposition } from '../../shared/composition/composition';
import { platformPresets, presetIds } from '../../shared/composition/presets';
import { outputFormat } from '../../shared/composition/reframe';
import { proxyHeight, withProxies } from '../media/proxies';
import { publicProcedure, router } from '../trpc';
import { compileComposition } from './compile/compile-composition';
import { runFfmpeg } from './ffmpeg-runner';
import type { RenderJob } from './render-queue';

const composition = z.unknown().transform((raw) => parseComposition(raw));
const absolutePath = z.string().min(1).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'give an absolute path');
const priority = z.enum(['high', 'normal', 'low']).default('normal');
const jobId = z.object({ jobId: z.uuid() });

/** What the UI sees of a job: everything but the composition it carries. */
function summary(job: RenderJob) {
  const { composition: doc, ...rest } = job;
  const { width, height } = outputFormat(doc);
  return { ...rest, compositionId: doc.id, compositionName: doc.name, preset: doc.preset ?? null, width, height, durationSeconds: doc.canvas.duration };
}

export const renderRouter = router({
  presets: publicProcedure.query(() => platformPresets),

  enqueue: publicProcedure
    .input(z.object({ composition, outputPath: absolutePath, priority }))
    .mutation(async ({ ctx, input }) => summary(await (await ctx.services.renderQueue()).enqueue(input))),

  /** One composition to several platforms: one batch of jobs. */
  enqueueBatch: publicProcedure
    .input(
      z.object({
        composition,
        outputs: z.array(z.object({ preset: z.enum(presetIds), mode: z.enum(['fit', 'fill', 'blurred-pad']).default('fill'), outputPath: absolutePath })).min(1).max(20),
        priority,
      }),
    )
    .mutation(async ({ ctx, input }) => (await (await ctx.services.renderQueue()).enqueueBatch(input)).map(summary)),

  /** How many renders run at once (1 by default; more only helps on machines with cores to spare). */
  setConcurrency: publicProcedure.input(z.object({ renders: z.number().int().min(1).max(8) })).mutation(async ({ ctx, input }) => {
    (await ctx.services.renderQueue()).setConcurrency(input.renders);
    return input;
  }),

  /** Runs a failed or cancelled job again, as a new job with the same composition and output. */
  retry: publicProcedure.input(jobId).mutation(async ({ ctx, input }) => {
    const queue = await ctx.services.renderQueue();
    const job = queue.get(input.jobId);
    if (!job) throw new TRPCError({ code: 'NOT_FOUND', message: `No render job ${input.jobId}; it may have been removed.` });
    return summary(await queue.enqueue({ composition: job.composition, outputPath: job.outputPath, priority: job.priority }));
  }),

  /** Desktop app: plays a finished render in the system player, or shows it in its folder. */
  openOutput: publicProcedure.input(jobId.extend({ reveal: z.boolean().default(false) })).mutation(async ({ ctx, input }) => {
    const desktop = ctx.services.desktop();
    const job = (await ctx.services.renderQueue()).get(input.jobId);
    if (!job || job.state !== 'done') throw new TRPCError({ code: 'NOT_FOUND', message: 'No finished render with that id.' });
    if (input.reveal) desktop.showInFolder(job.outputPath);
    else await desktop.openPath(job.outputPath);
    return { outputPath: job.outputPath };
  }),

  list: publicProcedure.query(async ({ ctx }) => (await ctx.services.renderQueue()).list().map(summary)),
  cancel: publicProcedure.input(jobId).mutation(async ({ ctx, input }) => summary(await (await ctx.services.renderQueue()).cancel(input.jobId))),
  remove: publicProcedure.input(jobId).mutation(async ({ ctx, input }) => {
    await (await ctx.services.renderQueue()).remove(input.jobId);
    // Its record is deleted on the Hub (the renderer writes that), so its preview would wait there forever.
    await ctx.services
      .previewUploads()
      .then((uploads) => uploads.forget(input.jobId))
      .catch(() => undefined);
    return { removed: input.jobId };
  }),

  /** Every change of every job (state and progress) as it happens. */
  jobs: publicProcedure.subscription(async function* ({ ctx, signal }) {
    const queue = await ctx.services.renderQueue();
    const events = new EventEmitter();
    const stop = queue.onChange((job) => events.emit('job', job));
    try {
      for await (const [job] of on(events, 'job', { signal })) yield summary(job as RenderJob);
    } catch (error) {
      if (!signal?.aborted) throw error;
    } finally {
      stop();
    }
  }),

  /** A small, quickly made video of a stretch of the composition with its sound, for the editor's play button. */
  previewRange: publicProcedure
    .input(z.object({ composition, start: z.number().min(0), seconds: z.number().positive().max(15).default(5), height: z.number().int().min(90).max(720).default(360) }))
    .query(async ({ ctx, input, signal }) => {
      const { ffmpegPath } = await ctx.services.ffmpegBinaries();
      const folder = await mkdtemp(join(tmpdir(), 'kata-range-'));
      try {
        const outputPath = join(folder, 'range.mp4');
        const source = await withProxies(input.composition, await ctx.services.proxies());
        const invocation = compileComposition(source, { kind: 'range', start: input.start, end: input.start + input.seconds, height: input.height });
        await runFfmpeg({ ffmpegPath, invocation, outputPath, signal });
        const video = await readFile(outputPath);
        return { dataUrl: `data:video/mp4;base64,${video.toString('base64')}`, start: input.start, seconds: invocation.durationSeconds };
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    }),

  /** The composed picture at `time`, for the editor: the same compiler as the export, one frame, small. */
  frame: publicProcedure
    .input(z.object({ composition, time: z.number().min(0), height: z.number().int().min(16).max(2160).default(540) }))
    .query(async ({ ctx, input }) => {
      const { ffmpegPath } = await ctx.services.ffmpegBinaries();
      const folder = await mkdtemp(join(tmpdir(), 'kata-frame-'));
      const started = performance.now();
      try {
        const outputPath = join(folder, 'frame.jpg');
        // Preview sizes read the 540p editing proxies where they exist: seeking in them is several times faster.
        const source = input.height <= proxyHeight ? await withProxies(input.composition, await ctx.services.proxies()) : input.composition;
        await runFfmpeg({ ffmpegPath, invocation: compileComposition(source, { kind: 'frame', time: input.time, height: input.height }), outputPath });
        const image = await readFile(outputPath);
        return { dataUrl: `data:image/jpeg;base64,${image.toString('base64')}`, milliseconds: Math.round(performance.now() - started) };
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    }),
});
