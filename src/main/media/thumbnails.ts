import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { promisify } from 'node:util';
import { MediaFileError, describeToolFailure, ffmpegFileArgument, requireMediaFile } from './probe';

const run = promisify(execFile);

const STRIP_TIMEOUT_MS = 60_000;
/** Each thumbnail is one more input FFmpeg opens and decodes at once; past this a strip is no longer a quick job. */
const MAX_THUMBNAILS = 100;

export interface ThumbnailStripOptions {
  ffmpegPath: string;
  /** The video to take pictures from. */
  path: string;
  /** The video's duration, from probeMedia. */
  durationSeconds: number;
  count: number;
  /** Each thumbnail's height in pixels; its width keeps the video's shape. */
  height: number;
  /** Where the strip goes: a .png, .jpg or .jpeg file. */
  outputPath: string;
}

export interface ThumbnailStrip {
  outputPath: string;
  /** The moment of the video each thumbnail shows, in seconds, left to right. */
  frameTimes: number[];
}

/** Thumbnail i sits in the middle of the i-th of `count` equal slices of the video. */
export function thumbnailTimes(durationSeconds: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => ((i + 0.5) * durationSeconds) / count);
}

function checkOptions(options: ThumbnailStripOptions): void {
  const { path, durationSeconds, count, height, outputPath } = options;
  const problem = (message: string) => new MediaFileError(path, `Cannot make thumbnails of "${path}": ${message}`);
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) throw problem(`durationSeconds must be a positive number of seconds (got ${durationSeconds}).`);
  if (!Number.isInteger(count) || count < 1 || count > MAX_THUMBNAILS) throw problem(`count must be a whole number from 1 to ${MAX_THUMBNAILS} (got ${count}).`);
  if (!Number.isInteger(height) || height < 1) throw problem(`height must be a whole number of pixels (got ${height}).`);
  if (!['.png', '.jpg', '.jpeg'].includes(extname(outputPath).toLowerCase())) {
    throw problem(`the strip must be a .png, .jpg or .jpeg file (got "${outputPath}").`);
  }
}

/**
 * The FFmpeg arguments for one strip. Each thumbnail is its own input seeked with `-ss`, so FFmpeg decodes
 * from the keyframe before each moment rather than the whole video as select+tile does (10 thumbnails of
 * 720p with 1-2 s keyframes: 0.2 s against 0.55 s for 20 s of video, 0.3 s against 5 s for 2 minutes);
 * `hstack` lays the pictures side by side.
 */
export function thumbnailStripArguments(options: { input: string; times: number[]; height: number; output: string; jpeg: boolean }): string[] {
  const { input, times, height, output } = options;
  // One decoding thread per input: many inputs decode at once, and frame threads multiply memory for little gain.
  const inputs = times.flatMap((time) => ['-threads', '1', '-ss', time.toFixed(6), '-i', input]);
  const thumbnails = times.map((_, i) => `[${i}:v:0]scale=-1:${height},setsar=1[t${i}]`);
  const labels = times.map((_, i) => `[t${i}]`).join('');
  const strip = times.length > 1 ? `${labels}hstack=inputs=${times.length}` : `${labels}null`;
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    ...inputs,
    '-filter_complex', [...thumbnails, strip].join(';'),
    '-frames:v', '1',
    // `-update 1` writes exactly this file: no "%d" image-sequence pattern is looked for in its name.
    '-update', '1',
    ...(options.jpeg ? ['-q:v', '3'] : []),
    output,
  ];
}

/** One picture made of `count` frames of the video side by side, for the timeline. */
export async function thumbnailStrip(options: ThumbnailStripOptions): Promise<ThumbnailStrip> {
  checkOptions(options);
  const { ffmpegPath, path, outputPath } = options;
  await requireMediaFile(path);
  const frameTimes = thumbnailTimes(options.durationSeconds, options.count);
  const input = ffmpegFileArgument(path);
  await mkdir(dirname(outputPath), { recursive: true });
  // Written beside the target and renamed, so a reader never sees half a picture; the extension picks the encoder.
  const extension = extname(outputPath);
  const partial = join(dirname(outputPath), `.${basename(outputPath, extension)}.${randomUUID()}.partial${extension}`);
  const args = thumbnailStripArguments({
    input,
    times: frameTimes,
    height: options.height,
    output: ffmpegFileArgument(partial),
    jpeg: extension.toLowerCase() !== '.png',
  });
  try {
    try {
      await run(ffmpegPath, args, { timeout: STRIP_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 });
    } catch (error) {
      const failure = describeToolFailure({ tool: 'FFmpeg', toolPath: ffmpegPath, file: path, fileArgument: input, timeoutMs: STRIP_TIMEOUT_MS, error });
      throw new MediaFileError(path, failure.cause === 'file' ? `Cannot make thumbnails of "${path}" (FFmpeg: ${failure.message}).` : failure.message);
    }
    // FFmpeg exits cleanly without writing anything when a seek lands past the last frame.
    const written = await stat(partial).catch(() => null);
    if (!written || written.size === 0) {
      throw new MediaFileError(
        path,
        `Cannot make thumbnails of "${path}": it has no picture at ${frameTimes.at(-1)?.toFixed(2)} s. The video may be shorter than ${options.durationSeconds} s; probe it again for its real duration.`,
      );
    }
    await rename(partial, outputPath);
  } finally {
    await rm(partial, { force: true });
  }
  return { outputPath, frameTimes };
}
