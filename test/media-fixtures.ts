import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { systemFfmpeg } from './ffmpeg-fixtures';

const run = promisify(execFile);
const cacheDir = join(tmpdir(), 'kata-test-media');

/** Generates a file with FFmpeg's own sources once per machine (same arguments, same file). */
async function generate(name: string, args: string[]): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const file = join(cacheDir, name);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.part${name.slice(name.lastIndexOf('.'))}`;
  await run(systemFfmpeg, ['-hide_banner', '-loglevel', 'error', '-y', ...args, partial]);
  await rename(partial, file);
  return file;
}

export interface VideoFixture {
  seconds: number;
  width: number;
  height: number;
  fps?: number;
  /** A solid colour (e.g. "red", "#00ff00") instead of the moving test pattern. */
  color?: string;
  /** A sine tone in the audio track, or no audio track. */
  toneHz?: number | null;
}

/** A short H.264 video: FFmpeg's testsrc2 pattern (or a solid colour), with an optional sine tone. */
export function makeVideo(v: VideoFixture): Promise<string> {
  const fps = v.fps ?? 25;
  const tone = v.toneHz === undefined ? 440 : v.toneHz;
  const picture = v.color
    ? `color=c=${v.color}:s=${v.width}x${v.height}:r=${fps}:d=${v.seconds}`
    : `testsrc2=s=${v.width}x${v.height}:r=${fps}:d=${v.seconds}`;
  const name = `video-${v.color?.replace('#', '') ?? 'testsrc2'}-${v.width}x${v.height}-${fps}-${v.seconds}s-${tone ?? 'silent'}.mp4`;
  const audio = tone ? ['-f', 'lavfi', '-i', `sine=f=${tone}:sample_rate=48000:d=${v.seconds}`] : [];
  return generate(name, [
    '-f', 'lavfi', '-i', picture,
    ...audio,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(fps),
    ...(tone ? ['-c:a', 'aac', '-shortest'] : []),
  ]);
}

/** A PNG: a solid colour, optionally with a transparent border of `inset` pixels (to test alpha). */
export function makeImage(i: { width: number; height: number; color: string; inset?: number }): Promise<string> {
  const inset = i.inset ?? 0;
  const name = `image-${i.color.replace('#', '')}-${i.width}x${i.height}-inset${inset}.png`;
  const inner = `color=c=${i.color}:s=${i.width - 2 * inset}x${i.height - 2 * inset},format=rgba`;
  const filter = inset
    ? `${inner},pad=${i.width}:${i.height}:${inset}:${inset}:color=black@0`
    : inner;
  return generate(name, ['-f', 'lavfi', '-i', filter, '-frames:v', '1']);
}

/** A mono sine tone as AAC in .m4a, e.g. a voice or music stand-in. */
export function makeAudio(a: { seconds: number; hz: number }): Promise<string> {
  return generate(`audio-${a.hz}hz-${a.seconds}s.m4a`, [
    '-f', 'lavfi', '-i', `sine=f=${a.hz}:sample_rate=48000:d=${a.seconds}`,
    '-c:a', 'aac',
  ]);
}
