import { chmod, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import which from 'which';

/** The real FFmpeg on this machine (tests use it, never a fake). */
export const systemFfmpeg = which.sync('ffmpeg');
export const systemFfprobe = which.sync('ffprobe');

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `kata-${prefix}-`));
}

/** A folder holding `ffmpeg` and `ffprobe` links to the real ones, for PATH tests. */
export async function binFolder(): Promise<string> {
  const dir = await tempDir('bin');
  await symlink(systemFfmpeg, join(dir, 'ffmpeg'));
  await symlink(systemFfprobe, join(dir, 'ffprobe'));
  return dir;
}

/**
 * A real FFmpeg whose filter list hides some filters: what a build without
 * libass or libfreetype looks like from outside.
 */
export async function ffmpegWithout(filters: string[]): Promise<string> {
  const dir = await tempDir('partial');
  const script = join(dir, 'ffmpeg');
  const hidden = filters.map((name) => `-e ' ${name} '`).join(' ');
  await writeFile(
    script,
    `#!/bin/sh\nfor a in "$@"; do [ "$a" = "-filters" ] && { "${systemFfmpeg}" "$@" | grep -v ${hidden}; exit 0; }; done\nexec "${systemFfmpeg}" "$@"\n`,
  );
  await chmod(script, 0o755);
  return script;
}

/** Lays out `<resources>/ffmpeg/<platform>-<arch>/{ffmpeg,ffprobe}` as a packaged app would. */
export async function bundledResources(platform: string, arch: string): Promise<string> {
  const resources = await tempDir('resources');
  const ffmpeg = join(resources, 'ffmpeg', `${platform}-${arch}`, 'ffmpeg');
  await mkdir(dirname(ffmpeg), { recursive: true });
  await symlink(systemFfmpeg, ffmpeg);
  await symlink(systemFfprobe, join(dirname(ffmpeg), 'ffprobe'));
  return resources;
}
