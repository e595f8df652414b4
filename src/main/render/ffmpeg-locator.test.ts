import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { binFolder, bundledResources, ffmpegWithout, systemFfmpeg, systemFfprobe, tempDir } from '../../../test/ffmpeg-fixtures';
import { locateFfmpeg, probeFfmpeg } from './ffmpeg-locator';

let emptyResources: string;
let pathDir: string;
beforeAll(async () => {
  emptyResources = await tempDir('no-resources');
  pathDir = await binFolder();
});

describe('locateFfmpeg', () => {
  it('uses FFMPEG_PATH and FFPROBE_PATH first', async () => {
    const resources = await bundledResources('linux', 'x64');
    const found = await locateFfmpeg({
      env: { FFMPEG_PATH: systemFfmpeg, FFPROBE_PATH: systemFfprobe, PATH: pathDir },
      resourcesDir: resources,
      platform: 'linux',
      arch: 'x64',
    });
    expect(found).toEqual({ ffmpegPath: systemFfmpeg, ffprobePath: systemFfprobe, source: 'env' });
  });

  it('then the copy bundled under resources/ffmpeg/<platform>-<arch>', async () => {
    const resources = await bundledResources('linux', 'arm64');
    const found = await locateFfmpeg({ env: { PATH: pathDir }, resourcesDir: resources, platform: 'linux', arch: 'arm64' });
    expect(found).toEqual({
      ffmpegPath: join(resources, 'ffmpeg/linux-arm64/ffmpeg'),
      ffprobePath: join(resources, 'ffmpeg/linux-arm64/ffprobe'),
      source: 'bundled',
    });
  });

  it('then PATH', async () => {
    const found = await locateFfmpeg({ env: { PATH: pathDir }, resourcesDir: emptyResources });
    expect(found?.source).toBe('path');
    expect(await realpath(found!.ffmpegPath)).toBe(await realpath(systemFfmpeg));
  });

  it('finds nothing on an empty PATH', async () => {
    expect(await locateFfmpeg({ env: { PATH: await tempDir('empty') }, resourcesDir: emptyResources })).toBeNull();
  });
});

describe('probeFfmpeg against the real FFmpeg', () => {
  it('reports version, location and every capability Kata needs', async () => {
    const status = await probeFfmpeg({ env: { PATH: pathDir }, resourcesDir: emptyResources });
    if (!status.found) throw new Error(status.problem);
    expect(status.version).toMatch(/^\d+\.\d+/);
    expect(status.ffprobePath).not.toBeNull();
    expect(status.capabilities.every((c) => c.present)).toBe(true);
    expect(status.missing).toEqual([]);
  });

  it('says which capability is missing and what it is for', async () => {
    const partial = await ffmpegWithout(['subtitles', 'xfade']);
    const status = await probeFfmpeg({ env: { FFMPEG_PATH: partial, PATH: pathDir }, resourcesDir: emptyResources });
    if (!status.found) throw new Error(status.problem);
    expect(status.missing).toEqual([
      'filter xfade (needed for morph transitions)',
      'filter subtitles (needed for captions rendered with libass)',
    ]);
    expect(status.capabilities.find((c) => c.name === 'overlay')?.present).toBe(true);
  });

  it('names a wrong FFMPEG_PATH', async () => {
    const status = await probeFfmpeg({ env: { FFMPEG_PATH: '/nowhere/ffmpeg', PATH: pathDir }, resourcesDir: emptyResources });
    expect(status).toEqual({
      found: false,
      problem: 'FFMPEG_PATH is set to "/nowhere/ffmpeg", which is not an executable file. Fix or unset FFMPEG_PATH.',
    });
  });

  it('explains how to install FFmpeg when there is none', async () => {
    const status = await probeFfmpeg({ env: { PATH: await tempDir('empty') }, resourcesDir: emptyResources });
    expect(status.found).toBe(false);
    expect(!status.found && status.problem).toMatch(/FFmpeg was not found.*apt-get install ffmpeg.*FFMPEG_PATH/);
  });

  it('refuses a program that is not FFmpeg', async () => {
    const status = await probeFfmpeg({ env: { FFMPEG_PATH: '/bin/echo', PATH: pathDir }, resourcesDir: emptyResources });
    expect(status).toEqual({ found: false, problem: '/bin/echo did not answer -version like FFmpeg does.' });
  });
});
