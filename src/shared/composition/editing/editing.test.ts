import { describe, expect, it } from 'vitest';
import { valueAt } from '../animation';
import { parseComposition } from '../composition';
import type { Composition, CompositionInput } from '../schema';
import { validateComposition } from '../validate';
import { editorActions } from './actions';
import { createHistory, endGesture, record, redo, undo } from './history';
import { canvasGuides, snapBox, snapClipStart, snapValue } from './snapping';

const full = { x: 960, y: 540, width: 1920, height: 1080 };
function doc(): Composition {
  const input: CompositionInput = {
    version: 1,
    id: 'edit',
    name: 'Editing',
    canvas: { width: 1920, height: 1080, fps: 25, duration: 20 },
    media: [
      { id: 'v', path: '/m/v.mp4', kind: 'video', durationSeconds: 10, width: 1920, height: 1080, hasAudio: true },
      { id: 'logo', path: '/m/l.png', kind: 'image', durationSeconds: null, width: 200, height: 100, hasAudio: false },
    ],
    tracks: [
      {
        kind: 'visual',
        id: 'main',
        clips: [
          { kind: 'video', id: 'a', mediaId: 'v', start: 0, in: 1, out: 5, transform: full },
          { kind: 'video', id: 'b', mediaId: 'v', start: 4, in: 0, out: 4, transform: full },
          { kind: 'video', id: 'c', mediaId: 'v', start: 8, in: 0, out: 2, transform: full },
        ],
      },
      {
        kind: 'visual',
        id: 'top',
        clips: [
          {
            kind: 'image',
            id: 'l',
            mediaId: 'logo',
            start: 2,
            duration: 4,
            transform: { x: { keyframes: [{ t: 0, value: 100 }, { t: 4, value: 500 }] }, y: 100, width: 200 },
          },
        ],
      },
      { kind: 'visual', id: 'empty', clips: [] },
    ],
    transitions: [{ from: 'a', to: 'b', kind: 'fade', duration: 0 + 0.5 }],
  };
  (input.tracks![0]!.clips[1] as { start: number }).start = 3.5;
  return parseComposition(input);
}

const clip = (c: Composition, id: string) => c.tracks.flatMap((t): { id: string }[] => t.clips).find((x) => x.id === id) as unknown as Record<string, unknown> & { start: number };
const perform = <N extends keyof typeof editorActions>(name: N, c: Composition, params: Parameters<(typeof editorActions)[N]['perform']>[1]) => {
  const result = (editorActions[name].perform as (c: Composition, p: unknown) => Composition | false)(c, params);
  if (result === false) throw new Error(`${name} did nothing`);
  return result;
};

describe('editing operations', () => {
  it('move a clip in time and to another track, dropping the transition it left', () => {
    const moved = perform('moveClip', doc(), { clipId: 'c', start: 12 });
    expect(clip(moved, 'c').start).toBe(12);
    const across = perform('moveClip', doc(), { clipId: 'b', start: 3.5, trackId: 'empty' });
    expect(across.tracks[2]!.clips.map((c) => c.id)).toEqual(['b']);
    expect(across.transitions).toEqual([]);
    expect(editorActions.moveClip.perform(doc(), { clipId: 'c', start: 8 })).toBe(false);
    expect(editorActions.moveClip.perform(doc(), { clipId: 'nope', start: 1 })).toBe(false);
  });

  it('trim within the source and never below one frame', () => {
    // The source has nothing before in = 0, so the head cannot be pulled earlier.
    expect(editorActions.trimClip.perform(doc(), { clipId: 'c', edge: 'start', time: 7 })).toBe(false);
    const later = perform('trimClip', doc(), { clipId: 'c', edge: 'start', time: 9 });
    expect(clip(later, 'c')).toMatchObject({ start: 9, in: 1, out: 2 });
    const tail = perform('trimClip', doc(), { clipId: 'c', edge: 'end', time: 30 });
    expect(clip(tail, 'c')).toMatchObject({ out: 10 }); // the source is 10 s long
    const tiny = perform('trimClip', doc(), { clipId: 'c', edge: 'end', time: 0 });
    expect((clip(tiny, 'c').out as number) - (clip(tiny, 'c').in as number)).toBeCloseTo(0.04);
    const image = perform('trimClip', doc(), { clipId: 'l', edge: 'end', time: 10 });
    expect(clip(image, 'l').duration).toBe(8);
  });

  it('split at the playhead into two clips that play the same frames, keyframes and transitions carried over', () => {
    const split = perform('splitClip', doc(), { clipId: 'l', time: 4 });
    const [first, second] = split.tracks[1]!.clips as unknown as { id: string; start: number; duration: number; transform: { x: never } }[];
    expect([first!.id, second!.id]).toEqual(['l', 'l-2']);
    expect([first!.start, first!.duration, second!.start, second!.duration]).toEqual([2, 2, 4, 2]);
    expect(valueAt(first!.transform.x, 2)).toBe(300);
    expect(valueAt(second!.transform.x, 0)).toBe(300);
    expect(valueAt(second!.transform.x, 2)).toBe(500);

    const video = perform('splitClip', doc(), { clipId: 'a', time: 2 });
    expect(video.tracks[0]!.clips.slice(0, 2)).toMatchObject([{ id: 'a', in: 1, out: 3 }, { id: 'a-2', start: 2, in: 3, out: 5 }]);
    expect(video.transitions).toEqual([{ from: 'a-2', to: 'b', kind: 'fade', duration: 0.5 }]);
    expect(validateComposition(video)).toEqual([]);
    expect(editorActions.splitClip.perform(doc(), { clipId: 'a', time: 9 })).toBe(false);
  });

  it('ripple delete closes the gap on its track only', () => {
    const rippled = perform('rippleDelete', doc(), { clipId: 'b' });
    expect(rippled.tracks[0]!.clips.map((c) => [c.id, c.start])).toEqual([['a', 0], ['c', 4]]);
    expect(clip(rippled, 'l').start).toBe(2);
    expect(rippled.transitions).toEqual([]);
  });

  it('nudge moves a layer and its whole motion path', () => {
    const nudged = perform('nudge', doc(), { clipIds: ['l', 'a'], dx: 10, dy: -1 });
    const x = (clip(nudged, 'l').transform as { x: never }).x;
    expect([valueAt(x, 0), valueAt(x, 4)]).toEqual([110, 510]);
    expect((clip(nudged, 'a').transform as { x: number; y: number }).x).toBe(970);
  });

  it('set values at the playhead: keyframed ones get a keyframe, constant ones change', () => {
    const set = perform('setTransform', doc(), { clipId: 'l', values: { x: 900, y: 200 }, time: 4 });
    const t = clip(set, 'l').transform as { x: never; y: number };
    expect(valueAt(t.x, 2)).toBe(900);
    expect(valueAt(t.x, 0)).toBe(100);
    expect(t.y).toBe(200);
  });

  it('toggle keyframes on and off', () => {
    const on = perform('toggleKeyframe', doc(), { clipId: 'a', property: 'opacity', time: 1 });
    expect((clip(on, 'a').transform as { opacity: unknown }).opacity).toEqual({ keyframes: [{ t: 1, value: 1, easing: 'linear' }] });
    const off = perform('toggleKeyframe', on, { clipId: 'a', property: 'opacity', time: 1 });
    expect((clip(off, 'a').transform as { opacity: unknown }).opacity).toBe(1);
    const added = perform('toggleKeyframe', doc(), { clipId: 'l', property: 'x', time: 3 });
    expect((clip(added, 'l').transform as { x: { keyframes: { t: number; value: number }[] } }).x.keyframes.map((k) => [k.t, k.value])).toEqual([[0, 100], [1, 200], [4, 500]]);
  });

  it('dropping a transition between two clips makes them overlap by its length', () => {
    const joined = perform('addTransition', doc(), { from: 'b', to: 'c', kind: 'circleopen', duration: 1 });
    expect(clip(joined, 'c').start).toBe(6.5);
    expect(joined.transitions).toContainEqual({ from: 'b', to: 'c', kind: 'circleopen', duration: 1 });
    expect(validateComposition(joined)).toEqual([]);
    expect(editorActions.addTransition.perform(doc(), { from: 'a', to: 'c', kind: 'fade', duration: 1 })).toBe(false);
  });

  it('locked tracks and clips do not move', () => {
    const locked = perform('setTrack', doc(), { trackId: 'main', locked: true });
    expect(editorActions.moveClip.perform(locked, { clipId: 'c', start: 12 })).toBe(false);
    expect(editorActions.rippleDelete.perform(locked, { clipId: 'c' })).toBe(false);
  });

  it('reorder, hide and rename layers', () => {
    const reordered = perform('reorderTrack', doc(), { trackId: 'top', toIndex: 0 });
    expect(reordered.tracks.map((t) => t.id)).toEqual(['top', 'main', 'empty']);
    const hidden = perform('setTrack', doc(), { trackId: 'top', hidden: true, name: 'Logo' });
    expect(hidden.tracks[1]).toMatchObject({ hidden: true, name: 'Logo' });
  });

  it('apply one-click styles, and say no instead of throwing', () => {
    const pip = perform('pictureInPicture', doc(), { clipId: 'l', corner: 'top-left', size: 0.25 });
    expect((clip(pip, 'l').style as { kind: string }).kind).toBe('pip');
    expect(editorActions.pictureInPicture.perform(doc(), { clipId: 'nope', corner: 'top-left' })).toBe(false);
  });
});

describe('changing layers', () => {
  it('changes crop, looks and corners, and refuses an invalid change', () => {
    const cropped = perform('changeClip', doc(), { clipId: 'a', patch: { crop: { left: 0.1, right: 0.1, top: 0, bottom: 0 }, looks: [{ kind: 'grain', strength: 0.4 }] } });
    expect(clip(cropped, 'a')).toMatchObject({ crop: { left: 0.1 }, looks: [{ kind: 'grain', strength: 0.4 }] });
    const placed = perform('changeClip', doc(), { clipId: 'l', patch: { corners: [[0, 0], [100, 0], [0, 100], [100, 100]] } });
    expect(clip(placed, 'l').corners).toHaveLength(4);
    const unplaced = perform('changeClip', placed, { clipId: 'l', patch: { corners: undefined } });
    expect(clip(unplaced, 'l')).not.toHaveProperty('corners');
    expect(editorActions.changeClip.perform(doc(), { clipId: 'a', patch: { crop: { left: 0.6, right: 0.6 } } })).toBe(false);
    expect(editorActions.changeClip.perform(doc(), { clipId: 'a', patch: { kind: 'image' } })).not.toBe(false);
  });

  it('adds a text layer on a track of its own', () => {
    const titled = perform('addText', doc(), { clipId: 'title', start: 2, text: 'Hot for 24 hours' });
    expect(titled.tracks.at(-1)).toMatchObject({ kind: 'visual', clips: [{ kind: 'text', id: 'title', start: 2, duration: 3, text: 'Hot for 24 hours' }] });
    expect(validateComposition(titled)).toEqual([]);
  });
});

describe('adding media', () => {
  const photo = { id: 'photo', path: '/m/p.png', kind: 'image' as const, durationSeconds: null, width: 400, height: 400, hasAudio: false };
  it('puts a picture on an empty track, or a new one on top when the time is taken', () => {
    const first = perform('addMedia', doc(), { media: photo, start: 1, clipId: 'p1' });
    expect(first.tracks[2]!.clips.map((c) => c.id)).toEqual(['p1']);
    expect(first.media.map((m) => m.id)).toContain('photo');
    const second = perform('addMedia', first, { media: photo, start: 1, clipId: 'p2' });
    expect(second.tracks.at(-1)!.clips.map((c) => c.id)).toEqual(['p2']);
    expect(second.media.filter((m) => m.id === 'photo')).toHaveLength(1);
    expect((clip(second, 'p2').transform as { width: number; height: number })).toMatchObject({ width: 768, height: 768 });
    expect(validateComposition(second)).toEqual([]);
  });
  it('fits a video to the canvas and sound onto a sound track, within the composition', () => {
    const talk = { id: 'talk', path: '/m/t.mp4', kind: 'video' as const, durationSeconds: 60, width: 1080, height: 1920, hasAudio: true };
    const added = perform('addMedia', doc(), { media: talk, start: 15, clipId: 'talk-1' });
    expect(clip(added, 'talk-1')).toMatchObject({ in: 0, out: 5, transform: { width: 608, height: 1080 } });
    const song = { id: 'song', path: '/m/s.m4a', kind: 'audio' as const, durationSeconds: 3, width: null, height: null, hasAudio: true };
    const withSong = perform('addMedia', doc(), { media: song, start: 0, clipId: 'song-1' });
    expect(withSong.tracks.at(-1)).toMatchObject({ kind: 'audio', clips: [{ id: 'song-1', out: 3 }] });
  });
});

describe('snapping', () => {
  it('snaps to the nearest target within the threshold', () => {
    expect(snapValue(10.2, [0, 10, 20], 0.5)).toEqual({ value: 10, target: 10 });
    expect(snapValue(13, [0, 10, 20], 0.5)).toEqual({ value: 13, target: null });
  });
  it('snaps a clip by whichever edge is closer', () => {
    expect(snapClipStart({ start: 4.1, duration: 2, targets: [4, 6.05], threshold: 0.2 })).toEqual({ start: 4.05, target: 6.05 });
    expect(snapClipStart({ start: 4.02, duration: 2, targets: [4, 7], threshold: 0.2 })).toEqual({ start: 4, target: 4 });
  });
  it('snaps a box to the canvas centre, the safe area and other layers', () => {
    const guides = canvasGuides({ width: 1080, height: 1920, safeArea: { top: 160, bottom: 480, left: 60, right: 140 }, others: [{ x: 600, y: 600, width: 200, height: 200 }] });
    expect(snapBox({ x: 437, y: 900, width: 200, height: 100 }, guides, 6)).toEqual({ box: { x: 440, y: 900, width: 200, height: 100 }, lines: { x: 540, y: null } });
    expect(snapBox({ x: 63, y: 1335, width: 100, height: 100 }, guides, 6).lines).toEqual({ x: 60, y: 1440 });
    expect(snapBox({ x: 803, y: 500, width: 50, height: 50 }, guides, 6).box.x).toBe(800);
  });
});

describe('undo history', () => {
  it('undoes and redoes each edit, and a new edit clears redo', () => {
    let h = createHistory(1);
    h = record(h, 2);
    h = record(h, 3);
    h = undo(h);
    expect(h.present).toBe(2);
    h = redo(h);
    expect(h.present).toBe(3);
    h = undo(record(undo(h), 9));
    expect([h.present, h.canRedo]).toEqual([2, true]);
  });

  it('merges the steps of one drag into one undo step', () => {
    let h = createHistory('start');
    for (const x of ['a', 'b', 'c']) h = record(h, x, { gesture: 'drag-1' });
    h = endGesture(h);
    h = record(h, 'after', { gesture: 'drag-1' });
    expect(undo(h).present).toBe('c');
    expect(undo(undo(h)).present).toBe('start');
    expect(undo(undo(undo(h))).canUndo).toBe(false);
  });

  it('keeps at most `limit` steps and ignores edits that change nothing', () => {
    let h = createHistory(0);
    for (let i = 1; i <= 10; i++) h = record(h, i, { limit: 3 });
    expect(h.past).toEqual([7, 8, 9]);
    expect(record(h, h.present)).toBe(h);
  });
});
