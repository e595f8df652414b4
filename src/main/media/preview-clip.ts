import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { promisify } from 'node:util';
import { MediaFileError, describeToolFailure, ffmpegFileArgument, requireMediaFile } from './probe';

const run = promisify(execFile);

const PREVIEW_TIMEOUT_MS = 60_000;

export interface PreviewClipOptions {
  ffmpegPath: string;
  /** The finished render. */
  path: string;
  /** Where the clip goes (see previewPathOf). */
  outputPath: string;
  /** From the start of the render; 3 unless set. */
  seconds?: number;
  /** At most this wide (never wider than the render), height to keep its shape; 320 unless set. */
  maxWidth?: number;
  /** A clip larger than this is not kept (the Hub takes at most 4 MB); 2 MB unless set. */
  maxBytes?: number;
}

export interface PreviewClip {
  outputPath: string;
  sizeBytes: number;
}

/** The preview of `render.mp4` is `render.preview.mp4`, beside it. */
export function previewPathOf(renderPath: string): string {
  return join(dirname(renderPath), `${basename(renderPath, extname(renderPath))}.preview.mp4`);
}

/**
 * The FFmpeg arguments for a preview: the first seconds, scaled down, as an
 * MP4 any browser and ffmpeg.wasm decode (H.264 baseline, yuv420p, AAC if the
 * render has sound) with its index first (faststart), its bit rate capped so
 * its size is bounded whatever the render holds.
 */
export function previewClipArguments(options: { input: string; output: string; seconds: number; maxWidth: number }): string[] {
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    '-t', String(options.seconds), '-i', options.input,
    '-map', '0:v:0', '-map', '0:a:0?',
    // Even sizes (yuv420p needs them), never upscaled; square pixels.
    '-vf', `scale=w='trunc(min(${options.maxWidth},iw)/2)*2':h=-2,setsar=1,fps=25`,
    '-c:v', 'libx264', '-profile:v', 'baseline', '-level', '3.0', '-pix_fmt', 'yuv420p', '-preset', 'veryfast', '-crf', '28', '-maxrate', '1M', '-bufsize', '2M',
    '-c:a', 'aac', '-b:a', '64k', '-ac', '2',
    '-movflags', '+faststart', '-f', 'mp4',
    options.output,
  ];
}

/** Makes the short, small preview clip of a finished render that Studio uploads to the Hub for review. */
export async function makePreviewClip(options: PreviewClipOptions): Promise<PreviewClip> {
  const { ffmpegPath, path, outputPath } = options;
  const seconds = options.seconds ?? 3;
  const maxWidth = options.maxWidth ?? 320;
  const maxBytes = options.maxBytes ?? 2 * 1024 * 1024;
  await requireMediaFile(path);
  const input = ffmpegFileArgument(path);
  // Written beside the target and renamed, so an upload never reads half a clip.
  const partial = join(dirname(outputPath), `.${basename(outputPath, '.mp4')}.${randomUUID()}.partial.mp4`);
  try {
    try {
      await run(ffmpegPath, previewClipArguments({ input, output: ffmpegFileArgument(partial), seconds, maxWidth }), { timeout: PREVIEW_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 });
    } catch (error) {
      const failure = describeToolFailure({ tool: 'FFmpeg', toolPath: ffmpegPath, file: path, fileArgument: input, timeoutMs: PREVIEW_TIMEOUT_MS, error });
      throw new MediaFileError(path, failure.cause === 'file' ? `Cannot make a preview of "${path}" (FFmpeg: ${failure.message}).` : failure.message);
    }
    const written = await stat(partial).catch(() => null);
    if (!written || written.size === 0) throw new MediaFileError(path, `Cannot make a preview of "${path}": FFmpeg wrote nothing; the render may have no picture.`);
    if (written.size > maxBytes) throw new MediaFileError(path, `The preview of "${path}" came out at ${(written.size / 1024 / 1024).toFixed(1)} MB, over the ${(maxBytes / 1024 / 1024).toFixed(1)} MB a preview may be; it is not kept.`);
    await rename(partial, outputPath);
    return { outputPath, sizeBytes: written.size };
  } finally {
    await rm(partial, { force: true });
  }
}
