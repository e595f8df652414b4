import { describe, expect, it } from 'vitest';
import { valueAt } from './animation';
import { CompositionError, parseComposition } from './composition';
import { platformPresets, presetById } from './presets';
import { outputFormat, reframeComposition } from './reframe';
import type { CompositionInput } from './schema';
import { applyPictureInPicture, applySplitScreen, applyWatermark } from './styles';
import { clipDuration, rampedDuration } from './timeline';

const base = (): CompositionInput => ({
  version: 1,
  id: 'c1',
  name: 'Launch teaser',
  canvas: { width: 1080, height: 1920, fps: 30, duration: 10 },
  media: [
    { id: 'talk', path: '/m/talk.mp4', kind: 'video', durationSeconds: 8, width: 1080, height: 1920, hasAudio: true },
    { id: 'broll', path: '/m/broll.mp4', kind: 'video', durationSeconds: 6, width: 1920, height: 1080, hasAudio: false },
    { id: 'logo', path: '/m/logo.png', kind: 'image', durationSeconds: null, width: 400, height: 200, hasAudio: false },
  ],
  tracks: [
    {
      kind: 'visual',
      id: 'main',
      clips: [
        { kind: 'video', id: 'a', mediaId: 'talk', start: 0, in: 0, out: 5, transform: { x: 540, y: 960, width: 1080 } },
        { kind: 'video', id: 'b', mediaId: 'broll', start: 4.5, in: 1, out: 6, transform: { x: 540, y: 960, width: 1080 } },
      ],
    },
    { kind: 'visual', id: 'top', clips: [{ kind: 'image', id: 'l', mediaId: 'logo', start: 0, duration: 10, transform: { x: 100, y: 100, width: 200 } }] },
  ],
  transitions: [{ from: 'a', to: 'b', kind: 'circleopen', duration: 0.5 }],
});

function problems(input: unknown): { path: string; message: string }[] {
  try {
    parseComposition(input);
  } catch (error) {
    if (error instanceof CompositionError) return error.issues;
    throw error;
  }
  return [];
}

describe('parseComposition', () => {
  it('reads a valid composition and fills defaults', () => {
    const composition = parseComposition(base());
    const clip = composition.tracks[0]!.clips[0]!;
    expect(clip).toMatchObject({ speed: 1, volume: 1, blend: 'normal', fadeIn: 0, looks: [] });
    expect(composition.canvas.background).toEqual({ kind: 'color', color: '#000000' });
  });

  it('says when a clip ends past its source, with the path to the field', () => {
    const doc = base();
    (doc.tracks![0]!.clips[0] as { out: number }).out = 9;
    expect(problems(doc)).toContainEqual({ path: 'tracks[0].clips[0].out', message: 'the clip ends at 9 s but "talk" is only 8 s long' });
  });

  it('names an unknown transition', () => {
    const doc = base();
    doc.transitions![0]!.kind = 'spin' as never;
    expect(problems(doc)).toEqual([{ path: 'transitions[0].kind', message: expect.stringMatching(/unknown transition "spin"; use one of FFmpeg's xfade transitions/) }]);
  });

  it('names missing media', () => {
    const doc = base();
    (doc.tracks![1]!.clips[0] as { mediaId: string }).mediaId = 'gone';
    expect(problems(doc)).toContainEqual({ path: 'tracks[1].clips[0].mediaId', message: 'media "gone" is not in the project library' });
  });

  it('checks that a transition has both pictures, and that clips on a track do not collide', () => {
    const doc = base();
    (doc.tracks![0]!.clips[1] as { start: number }).start = 4;
    const issues = problems(doc);
    expect(issues).toContainEqual({ path: 'tracks[0].clips[1].start', message: '"b" must start at 4.5 s, 0.5 s before "a" ends, so the transition has both pictures' });
    const overlapping = base();
    overlapping.transitions = [];
    expect(problems(overlapping)).toContainEqual({ path: 'tracks[0].clips[1].start', message: '"b" overlaps "a" on the same track; move it to another track or add a transition' });
  });

  it('refuses odd sizes, negative times and bad colours in plain words', () => {
    const doc = base();
    doc.canvas!.width = 1081;
    (doc.tracks![0]!.clips[0] as { start: number }).start = -1;
    doc.canvas!.background = { kind: 'color', color: 'red' };
    expect(problems(doc)).toEqual(
      expect.arrayContaining([
        { path: 'canvas.width', message: 'use an even width (H.264 needs it)' },
        { path: 'tracks[0].clips[0].start', message: 'times are in seconds and cannot be negative' },
        { path: 'canvas.background.color', message: 'use a colour like #1a2b3c (or #1a2b3cff with alpha)' },
      ]),
    );
  });

  it('knows each platform limit', () => {
    const doc = { ...base(), preset: 'x', canvas: { ...base().canvas!, duration: 150 } };
    expect(problems(doc)).toContainEqual({ path: 'canvas.duration', message: 'X takes videos up to 140 s; this one is 150 s' });
  });

  it('refuses a composition from a newer Studio', () => {
    expect(problems({ ...base(), version: 7 })).toEqual([{ path: 'version', message: expect.stringMatching(/newer Kata Studio/) }]);
  });
});

describe('keyframes', () => {
  const value = { keyframes: [{ t: 1, value: 0, easing: 'linear' as const }, { t: 3, value: 100, easing: 'easeInOut' as const }, { t: 5, value: 0, easing: 'linear' as const }] };
  it('hold before the first and after the last keyframe', () => {
    expect(valueAt(value, 0)).toBe(0);
    expect(valueAt(value, 9)).toBe(0);
  });
  it('interpolate each segment with its easing', () => {
    expect(valueAt(value, 2)).toBe(50);
    expect(valueAt(value, 3.5)).toBeCloseTo(100 - 100 * 0.15625);
    expect(valueAt({ keyframes: [{ t: 0, value: 10, easing: 'hold' }, { t: 1, value: 20, easing: 'linear' }] }, 0.9)).toBe(10);
  });
  it('must be in time order', () => {
    const doc = base();
    (doc.tracks![1]!.clips[0] as { transform: { x: unknown } }).transform.x = { keyframes: [{ t: 2, value: 0 }, { t: 1, value: 5 }] };
    expect(problems(doc)).toContainEqual({ path: 'tracks[1].clips[0].transform.x.keyframes', message: 'keyframe times must increase' });
  });
});

describe('timing', () => {
  it('speed changes how long a clip lasts', () => {
    const composition = parseComposition(base());
    const clip = { ...(composition.tracks[0]!.clips[0] as Extract<(typeof composition.tracks)[0]['clips'][0], { kind: 'video' }>), speed: 2 };
    expect(clipDuration(clip)).toBe(2.5);
  });
  it('a speed ramp integrates the changing speed', () => {
    expect(rampedDuration(4, 1, 1)).toBe(4);
    expect(rampedDuration(4, 1, 2)).toBeCloseTo(4 * Math.log(2));
  });
});

describe('layout styles', () => {
  it('split side by side fills two halves without distorting the sources', () => {
    const composition = applySplitScreen(parseComposition(base()), { clipIds: ['a', 'l'], layout: 'side-by-side' });
    const [a] = composition.tracks[0]!.clips as unknown as [{ transform: object; crop: object; style: object }];
    expect(a.transform).toMatchObject({ x: 270, y: 960, width: 540, height: 1920 });
    // 1080x1920 source into a 540x1920 cell: cut a quarter off each side.
    expect(a.crop).toEqual({ left: 0.25, top: 0, right: 0.25, bottom: 0 });
    expect(a.style).toEqual({ kind: 'split', layout: 'side-by-side', cell: 0 });
  });

  it('a 2x2 grid places four cells and refuses a fifth clip', () => {
    const doc = parseComposition(base());
    const grid = applySplitScreen(doc, { clipIds: ['a', 'b', 'l'], layout: 'grid' });
    expect((grid.tracks[1]!.clips[0] as { transform: object }).transform).toMatchObject({ x: 270, y: 1440, width: 540, height: 960 });
    expect(() => applySplitScreen(doc, { clipIds: ['a', 'b', 'l', 'a', 'b'], layout: 'grid' })).toThrow('A grid split takes 2 to 4 clips, not 5');
  });

  it('picture-in-picture sits in its corner with its margin, border and radius kept', () => {
    const doc = applyPictureInPicture(parseComposition(base()), { clipId: 'b', corner: 'bottom-right', size: 0.3, margin: 40, border: 6, radius: 24 });
    const b = doc.tracks[0]!.clips[1] as { transform: { x: number; y: number; width: number; height: number }; style: object };
    expect(b.transform.width).toBe(324);
    expect(b.transform.height).toBe(182);
    expect(b.transform.x + b.transform.width / 2).toBe(1080 - 40);
    expect(b.transform.y + b.transform.height / 2).toBe(1920 - 40);
    expect(b.style).toMatchObject({ kind: 'pip', corner: 'bottom-right', border: 6, radius: 24 });
  });

  it('a watermark is small and half transparent', () => {
    const doc = applyWatermark(parseComposition(base()), { clipId: 'l', corner: 'top-right', margin: 30 });
    const l = doc.tracks[1]!.clips[0] as { transform: { x: number; width: number; height: number; opacity: number } };
    expect(l.transform).toMatchObject({ width: 162, height: 81, opacity: 0.6 });
    expect(l.transform.x + l.transform.width / 2).toBe(1050);
  });

  it('styles refuse text layers and unknown clips', () => {
    expect(() => applyPictureInPicture(parseComposition(base()), { clipId: 'nope', corner: 'top-left' })).toThrow('No picture clip "nope"');
  });
});

describe('presets and reframing', () => {
  it('cover every platform the issue names with H.264 high, yuv420p, AAC 48 kHz', () => {
    expect(platformPresets.map((p) => `${p.id} ${p.width}x${p.height}`)).toEqual([
      'tiktok 1080x1920',
      'instagram-reels 1080x1920',
      'youtube-shorts 1080x1920',
      'instagram-feed-portrait 1080x1350',
      'instagram-feed-square 1080x1080',
      'youtube 1920x1080',
      'linkedin-square 1080x1080',
      'linkedin-landscape 1920x1080',
      'x 1280x720',
    ]);
    for (const preset of platformPresets) {
      expect(preset.video).toMatchObject({ codec: 'libx264', profile: 'high', pixelFormat: 'yuv420p' });
      expect(preset.audio.sampleRate).toBe(48000);
      expect(preset.safeArea.top + preset.safeArea.bottom).toBeLessThan(preset.height / 2);
    }
  });

  it('reframing is one call and changes only the output', () => {
    const doc = parseComposition({ ...base(), preset: 'tiktok' });
    const wide = reframeComposition(doc, 'youtube', 'blurred-pad');
    expect(outputFormat(wide)).toEqual({ width: 1920, height: 1080, fps: 30 });
    expect(wide.tracks).toBe(doc.tracks);
    expect(outputFormat(reframeComposition(doc, 'instagram-reels', 'fill'))).toEqual({ width: 1080, height: 1920, fps: 30 });
    expect(() => presetById('myspace' as never)).toThrow(/Unknown preset "myspace"/);
  });
});
