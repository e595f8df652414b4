import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { systemFfmpeg, systemFfprobe } from './ffmpeg-fixtures';

const run = promisify(execFile);

export type Rgb = [number, number, number];

/** One decoded frame of a file at `time`, as RGB pixels to look at. */
export interface Frame {
  width: number;
  height: number;
  /** Mean colour of a box around (x, y), `radius` pixels each way. */
  at(x: number, y: number, radius?: number): Rgb;
}

export async function frameAt(file: string, time: number): Promise<Frame> {
  const { stdout: size } = await run(systemFfprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file]);
  const [width, height] = size.trim().split(',').map(Number) as [number, number];
  const { stdout } = await run(systemFfmpeg, ['-v', 'error', '-ss', String(time), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  const pixels = stdout as Buffer;
  return {
    width,
    height,
    at(x, y, radius = 2) {
      const sum: Rgb = [0, 0, 0];
      let n = 0;
      for (let yy = Math.max(0, y - radius); yy <= Math.min(height - 1, y + radius); yy++) {
        for (let xx = Math.max(0, x - radius); xx <= Math.min(width - 1, x + radius); xx++) {
          const i = (Math.round(yy) * width + Math.round(xx)) * 3;
          sum[0] += pixels[i]!;
          sum[1] += pixels[i + 1]!;
          sum[2] += pixels[i + 2]!;
          n++;
        }
      }
      return sum.map((v) => Math.round(v / n)) as Rgb;
    },
  };
}

/** True when two colours are within `tolerance` on every channel (video coding shifts colours a little). */
export function near(actual: Rgb, expected: Rgb, tolerance = 40): boolean {
  return actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);
}

export const colors = {
  red: [255, 0, 0] as Rgb,
  green: [0, 255, 0] as Rgb,
  blue: [0, 0, 255] as Rgb,
  yellow: [255, 255, 0] as Rgb,
  white: [255, 255, 255] as Rgb,
  black: [0, 0, 0] as Rgb,
};

export interface ProbedOutput {
  durationSeconds: number;
  video: { codec: string; profile: string; width: number; height: number; fps: number; pixelFormat: string };
  audio: { codec: string; sampleRate: number; channels: number } | null;
  /** True when the moov atom comes before the media data (faststart). */
  fastStart: boolean;
}

export async function probeOutput(file: string): Promise<ProbedOutput> {
  const { stdout } = await run(systemFfprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  const info = JSON.parse(stdout) as {
    format: { duration: string };
    streams: { codec_type: string; codec_name: string; profile?: string; width?: number; height?: number; r_frame_rate?: string; pix_fmt?: string; sample_rate?: string; channels?: number }[];
  };
  const v = info.streams.find((s) => s.codec_type === 'video')!;
  const a = info.streams.find((s) => s.codec_type === 'audio');
  const [num, den] = (v.r_frame_rate ?? '0/1').split('/').map(Number) as [number, number];
  const head = (await readFile(file)).subarray(0, 4096).toString('latin1');
  return {
    durationSeconds: Number(info.format.duration),
    video: { codec: v.codec_name, profile: v.profile ?? '', width: v.width!, height: v.height!, fps: num / den, pixelFormat: v.pix_fmt ?? '' },
    audio: a ? { codec: a.codec_name, sampleRate: Number(a.sample_rate), channels: a.channels ?? 0 } : null,
    fastStart: head.indexOf('moov') >= 0 && (head.indexOf('mdat') < 0 || head.indexOf('moov') < head.indexOf('mdat')),
  };
}

/** Integrated loudness (LUFS) of a file's sound, measured by FFmpeg's ebur128 filter. */
export async function loudness(file: string): Promise<number> {
  const { stderr } = await run(systemFfmpeg, ['-hide_banner', '-nostats', '-i', file, '-filter_complex', 'ebur128', '-f', 'null', '-']);
  const match = /I:\s+(-?[\d.]+) LUFS/.exec(stderr.slice(stderr.lastIndexOf('Summary')));
  return Number(match?.[1]);
}

/** Mean volume (dB) of one frequency band of the sound between `from` and `to` seconds (e.g. the music under a voice). */
export async function bandVolume(file: string, hz: number, from: number, to: number): Promise<number> {
  const { stderr } = await run(systemFfmpeg, ['-hide_banner', '-nostats', '-ss', String(from), '-t', String(to - from), '-i', file, '-af', `bandpass=f=${hz}:width_type=q:w=8,volumedetect`, '-f', 'null', '-']);
  return Number(/mean_volume: (-?[\d.]+) dB/.exec(stderr)?.[1]);
}
