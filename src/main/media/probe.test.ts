import { execFile } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { systemFfmpeg, systemFfprobe, tempDir } from '../../../test/ffmpeg-fixtures';
import { makeAudio, makeImage, makeVideo } from '../../../test/media-fixtures';
import { MediaFileError, mediaInfoFromFfprobe, mediaInfoSchema, probeMedia } from './probe';

const run = promisify(execFile);
const probe = (path: string) => probeMedia({ ffprobePath: systemFfprobe, path });

describe('probeMedia on real files', () => {
  it('reads a video with sound: duration, frame rate, size and codecs', async () => {
    const path = await makeVideo({ seconds: 2, width: 320, height: 240, toneHz: 440 });
    const info = await probe(path);

    expect(info.kind).toBe('video');
    expect(Math.abs((info.durationSeconds ?? 0) - 2)).toBeLessThanOrEqual(1 / 25);
    expect(info.sizeBytes).toBe((await stat(path)).size);
    expect(info.container).toContain('mp4');
    expect(info.video).toEqual({
      codec: 'h264',
      width: 320,
      height: 240,
      codedWidth: 320,
      codedHeight: 240,
      fps: 25,
      rotation: 0,
      pixelFormat: 'yuv420p',
      hasAlpha: false,
    });
    expect(info.audio).toEqual([{ codec: 'aac', sampleRate: 48_000, channels: 1, channelLayout: 'mono' }]);
    expect(mediaInfoSchema.parse(info)).toEqual(info);
  });

  it('reads a silent video as a video without audio streams', async () => {
    const info = await probe(await makeVideo({ seconds: 1, width: 160, height: 90, toneHz: null }));
    expect(info.kind).toBe('video');
    expect(info.audio).toEqual([]);
    expect(info.video?.fps).toBe(25);
  });

  it('reads a PNG as a still image with no duration, and sees its alpha', async () => {
    const info = await probe(await makeImage({ width: 64, height: 48, color: 'red', inset: 4 }));
    expect(info).toMatchObject({ kind: 'image', durationSeconds: null, container: 'png_pipe', audio: [] });
    expect(info.video).toMatchObject({ codec: 'png', width: 64, height: 48, fps: null, pixelFormat: 'rgba', hasAlpha: true });
  });

  it('reads an .m4a as audio only', async () => {
    const info = await probe(await makeAudio({ seconds: 1, hz: 440 }));
    expect(info.kind).toBe('audio');
    expect(info.video).toBeNull();
    expect(info.durationSeconds).toBeCloseTo(1, 1);
    expect(info.audio).toEqual([{ codec: 'aac', sampleRate: 48_000, channels: 1, channelLayout: 'mono' }]);
  });

  it('swaps width and height of a video shown rotated by 90 degrees', async () => {
    const dir = await tempDir('probe-rotation');
    const rotated = join(dir, 'rotated.mp4');
    // FFmpeg 5.1 has no -display_rotation yet; its `rotate` metadata becomes a display matrix turning the picture 90° counter-clockwise.
    const source = await makeVideo({ seconds: 1, width: 320, height: 240, toneHz: null });
    await run(systemFfmpeg, ['-v', 'error', '-i', source, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);

    const info = await probe(rotated);
    expect(info.video).toMatchObject({ width: 240, height: 320, codedWidth: 320, codedHeight: 240, rotation: 90 });
  });

  it('names a missing file before running ffprobe', async () => {
    const missing = join(await tempDir('probe-missing'), 'holiday.mp4');
    const error = await probe(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaFileError);
    expect((error as MediaFileError).file).toBe(missing);
    expect((error as Error).message).toMatch(/"[^"]*holiday\.mp4" does not exist/);
  });

  it('says a folder is not a media file', async () => {
    const folder = join(await tempDir('probe-folder'), 'clips.mp4');
    await mkdir(folder);
    await expect(probe(folder)).rejects.toThrow(/clips\.mp4" is a folder/);
  });

  it('says a text file renamed .mp4 is not media, with ffprobe\'s one-line reason', async () => {
    const fake = join(await tempDir('probe-fake'), 'notes.mp4');
    await writeFile(fake, 'meeting notes, not a video\n');
    const error = (await probe(fake).catch((e: unknown) => e)) as Error;
    expect(error.message).toBe(`"${fake}" is not a media file Kata can read (ffprobe: Invalid data found when processing input).`);
  });

  it('says when ffprobe itself is missing', async () => {
    const path = await makeAudio({ seconds: 1, hz: 440 });
    await expect(probeMedia({ ffprobePath: '/nowhere/ffprobe', path })).rejects.toThrow('ffprobe was not found at "/nowhere/ffprobe"');
  });
});

describe('mediaInfoFromFfprobe', () => {
  const format = { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '3.000000' };
  const video = { codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, pix_fmt: 'yuv420p', avg_frame_rate: '30000/1001', nb_frames: '90' };
  const read = (ffprobeOutput: unknown) => mediaInfoFromFfprobe({ path: '/clips/a.mp4', sizeBytes: 10, ffprobeOutput });

  it('turns a phone\'s portrait display matrix (-90) into 270 and swaps the size', () => {
    const info = read({ format, streams: [{ ...video, side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] }] });
    expect(info.video).toMatchObject({ width: 1080, height: 1920, rotation: 270, fps: 30000 / 1001 });
  });

  it('reads the clockwise `rotate` tag older FFmpeg builds report', () => {
    expect(read({ format, streams: [{ ...video, tags: { rotate: '90' } }] }).video?.rotation).toBe(270);
    expect(read({ format, streams: [{ ...video, tags: { rotate: '180' } }] }).video?.rotation).toBe(180);
  });

  it('falls back to r_frame_rate when the average is unknown', () => {
    expect(read({ format, streams: [{ ...video, avg_frame_rate: '0/0', r_frame_rate: '24/1' }] }).video?.fps).toBe(24);
  });

  it('treats cover art in a music file as no video', () => {
    const info = read({
      format: { format_name: 'mp3', duration: '1.04' },
      streams: [
        { codec_type: 'audio', codec_name: 'mp3', sample_rate: '44100', channels: 2, channel_layout: 'stereo' },
        { codec_type: 'video', codec_name: 'png', width: 64, height: 48, disposition: { attached_pic: 1 } },
      ],
    });
    expect(info).toMatchObject({ kind: 'audio', video: null, durationSeconds: 1.04 });
  });

  it('treats a one-frame file without sound as a still image', () => {
    expect(read({ format, streams: [{ ...video, nb_frames: '1' }] })).toMatchObject({ kind: 'image', durationSeconds: null, video: { fps: null } });
  });

  it('sees the alpha that VP9 in WebM keeps beside the picture', () => {
    const webm = { ...video, codec_name: 'vp9', tags: { ALPHA_MODE: '1' } };
    expect(read({ format: { format_name: 'matroska,webm' }, streams: [webm] }).video?.hasAlpha).toBe(true);
  });

  it('refuses a file with neither video nor audio, naming it', () => {
    expect(() => read({ format, streams: [{ codec_type: 'subtitle', codec_name: 'mov_text' }] })).toThrow(
      '"/clips/a.mp4" has no video or audio stream Kata can use. Choose a video, image or audio file.',
    );
  });

  it('names the field when ffprobe output has an unexpected shape', () => {
    expect(() => read({ streams: [] })).toThrow(/"\/clips\/a\.mp4".*format/);
  });
});
