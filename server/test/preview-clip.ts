import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A real preview clip as Studio makes one: FFmpeg's moving test pattern,
 * H.264 baseline in an MP4 with its index first. Made by the FFmpeg on this
 * machine (tests use the real one, never bytes typed in by hand).
 */
export async function previewClip(options: { seconds?: number; width?: number; height?: number } = {}): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'kata-hub-preview-'));
  const file = join(dir, 'preview.mp4');
  try {
    const size = `${options.width ?? 320}x${options.height ?? 180}`;
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc=s=${size}:r=25:d=${options.seconds ?? 3}`, '-c:v', 'libx264', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', file]);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
