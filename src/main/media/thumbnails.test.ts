import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { systemFfmpeg, systemFfprobe, tempDir } from '../../../test/ffmpeg-fixtures';
import { makeVideo } from '../../../test/media-fixtures';
import { probeMedia } from './probe';
import { thumbnailStrip, thumbnailTimes } from './thumbnails';

const run = promisify(execFile);

/** Raw RGB bytes of one rectangle of a picture, or of the video frame at `seekSeconds` scaled to `height`. */
async function rgb(options: { file: string; seekSeconds?: number; filter: string }): Promise<Buffer> {
  const seek = options.seekSeconds === undefined ? [] : ['-ss', String(options.seekSeconds)];
  const { stdout } = await run(
    systemFfmpeg,
    ['-v', 'error', ...seek, '-i', options.file, '-vf', options.filter, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

function meanDifference(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] ?? 0) - (b[i] ?? 0));
  return sum / a.length;
}

const size = async (file: string) => (await probeMedia({ ffprobePath: systemFfprobe, path: file })).video;

describe('thumbnailStrip', () => {
  it('lays `count` evenly spaced frames side by side, each the right size and from the right moment', async () => {
    const path = await makeVideo({ seconds: 20, width: 1280, height: 720, toneHz: null });
    const outputPath = join(await tempDir('strip'), 'strip.png');

    const strip = await thumbnailStrip({ ffmpegPath: systemFfmpeg, path, durationSeconds: 20, count: 5, height: 72, outputPath });

    expect(strip).toEqual({ outputPath, frameTimes: [2, 6, 10, 14, 18] });
    expect(await size(outputPath)).toMatchObject({ codec: 'png', width: 5 * 128, height: 72 });

    const thumbnail = (index: number) => rgb({ file: outputPath, filter: `crop=128:72:${index * 128}:0` });
    const frameAt = (seconds: number) => rgb({ file: path, seekSeconds: seconds, filter: 'scale=-1:72' });
    const [first, last] = [await thumbnail(0), await thumbnail(4)];
    const [frame2, frame18] = [await frameAt(2), await frameAt(18)];
    // testsrc2's colour bars stand still while its line and counter move: the thumbnails differ a little,
    // and each is (nearly) the very frame at its own time.
    expect(meanDifference(first, last)).toBeGreaterThan(2);
    expect(meanDifference(first, frame2)).toBeLessThan(0.5);
    expect(meanDifference(last, frame18)).toBeLessThan(0.5);
  });

  it('shows a solid colour video as that colour, in a JPEG when asked for one', async () => {
    const path = await makeVideo({ seconds: 4, width: 320, height: 180, color: '#0000ff', toneHz: null });
    const outputPath = join(await tempDir('strip-jpeg'), 'thumbs', 'strip.jpg');

    await thumbnailStrip({ ffmpegPath: systemFfmpeg, path, durationSeconds: 4, count: 3, height: 90, outputPath });

    expect(await size(outputPath)).toMatchObject({ codec: 'mjpeg', width: 3 * 160, height: 90 });
    const pixels = await rgb({ file: outputPath, filter: 'crop=8:8:236:40' });
    for (let i = 0; i < pixels.length; i += 3) {
      expect([pixels[i], pixels[i + 1], pixels[i + 2]].map((v) => Math.round((v ?? 0) / 16))).toEqual([0, 0, 16]);
    }
  });

  it('makes a strip of one, and keeps a rotated video upright', async () => {
    const dir = await tempDir('strip-rotated');
    const rotated = join(dir, 'rotated.mp4');
    const source = await makeVideo({ seconds: 1, width: 320, height: 240, toneHz: null });
    await run(systemFfmpeg, ['-v', 'error', '-i', source, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const outputPath = join(dir, 'one.png');

    const strip = await thumbnailStrip({ ffmpegPath: systemFfmpeg, path: rotated, durationSeconds: 1, count: 1, height: 80, outputPath });

    expect(strip.frameTimes).toEqual([0.5]);
    expect(await size(outputPath)).toMatchObject({ width: 60, height: 80 });
  });

  it('names the video when it is missing', async () => {
    const missing = join(await tempDir('strip-missing'), 'gone.mp4');
    await expect(
      thumbnailStrip({ ffmpegPath: systemFfmpeg, path: missing, durationSeconds: 5, count: 3, height: 72, outputPath: `${missing}.png` }),
    ).rejects.toThrow(/gone\.mp4" does not exist/);
  });

  it('says when the duration is longer than the video, and leaves no file behind', async () => {
    const path = await makeVideo({ seconds: 2, width: 160, height: 90, toneHz: null });
    const dir = await tempDir('strip-too-long');
    const outputPath = join(dir, 'strip.png');

    await expect(thumbnailStrip({ ffmpegPath: systemFfmpeg, path, durationSeconds: 60, count: 4, height: 45, outputPath })).rejects.toThrow(
      /Cannot make thumbnails of ".*\.mp4": it has no picture at 52\.50 s\. The video may be shorter than 60 s/,
    );
    expect(existsSync(outputPath)).toBe(false);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses options it cannot honour, naming the option', async () => {
    const path = await makeVideo({ seconds: 2, width: 160, height: 90, toneHz: null });
    const base = { ffmpegPath: systemFfmpeg, path, durationSeconds: 2, count: 2, height: 45, outputPath: join(await tempDir('strip-bad'), 's.png') };
    await expect(thumbnailStrip({ ...base, count: 0 })).rejects.toThrow(/count must be a whole number from 1 to 100 \(got 0\)/);
    await expect(thumbnailStrip({ ...base, durationSeconds: Number.NaN })).rejects.toThrow(/durationSeconds must be a positive number/);
    await expect(thumbnailStrip({ ...base, outputPath: '/tmp/strip.gif' })).rejects.toThrow(/must be a \.png, \.jpg or \.jpeg file/);
  });
});

describe('thumbnailTimes', () => {
  it('puts each thumbnail in the middle of its slice', () => {
    expect(thumbnailTimes(10, 4)).toEqual([1.25, 3.75, 6.25, 8.75]);
  });
});
