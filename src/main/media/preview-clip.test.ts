import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { systemFfmpeg, systemFfprobe, tempDir } from '../../../test/ffmpeg-fixtures';
import { makeVideo } from '../../../test/media-fixtures';
import { makePreviewClip, previewPathOf } from './preview-clip';

const run = promisify(execFile);

async function streamsOf(file: string): Promise<{ format: { duration: string; format_name: string }; streams: Record<string, string | number>[] }> {
  const { stdout } = await run(systemFfprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout);
}

/** Where the top-level boxes of an MP4 sit, in order (faststart puts moov before mdat). */
function topLevelBoxes(bytes: Buffer): string[] {
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= bytes.length; ) {
    const size = bytes.readUInt32BE(at);
    boxes.push(bytes.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

describe('makePreviewClip', () => {
  it('makes a 3-second, 320-pixel-wide H.264 baseline MP4 with its index first and the render’s sound, well under 2 MB', async () => {
    const render = await makeVideo({ seconds: 8, width: 1280, height: 720, toneHz: 440 });
    const dir = await tempDir('preview');
    const outputPath = previewPathOf(join(dir, 'spring teaser.mp4'));
    expect(outputPath).toBe(join(dir, 'spring teaser.preview.mp4'));

    const made = await makePreviewClip({ ffmpegPath: systemFfmpeg, path: render, outputPath });
    const bytes = await readFile(outputPath);
    expect(made).toEqual({ outputPath, sizeBytes: bytes.length });
    expect(bytes.length).toBeLessThan(2 * 1024 * 1024);
    expect(topLevelBoxes(bytes).slice(0, 3)).toEqual(['ftyp', 'moov', expect.any(String)]);
    const info = await streamsOf(outputPath);
    expect(Number(info.format.duration)).toBeCloseTo(3, 0);
    const video = info.streams.find((s) => s.codec_type === 'video')!;
    expect(video).toMatchObject({ codec_name: 'h264', profile: expect.stringMatching(/Baseline/), pix_fmt: 'yuv420p', width: 320, height: 180 });
    expect(info.streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac', channels: 2 });
    // Only the clip is left in the folder: no partial file.
    expect(await readdir(dir)).toEqual(['spring teaser.preview.mp4']);
  }, 120_000);

  it('keeps a vertical render’s shape, never upscales a small one, and does without sound when the render has none', async () => {
    const dir = await tempDir('preview');
    const vertical = await makeVideo({ seconds: 2, width: 720, height: 1280, toneHz: null });
    await makePreviewClip({ ffmpegPath: systemFfmpeg, path: vertical, outputPath: join(dir, 'vertical.preview.mp4') });
    const info = await streamsOf(join(dir, 'vertical.preview.mp4'));
    expect(info.streams.map((s) => s.codec_type)).toEqual(['video']);
    expect(info.streams[0]).toMatchObject({ width: 320, height: 568 });
    expect(Number(info.format.duration)).toBeCloseTo(2, 0);

    const small = await makeVideo({ seconds: 1, width: 200, height: 112, toneHz: null });
    await makePreviewClip({ ffmpegPath: systemFfmpeg, path: small, outputPath: join(dir, 'small.preview.mp4') });
    expect((await streamsOf(join(dir, 'small.preview.mp4'))).streams[0]).toMatchObject({ width: 200, height: 112 });
  }, 120_000);

  it('says which file it could not read, and leaves nothing behind when the clip would be too large', async () => {
    const dir = await tempDir('preview');
    const notVideo = join(dir, 'notes.mp4');
    await writeFile(notVideo, 'these are not moving pictures');
    await expect(makePreviewClip({ ffmpegPath: systemFfmpeg, path: notVideo, outputPath: join(dir, 'notes.preview.mp4') })).rejects.toThrow(/Cannot make a preview of ".*notes\.mp4" \(FFmpeg: /);
    await expect(makePreviewClip({ ffmpegPath: systemFfmpeg, path: join(dir, 'gone.mp4'), outputPath: join(dir, 'gone.preview.mp4') })).rejects.toThrow(/gone\.mp4" does not exist/);

    const render = await makeVideo({ seconds: 3, width: 640, height: 360, toneHz: null });
    await expect(makePreviewClip({ ffmpegPath: systemFfmpeg, path: render, outputPath: join(dir, 'big.preview.mp4'), maxBytes: 1000 })).rejects.toThrow(/over the 0\.0 MB a preview may be/);
    expect(existsSync(join(dir, 'big.preview.mp4'))).toBe(false);
    expect(await readdir(dir)).toEqual(['notes.mp4']);
  }, 120_000);
});
