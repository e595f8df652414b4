import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseComposition } from '../../../shared/composition/composition';
import type { CompositionInput } from '../../../shared/composition/schema';
import { applyPictureInPicture, applySplitScreen } from '../../../shared/composition/styles';
import { tempDir } from '../../../../test/ffmpeg-fixtures';
import { makeAudio, makeImage, makeVideo } from '../../../../test/media-fixtures';
import { bandVolume, colors, frameAt, loudness, near, probeOutput } from '../../../../test/pixels';
import { audioMedia, imageMedia, render, videoMedia } from '../../../../test/render-fixtures';
import { compileComposition } from './compile-composition';

// Small real renders (320x320 or less, a few seconds) of media FFmpeg generates itself.
const W = 320;
const H = 320;
let red: string, blue: string, green: string, pattern: string, yellowPng: string, voice: string, music: string;

beforeAll(async () => {
  [red, blue, green, pattern, yellowPng, voice, music] = await Promise.all([
    makeVideo({ seconds: 4, width: 320, height: 240, color: 'red', toneHz: 440 }),
    makeVideo({ seconds: 4, width: 320, height: 240, color: 'blue', toneHz: 660 }),
    makeVideo({ seconds: 4, width: 320, height: 240, color: '#00ff00', toneHz: null }),
    makeVideo({ seconds: 4, width: 320, height: 240 }),
    makeImage({ width: 64, height: 64, color: 'yellow' }),
    makeAudio({ seconds: 2, hz: 1000 }),
    makeAudio({ seconds: 6, hz: 220 }),
  ]);
});

function doc(parts: Partial<CompositionInput> & { duration?: number }): CompositionInput {
  const { duration = 2, ...rest } = parts;
  return {
    version: 1,
    id: 'test',
    name: 'Test',
    canvas: { width: W, height: H, fps: 25, duration },
    media: [
      videoMedia('red', red, { seconds: 4, width: 320, height: 240 }),
      videoMedia('blue', blue, { seconds: 4, width: 320, height: 240 }),
      videoMedia('green', green, { seconds: 4, width: 320, height: 240, audio: false }),
      videoMedia('pattern', pattern, { seconds: 4, width: 320, height: 240 }),
      imageMedia('yellow', yellowPng, { width: 64, height: 64 }),
      audioMedia('voice', voice, 2),
      audioMedia('music', music, 6),
    ],
    ...rest,
  };
}

const full = { x: W / 2, y: H / 2, width: W, height: H };

describe('compiled renders, checked with ffprobe and pixels', () => {
  it('puts a picture-in-picture in its corner, and the file is what platforms expect', async () => {
    const composition = applyPictureInPicture(
      parseComposition(
        doc({
          tracks: [
            { kind: 'visual', id: 'bg', clips: [{ kind: 'video', id: 'base', mediaId: 'blue', start: 0, out: 2, transform: full }] },
            { kind: 'visual', id: 'fg', clips: [{ kind: 'video', id: 'pip', mediaId: 'red', start: 0, out: 2, transform: full }] },
          ],
        }),
      ),
      { clipId: 'pip', corner: 'bottom-right', size: 0.3, margin: 16, border: 4, radius: 10 },
    );
    const file = await render(composition);
    const probe = await probeOutput(file);
    expect(probe.video).toMatchObject({ codec: 'h264', profile: 'High', width: W, height: H, fps: 25, pixelFormat: 'yuv420p' });
    expect(Math.abs(probe.durationSeconds - 2)).toBeLessThanOrEqual(1 / 25 + 0.03);
    expect(probe.audio).toEqual({ codec: 'aac', sampleRate: 48000, channels: 2 });
    expect(probe.fastStart).toBe(true);
    const frame = await frameAt(file, 1);
    const pipCenter = { x: W - 16 - 48, y: H - 16 - 36 };
    expect(near(frame.at(pipCenter.x, pipCenter.y), colors.red)).toBe(true);
    expect(near(frame.at(40, 40), colors.blue)).toBe(true);
    expect(near(frame.at(W - 16 - 96 - 2, pipCenter.y, 0), colors.white, 60)).toBe(true); // the 4 px border around the picture
    expect(near(frame.at(W - 16 + 2, H - 16 + 2, 0), colors.blue, 60)).toBe(true); // the rounded corner shows what is below
    expect(near(frame.at(W - 16 + 2, pipCenter.y, 0), colors.white, 60)).toBe(true); // the border's straight edge does not
  });

  it('shows both sides of a split screen', async () => {
    const composition = applySplitScreen(
      parseComposition(
        doc({
          tracks: [
            {
              kind: 'visual',
              id: 't',
              clips: [{ kind: 'video', id: 'left', mediaId: 'red', start: 0, out: 1, transform: full }],
            },
            { kind: 'visual', id: 'u', clips: [{ kind: 'video', id: 'right', mediaId: 'green', start: 0, out: 1, transform: full }] },
          ],
          duration: 1,
        }),
      ),
      { clipIds: ['left', 'right'], layout: 'side-by-side' },
    );
    const frame = await frameAt(await render(composition), 0.5);
    expect(near(frame.at(W / 4, H / 2), colors.red)).toBe(true);
    expect(near(frame.at((3 * W) / 4, H / 2), colors.green)).toBe(true);
  });

  it('mixes both clips half-way through a fade transition', async () => {
    const file = await render(
      doc({
        duration: 3,
        tracks: [
          {
            kind: 'visual',
            id: 't',
            clips: [
              { kind: 'video', id: 'a', mediaId: 'red', start: 0, out: 2, transform: full },
              { kind: 'video', id: 'b', mediaId: 'blue', start: 1, out: 2, transform: full },
            ],
          },
        ],
        transitions: [{ from: 'a', to: 'b', kind: 'fade', duration: 1 }],
      }),
    );
    expect(near((await frameAt(file, 0.5)).at(W / 2, H / 2), colors.red)).toBe(true);
    expect(near((await frameAt(file, 1.5)).at(W / 2, H / 2), [128, 0, 128])).toBe(true);
    expect(near((await frameAt(file, 2.5)).at(W / 2, H / 2), colors.blue)).toBe(true);
    expect((await probeOutput(file)).durationSeconds).toBeCloseTo(3, 1);
  });

  it('moves a product image along its keyframes', async () => {
    const file = await render(
      doc({
        duration: 2,
        tracks: [
          { kind: 'visual', id: 'bg', clips: [{ kind: 'video', id: 'base', mediaId: 'blue', start: 0, out: 2, transform: full }] },
          {
            kind: 'visual',
            id: 'product',
            clips: [
              {
                kind: 'image',
                id: 'can',
                mediaId: 'yellow',
                start: 0,
                duration: 2,
                transform: { x: { keyframes: [{ t: 0, value: 40 }, { t: 2, value: 280 }] }, y: 160, width: 48 },
              },
            ],
          },
        ],
      }),
    );
    for (const [t, x] of [[0, 40], [1, 160], [1.92, 270]] as const) {
      const frame = await frameAt(file, t);
      expect(near(frame.at(x, 160), colors.yellow), `t=${t}`).toBe(true);
      expect(near(frame.at(x, 40), colors.blue), `t=${t}`).toBe(true);
    }
  });

  it('places a product image on four corners with a shadow', async () => {
    const file = await render(
      doc({
        duration: 1,
        tracks: [
          { kind: 'visual', id: 'bg', clips: [{ kind: 'video', id: 'base', mediaId: 'blue', start: 0, out: 1, transform: full }] },
          {
            kind: 'visual',
            id: 'p',
            clips: [{ kind: 'image', id: 'can', mediaId: 'yellow', start: 0, duration: 1, transform: full, corners: [[100, 60], [260, 80], [90, 240], [250, 260]], shadow: { blur: 2, opacity: 0.9 } }],
          },
        ],
      }),
    );
    const frame = await frameAt(file, 0.5);
    expect(near(frame.at(175, 160), colors.yellow)).toBe(true);
    expect(near(frame.at(30, 30), colors.blue)).toBe(true);
    expect(near(frame.at(295, 300), colors.blue)).toBe(true);
    // The shadow falls 12 px right and down: just below the image's bottom edge the blue is darkened.
    expect(frame.at(180, 258, 1)[2]).toBeLessThan(100);
    expect(near(frame.at(180, 280, 1), colors.blue)).toBe(true);
  });

  it('multiplies a layer onto what is below it and leaves the rest alone', async () => {
    const file = await render(
      doc({
        duration: 1,
        tracks: [
          { kind: 'visual', id: 'bg', clips: [{ kind: 'color', id: 'paper', color: '#ffff00', start: 0, duration: 1, transform: full }] },
          { kind: 'visual', id: 'fg', clips: [{ kind: 'color', id: 'ink', color: '#00ffff', start: 0, duration: 1, blend: 'multiply', transform: { x: 80, y: 160, width: 120, height: 120 } }] },
        ],
      }),
    );
    const frame = await frameAt(file, 0.5);
    expect(near(frame.at(80, 160), colors.green)).toBe(true);
    expect(near(frame.at(260, 160), colors.yellow)).toBe(true);
  });

  it.each([
    ['screen', [211, 191, 211]],
    ['overlay', [167, 118, 78]],
    ['lighten', [200, 150, 200]],
    ['darken', [50, 100, 50]],
    ['difference', [150, 50, 150]],
    ['add', [250, 250, 250]],
  ] as const)('blends with %s like the textbook formula', async (mode, expected) => {
    const file = await render(
      doc({
        duration: 0.5,
        tracks: [
          { kind: 'visual', id: 'bg', clips: [{ kind: 'color', id: 'under', color: '#c86432', start: 0, duration: 0.5, transform: full }] },
          { kind: 'visual', id: 'fg', clips: [{ kind: 'color', id: 'over', color: '#3296c8', start: 0, duration: 0.5, blend: mode, transform: { x: 80, y: 160, width: 120, height: 120 } }] },
        ],
      }),
    );
    const frame = await frameAt(file, 0.2);
    expect(near(frame.at(80, 160), [...expected], 25), `${mode}: ${frame.at(80, 160).join(',')}`).toBe(true);
    expect(near(frame.at(260, 160), [200, 100, 50], 25)).toBe(true);
  });

  it('applies a 3D LUT look', async () => {
    const lut = join(await tempDir('lut'), 'all-red.cube');
    const lines = ['LUT_3D_SIZE 2'];
    for (let i = 0; i < 8; i++) lines.push('1.0 0.0 0.0');
    await writeFile(lut, `${lines.join('\n')}\n`);
    const file = await render(
      doc({ duration: 1, looks: [{ kind: 'lut', path: lut }], tracks: [{ kind: 'visual', id: 'bg', clips: [{ kind: 'video', id: 'base', mediaId: 'blue', start: 0, out: 1, transform: full }] }] }),
    );
    expect(near((await frameAt(file, 0.5)).at(160, 160), colors.red)).toBe(true);
  });

  it('keeps captions inside the safe area', async () => {
    const file = await render({
      ...doc({ duration: 1 }),
      canvas: { width: 1080, height: 1920, fps: 25, duration: 1, background: { kind: 'color', color: '#000000' } },
      preset: 'tiktok',
      captions: {
        cues: [{ start: 0, end: 1, text: 'A long caption that has to wrap over several lines to fit between the margins of the safe area' }],
        style: { size: 90, color: '#ffffff', outline: 0, bold: true },
      },
    });
    const frame = await frameAt(file, 0.5);
    const whiteRows: number[] = [];
    const whiteColumns = new Set<number>();
    for (let y = 0; y < 1920; y += 8) {
      for (let x = 0; x < 1080; x += 8) {
        if (near(frame.at(x, y, 0), colors.white, 60)) {
          whiteRows.push(y);
          whiteColumns.add(x);
        }
      }
    }
    expect(whiteRows.length).toBeGreaterThan(20);
    // TikTok leaves 480 px at the bottom, 60 on the left and 140 on the right for its own buttons.
    expect(Math.max(...whiteRows)).toBeLessThanOrEqual(1920 - 480);
    expect(Math.min(...whiteColumns)).toBeGreaterThanOrEqual(60);
    expect(Math.max(...whiteColumns)).toBeLessThanOrEqual(1080 - 140);
  });

  it('ducks the music under the voice and normalises loudness to the preset target', async () => {
    const file = await render(
      doc({
        duration: 6,
        preset: 'tiktok',
        tracks: [
          { kind: 'visual', id: 'bg', clips: [{ kind: 'color', id: 'c', color: '#202020', start: 0, duration: 6, transform: full }] },
          { kind: 'audio', id: 'music', clips: [{ kind: 'audio', id: 'song', mediaId: 'music', start: 0, out: 6, role: 'music' }] },
          { kind: 'audio', id: 'vo', clips: [{ kind: 'audio', id: 'line', mediaId: 'voice', start: 2, out: 2, role: 'voice' }] },
        ],
      }),
      { kind: 'video', encoder: { preset: 'ultrafast' } },
    );
    const musicDuringVoice = await bandVolume(file, 220, 2.5, 3.5);
    const musicAlone = await bandVolume(file, 220, 0.5, 1.5);
    expect(musicAlone - musicDuringVoice).toBeGreaterThan(6);
    expect(Math.abs((await loudness(file)) + 14)).toBeLessThan(2);
  });

  it('plays a clip at double speed in half the time', async () => {
    const file = await render(
      doc({ duration: 2, tracks: [{ kind: 'visual', id: 't', clips: [{ kind: 'video', id: 'fast', mediaId: 'pattern', start: 0, out: 4, speed: 2, transform: full }] }] }),
    );
    const probe = await probeOutput(file);
    expect(probe.durationSeconds).toBeCloseTo(2, 1);
    expect(probe.audio).not.toBeNull();
  });

  it('grabs one frame of the composition, the same picture the export has', async () => {
    const input = doc({
      duration: 2,
      tracks: [
        { kind: 'visual', id: 'bg', clips: [{ kind: 'video', id: 'base', mediaId: 'blue', start: 0, out: 2, transform: full }] },
        { kind: 'visual', id: 'fg', clips: [{ kind: 'image', id: 'can', mediaId: 'yellow', start: 0.5, duration: 1.5, transform: { x: { keyframes: [{ t: 0, value: 40 }, { t: 1.5, value: 280 }] }, y: 160, width: 64 } }] },
      ],
    });
    const grab = await frameAt(await render(input, { kind: 'frame', time: 1.25, height: 160 }), 0);
    expect([grab.width, grab.height]).toEqual([160, 160]);
    expect(near(grab.at(80, 80), colors.yellow)).toBe(true);
    expect(near(grab.at(20, 80), colors.blue)).toBe(true);
  });
});

describe('preview frames', () => {
  const fading = () =>
    doc({
      duration: 2,
      tracks: [
        { kind: 'visual', id: 'bg', clips: [{ kind: 'color', id: 'under', color: '#0000ff', start: 0, duration: 2, transform: full }] },
        { kind: 'visual', id: 'fg', clips: [{ kind: 'color', id: 'over', color: '#ff0000', start: 0, duration: 2, fadeIn: 1, fadeOut: 0.5, transform: full }] },
      ],
    });

  it('show a fade at its exact point, as the export does', async () => {
    const grab = await frameAt(await render(fading(), { kind: 'frame', time: 0.5, height: 160 }), 0);
    expect(near(grab.at(80, 80), [128, 0, 128], 30)).toBe(true);
    const export_ = await frameAt(await render(fading()), 0.5);
    expect(near(export_.at(80, 80), [128, 0, 128], 30)).toBe(true);
    const late = await frameAt(await render(fading(), { kind: 'frame', time: 1.75, height: 160 }), 0);
    expect(near(late.at(80, 80), [128, 0, 128], 30)).toBe(true);
  });
});

describe('the compiled command', () => {
  it('is one invocation with one graph that names its streams', () => {
    const invocation = compileComposition(
      parseComposition(doc({ tracks: [{ kind: 'visual', id: 't', clips: [{ kind: 'video', id: 'intro', mediaId: 'red', start: 0.5, in: 1, out: 2, transform: full }] }] })),
      { kind: 'video' },
    );
    expect(invocation.inputs).toEqual([{ path: red, options: ['-ss', '1', '-t', '1.04'] }]);
    expect(invocation.filterGraph).toContain('[0:v]setpts=PTS-STARTPTS,scale=w=320:h=320[clip-intro-picture]');
    expect(invocation.filterGraph).toContain('setpts=PTS+0.5/TB[clip-intro]');
    expect(invocation.outputOptions).toEqual(expect.arrayContaining(['-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-t', '2']));
  });
});
