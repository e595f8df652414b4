import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { describeIssues } from '../../shared/validation';

const run = promisify(execFile);

/** A file on a sleeping network drive can hang ffprobe; past this the user is better told than kept waiting. */
const PROBE_TIMEOUT_MS = 30_000;

/** What Kata knows about an imported file; stored with the project, so it has a schema. */
export const mediaInfoSchema = z.object({
  path: z.string(),
  kind: z.enum(['video', 'image', 'audio']),
  /** Null for a still image, or when the file does not say. */
  durationSeconds: z.number().nonnegative().nullable(),
  sizeBytes: z.number().int().nonnegative(),
  /** FFmpeg's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2" or "png_pipe". */
  container: z.string(),
  video: z
    .object({
      codec: z.string(),
      /** Display size: width and height are swapped when the picture is shown rotated by 90 or 270 degrees. */
      width: z.number().int().positive(),
      height: z.number().int().positive(),
      /** The picture as stored in the file, before rotation. */
      codedWidth: z.number().int().positive(),
      codedHeight: z.number().int().positive(),
      /** Null for a still image. */
      fps: z.number().positive().nullable(),
      /** Counter-clockwise, as FFmpeg's display matrix (and ffprobe's `rotation`, and `-display_rotation`) count it. */
      rotation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]),
      /** Null when this FFmpeg cannot tell (a codec it cannot decode). */
      pixelFormat: z.string().nullable(),
      hasAlpha: z.boolean(),
    })
    .nullable(),
  audio: z.array(
    z.object({
      codec: z.string(),
      sampleRate: z.number().int().positive(),
      channels: z.number().int().positive(),
      channelLayout: z.string().nullable(),
    }),
  ),
});

export type MediaInfo = z.infer<typeof mediaInfoSchema>;
export type MediaVideo = NonNullable<MediaInfo['video']>;
export type MediaAudio = MediaInfo['audio'][number];

/** A problem with one media file; `file` is the path as the caller gave it. */
export class MediaFileError extends Error {
  override name = 'MediaFileError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

// ffprobe's JSON is a boundary: only the fields Kata reads, each as loose as ffprobe writes it.
const ffprobeStreamSchema = z.object({
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  pix_fmt: z.string().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  nb_frames: z.string().optional(),
  duration: z.string().optional(),
  sample_rate: z.string().optional(),
  channels: z.number().optional(),
  channel_layout: z.string().optional(),
  disposition: z.object({ attached_pic: z.number().optional() }).optional(),
  tags: z.record(z.string(), z.string()).optional(),
  side_data_list: z.array(z.object({ side_data_type: z.string().optional(), rotation: z.number().optional() })).optional(),
});

const ffprobeOutputSchema = z.object({
  streams: z.array(ffprobeStreamSchema).default([]),
  format: z.object({
    format_name: z.string(),
    duration: z.string().optional(),
  }),
});

type FfprobeStream = z.infer<typeof ffprobeStreamSchema>;

/** Demuxers that read exactly one picture per file. */
const stillImageFormat = /^(image2|image2pipe|[a-z0-9]+_pipe)$/;

/** Pixel formats with an alpha channel (pal8: GIF and PNG palettes may hold transparent entries). */
const alphaPixelFormat = /^(yuva|gbrap|rgba|bgra|argb|abgr|ayuv|vuya|ya\d|pal8$)/;

/** ffprobe writes numbers as text, and "N/A" when it does not know. */
function numberFrom(text: string | undefined): number | null {
  if (text === undefined) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

/** "30000/1001" -> 29.97; "0/0" (unknown) -> null. */
function frameRate(text: string | undefined): number | null {
  const match = /^(\d+)\/(\d+)$/.exec(text ?? '');
  if (!match) return null;
  const rate = Number(match[1]) / Number(match[2]);
  return Number.isFinite(rate) && rate > 0 ? rate : null;
}

function tag(stream: FfprobeStream, name: string): string | undefined {
  const entry = Object.entries(stream.tags ?? {}).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}

/** Counter-clockwise degrees from the display matrix; the legacy `rotate` tag (older FFmpeg) counts clockwise. */
function rotationOf(stream: FfprobeStream): 0 | 90 | 180 | 270 {
  const fromMatrix = stream.side_data_list?.find((side) => side.rotation !== undefined)?.rotation;
  const fromTag = numberFrom(tag(stream, 'rotate'));
  const counterClockwise = fromMatrix ?? (fromTag === null ? 0 : -fromTag);
  const quarterTurns = ((Math.round(counterClockwise / 90) % 4) + 4) % 4;
  return ([0, 90, 180, 270] as const)[quarterTurns] ?? 0;
}

function videoOf(file: string, stream: FfprobeStream, isStill: boolean): MediaVideo {
  const codec = stream.codec_name ?? 'unknown';
  const { width, height } = stream;
  if (!width || !height) {
    throw new MediaFileError(file, `"${file}" has a video stream (${codec}) that this FFmpeg cannot decode. Convert it to H.264 or ProRes and import it again.`);
  }
  const rotation = rotationOf(stream);
  const sideways = rotation === 90 || rotation === 270;
  const pixelFormat = stream.pix_fmt ?? null;
  return {
    codec,
    width: sideways ? height : width,
    height: sideways ? width : height,
    codedWidth: width,
    codedHeight: height,
    fps: isStill ? null : (frameRate(stream.avg_frame_rate) ?? frameRate(stream.r_frame_rate)),
    rotation,
    pixelFormat,
    // VP8/VP9 in WebM carry alpha beside the picture; the stream's pixel format does not show it.
    hasAlpha: (pixelFormat !== null && alphaPixelFormat.test(pixelFormat)) || tag(stream, 'alpha_mode') === '1',
  };
}

function audioOf(stream: FfprobeStream): MediaAudio | null {
  const sampleRate = numberFrom(stream.sample_rate);
  const channels = stream.channels ?? 0;
  // A stream without a rate or channels is one FFmpeg cannot decode; Kata could not mix it either.
  if (!sampleRate || sampleRate <= 0 || channels <= 0) return null;
  return {
    codec: stream.codec_name ?? 'unknown',
    sampleRate: Math.round(sampleRate),
    channels,
    channelLayout: stream.channel_layout ?? null,
  };
}

/** Turns ffprobe's `-show_format -show_streams` JSON into MediaInfo; throws a MediaFileError naming the file. */
export function mediaInfoFromFfprobe(options: { path: string; sizeBytes: number; ffprobeOutput: unknown }): MediaInfo {
  const { path } = options;
  const parsed = ffprobeOutputSchema.safeParse(options.ffprobeOutput);
  if (!parsed.success) {
    throw new MediaFileError(path, `ffprobe described "${path}" in an unexpected way (${describeIssues(parsed.error).replace(/\n/g, '; ')}). Check that the configured ffprobe is a real FFmpeg build.`);
  }
  const { streams, format } = parsed.data;
  // Cover art in music files is a "video" stream of one picture; it is not something to place on a timeline.
  const videoStream = streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const audio = streams.filter((s) => s.codec_type === 'audio').flatMap((s) => audioOf(s) ?? []);
  if (!videoStream && audio.length === 0) {
    throw new MediaFileError(path, `"${path}" has no video or audio stream Kata can use. Choose a video, image or audio file.`);
  }

  const isStill = videoStream !== undefined && audio.length === 0 && (stillImageFormat.test(format.format_name) || numberFrom(videoStream.nb_frames) === 1);
  const streamDurations = streams.map((s) => numberFrom(s.duration)).filter((d): d is number => d !== null);
  const duration = numberFrom(format.duration) ?? (streamDurations.length > 0 ? Math.max(...streamDurations) : null);

  return {
    path,
    kind: !videoStream ? 'audio' : isStill ? 'image' : 'video',
    durationSeconds: isStill || duration === null || duration < 0 ? null : duration,
    sizeBytes: options.sizeBytes,
    container: format.format_name,
    video: videoStream ? videoOf(path, videoStream, isStill) : null,
    audio,
  };
}

/** Checks that `path` is an existing file before FFmpeg is asked about it; returns its size. */
export async function requireMediaFile(path: string): Promise<number> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new MediaFileError(path, `"${path}" does not exist. It may have been moved, renamed or be on a drive that is not connected.`);
  }
  if (!info.isFile()) throw new MediaFileError(path, `"${path}" is a folder, not a media file. Choose a file inside it.`);
  return info.size;
}

/**
 * A path as FFmpeg should read it: the `file:` protocol keeps a name with a colon (e.g. "take:2.mp4")
 * from being taken for a protocol, and a name starting with "-" from being taken for an option.
 */
export function ffmpegFileArgument(path: string): string {
  return `file:${resolve(path)}`;
}

/** The line of FFmpeg's stderr that says what went wrong, without the file name it starts with. */
function ffmpegProblem(stderr: string, fileArgument: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter(Boolean);
  const last = lines.at(-1) ?? 'no message';
  return last.startsWith(`${fileArgument}: `) ? last.slice(fileArgument.length + 2) : last;
}

export interface ToolFailure {
  /** `file`: the tool ran and refused the file; the others are about the tool or the drive. */
  cause: 'tool-missing' | 'timeout' | 'file';
  message: string;
}

/** Why a spawned FFmpeg tool (execFile) failed, in words for the user. */
export function describeToolFailure(options: { tool: string; toolPath: string; file: string; fileArgument: string; timeoutMs: number; error: unknown }): ToolFailure {
  const error = options.error as NodeJS.ErrnoException & { killed?: boolean; stderr?: string };
  if (error.code === 'ENOENT' && error.syscall?.startsWith('spawn')) {
    return { cause: 'tool-missing', message: `${options.tool} was not found at "${options.toolPath}". Install FFmpeg or fix the FFmpeg location in Settings.` };
  }
  if (error.killed) {
    return { cause: 'timeout', message: `${options.tool} took more than ${options.timeoutMs / 1000} s on "${options.file}"; the file may be on a slow or disconnected drive.` };
  }
  return { cause: 'file', message: ffmpegProblem(error.stderr || error.message, options.fileArgument) };
}

/** Asks ffprobe what `path` holds: its kind, duration, picture and sound. */
export async function probeMedia(options: { ffprobePath: string; path: string }): Promise<MediaInfo> {
  const { ffprobePath, path } = options;
  const sizeBytes = await requireMediaFile(path);
  const fileArgument = ffmpegFileArgument(path);
  let stdout: string;
  try {
    ({ stdout } = await run(ffprobePath, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', fileArgument], {
      timeout: PROBE_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (error) {
    const failure = describeToolFailure({ tool: 'ffprobe', toolPath: ffprobePath, file: path, fileArgument, timeoutMs: PROBE_TIMEOUT_MS, error });
    throw new MediaFileError(path, failure.cause === 'file' ? `"${path}" is not a media file Kata can read (ffprobe: ${failure.message}).` : failure.message);
  }
  let ffprobeOutput: unknown;
  try {
    ffprobeOutput = JSON.parse(stdout);
  } catch {
    throw new MediaFileError(path, `ffprobe did not answer in JSON about "${path}". Check that "${ffprobePath}" is FFmpeg's ffprobe.`);
  }
  return mediaInfoFromFfprobe({ path, sizeBytes, ffprobeOutput });
}
