import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { publicProcedure, router } from '../trpc';
import { campaignIdSchema, type LibraryItem, type MediaLibrary } from './library';
import { MediaFileError, probeMedia } from './probe';
import { sourceFrame } from './source-frame';
import { thumbnailStrip } from './thumbnails';

const path = z.string().min(1, 'give the path of a media file');
const absolutePath = path.refine((p) => isAbsolute(p), 'must be an absolute path, as a file dialog gives it');

/** The file's name in a failure, and what became of the files before it. */
function importFailure(error: unknown, sourcePath: string, imported: number): Error {
  const before = imported === 0 ? '' : ` The ${imported} file${imported === 1 ? '' : 's'} before it ${imported === 1 ? 'was' : 'were'} imported.`;
  const message = error instanceof MediaFileError ? error.message : `"${sourcePath}" could not be imported: ${error instanceof Error ? error.message : String(error)}.`;
  return new MediaFileError(sourcePath, `${message}${before}`);
}

/** Imports the files one by one; the first that fails stops the rest and is named. */
async function importInOrder(library: Pick<MediaLibrary, 'importFile'>, campaignId: string, paths: readonly string[]): Promise<LibraryItem[]> {
  const items: LibraryItem[] = [];
  for (const sourcePath of paths) {
    try {
      items.push(await library.importFile({ campaignId, sourcePath }));
    } catch (error) {
      throw importFailure(error, sourcePath, items.length);
    }
  }
  return items;
}

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

  /** Copies files into the campaign's media library, in order; the first bad file stops the call and is named. */
  import: publicProcedure
    .input(z.object({ campaignId: campaignIdSchema, paths: z.array(absolutePath).min(1, 'choose at least one file').max(50, 'import at most 50 files at a time') }))
    .mutation(async ({ ctx, input }) => {
      return importInOrder(await ctx.services.mediaLibrary(), input.campaignId, input.paths);
    }),

  /** Desktop app: the system's file dialog, then the same import as above. */
  pickAndImport: publicProcedure.input(z.object({ campaignId: campaignIdSchema })).mutation(async ({ ctx, input }) => {
    const paths = await ctx.services.desktop().pickMediaFiles();
    return importInOrder(await ctx.services.mediaLibrary(), input.campaignId, paths);
  }),

  /** Which of a campaign's media files are gone (moved, renamed, on a drive not connected), to offer relinking. */
  missing: publicProcedure.input(z.object({ paths: z.array(absolutePath).max(10_000) })).query(async ({ ctx, input }) => {
    const library = await ctx.services.mediaLibrary();
    return library.missing(input.paths);
  }),

  /** One frame of a source file, for drawing a layer on the canvas while it is dragged (from the 540p proxy when there is one). */
  sourceFrame: publicProcedure
    .input(z.object({ path, time: z.number().min(0).default(0), height: z.number().int().min(16).max(1080).default(360), still: z.boolean().default(false) }))
    .query(async ({ ctx, input }) => {
      const { ffmpegPath } = await ctx.services.ffmpegBinaries();
      const proxy = input.still ? null : await (await ctx.services.proxies()).proxyOf(input.path);
      return { dataUrl: await sourceFrame({ ffmpegPath, path: proxy ?? input.path, time: input.time, height: input.height, still: input.still }) };
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
