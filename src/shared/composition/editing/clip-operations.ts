import type { Animatable } from '../animation';
import { audioClipSchema, imageClipSchema, videoClipSchema, visualClipSchema, type Clip, type Composition, type Media, type Transform, type Transition, type VisualClip } from '../schema';
import { clipDuration, clipEnd } from '../timeline';
import { findClip, freshClipId, pruneTransitions, updateClipById, withTrackClips } from './document';
import { setValueAt, shiftValue, splitAnimatable, toggleKeyframe } from './keyframes';

/**
 * Editing operations on the composition document: pure functions that return
 * a new document, or false when there is nothing to do (so no undo step is
 * made). The canvas, the timeline, the keyboard and tests all call these.
 */

const minimumLength = (composition: Composition) => 1 / composition.canvas.fps;

function mediaDuration(composition: Composition, clip: Clip): number | null {
  if (!('mediaId' in clip)) return null;
  return composition.media.find((m) => m.id === clip.mediaId)?.durationSeconds ?? null;
}

/** Moves clips in time (and, for one clip, to another track of the same kind). */
export function moveClip(composition: Composition, params: { clipId: string; start: number; trackId?: string }): Composition | false {
  const place = findClip(composition, params.clipId);
  if (!place || place.track.locked || place.clip.locked) return false;
  const start = Math.max(0, params.start);
  const moved = { ...place.clip, start } as Clip;
  const targetIndex = params.trackId ? composition.tracks.findIndex((t) => t.id === params.trackId) : place.trackIndex;
  const target = composition.tracks[targetIndex];
  if (!target || target.locked || (target.kind === 'audio') !== (moved.kind === 'audio')) return false;
  if (targetIndex === place.trackIndex && Math.abs(start - place.clip.start) < 1e-9) return false;
  let doc = withTrackClips(composition, place.trackIndex, place.track.clips.filter((c) => c.id !== params.clipId));
  doc = withTrackClips(doc, targetIndex, [...doc.tracks[targetIndex]!.clips, moved]);
  return pruneTransitions(doc);
}

/** Drags one edge of a clip to timeline time `time`, within its source and at least one frame long. */
export function trimClip(composition: Composition, params: { clipId: string; edge: 'start' | 'end'; time: number }): Composition | false {
  const place = findClip(composition, params.clipId);
  if (!place || place.track.locked || place.clip.locked) return false;
  const clip = place.clip;
  const frame = minimumLength(composition);
  const end = clipEnd(clip);
  const speed = clip.kind === 'video' ? clip.speed : 1;
  let trimmed: Clip;
  if (clip.kind === 'video' || clip.kind === 'audio') {
    const sourceLength = mediaDuration(composition, clip) ?? Number.POSITIVE_INFINITY;
    if (params.edge === 'start') {
      // The earliest start is where the source begins (in = 0); the latest leaves one frame.
      const earliest = clip.start - clip.in / speed;
      const start = Math.min(Math.max(params.time, earliest, 0), end - frame);
      trimmed = { ...clip, start, in: clip.in + (start - clip.start) * speed };
    } else {
      const latest = clip.start + (sourceLength - clip.in) / speed;
      const time = Math.max(Math.min(params.time, latest), clip.start + frame);
      trimmed = { ...clip, out: clip.in + (time - clip.start) * speed };
    }
  } else if (params.edge === 'start') {
    const start = Math.min(Math.max(params.time, 0), end - frame);
    trimmed = { ...clip, start, duration: end - start };
  } else {
    trimmed = { ...clip, duration: Math.max(params.time, clip.start + frame) - clip.start };
  }
  if (trimmed.start === clip.start && clipDuration(trimmed) === clipDuration(clip)) return false;
  return pruneTransitions(withTrackClips(composition, place.trackIndex, place.track.clips.map((c) => (c.id === clip.id ? trimmed : c))));
}

function splitTransform(transform: Transform, at: number): [Transform, Transform] {
  const parts = Object.entries(transform).map(([key, value]) => [key, value === undefined ? [undefined, undefined] : splitAnimatable(value as Animatable, at)] as const);
  return [Object.fromEntries(parts.map(([k, v]) => [k, v[0]])) as Transform, Object.fromEntries(parts.map(([k, v]) => [k, v[1]])) as Transform];
}

/** Cuts a clip in two at timeline time `time`; the second half gets a new id and keeps the outgoing transition. */
export function splitClip(composition: Composition, params: { clipId: string; time: number }): Composition | false {
  const place = findClip(composition, params.clipId);
  if (!place || place.track.locked || place.clip.locked) return false;
  const clip = place.clip;
  const frame = minimumLength(composition);
  const local = params.time - clip.start;
  if (local < frame || local > clipDuration(clip) - frame) return false;
  const secondId = freshClipId(composition, clip.id);
  let first: Clip;
  let second: Clip;
  if (clip.kind === 'video' || clip.kind === 'audio') {
    const cut = clip.in + local * (clip.kind === 'video' ? clip.speed : 1);
    first = { ...clip, out: cut, fadeOut: 0 };
    second = { ...clip, id: secondId, start: params.time, in: cut, fadeIn: 0 };
  } else {
    first = { ...clip, duration: local, fadeOut: 0 };
    second = { ...clip, id: secondId, start: params.time, duration: clip.duration - local, fadeIn: 0 };
  }
  if ('transform' in clip && first.kind !== 'audio' && first.kind !== 'text') {
    const [a, b] = splitTransform(clip.transform, local);
    first = { ...first, transform: a } as Clip;
    second = { ...second, transform: b } as Clip;
  }
  const clips = place.track.clips.flatMap((c) => (c.id === clip.id ? [first, second] : [c]));
  const transitions = composition.transitions.map((t) => (t.from === clip.id ? { ...t, from: secondId } : t));
  return withTrackClips({ ...composition, transitions }, place.trackIndex, clips);
}

/** Removes a clip and closes the gap: everything after it on its track moves left by its length. */
export function rippleDelete(composition: Composition, params: { clipId: string }): Composition | false {
  const place = findClip(composition, params.clipId);
  if (!place || place.track.locked || place.clip.locked) return false;
  const gap = clipDuration(place.clip);
  const at = place.clip.start;
  const clips = place.track.clips.filter((c) => c.id !== params.clipId).map((c) => (c.start > at ? ({ ...c, start: Math.max(0, c.start - gap) } as Clip) : c));
  return pruneTransitions(withTrackClips(composition, place.trackIndex, clips));
}

export function deleteClips(composition: Composition, params: { clipIds: string[] }): Composition | false {
  let doc = composition;
  for (const clipId of params.clipIds) {
    const place = findClip(doc, clipId);
    if (!place || place.track.locked || place.clip.locked) continue;
    doc = withTrackClips(doc, place.trackIndex, place.track.clips.filter((c) => c.id !== clipId));
  }
  return doc === composition ? false : pruneTransitions(doc);
}

type Placed = Extract<VisualClip, { transform: Transform }>;
const isPlaced = (clip: Clip): clip is Placed => 'transform' in clip;

/** Arrow-key nudge: moves the layers (their whole motion path when animated). */
export function nudge(composition: Composition, params: { clipIds: string[]; dx: number; dy: number }): Composition | false {
  let doc: Composition | false = composition;
  for (const clipId of params.clipIds) {
    const place = findClip(doc, clipId);
    if (!place || place.clip.locked || place.track.locked || !isPlaced(place.clip)) continue;
    doc = updateClipById(doc, clipId, (clip) => {
      const placed = clip as Placed;
      return { ...placed, transform: { ...placed.transform, x: shiftValue(placed.transform.x, params.dx), y: shiftValue(placed.transform.y, params.dy) } };
    }) || doc;
  }
  return doc === composition ? false : doc;
}

export type TransformProperty = 'x' | 'y' | 'width' | 'height' | 'rotation' | 'opacity';

/** Sets a transform value as the properties panel or a drag does: at the playhead when keyframed, everywhere when not. */
export function setTransform(composition: Composition, params: { clipId: string; values: Partial<Record<TransformProperty, number>>; time: number }): Composition | false {
  const place = findClip(composition, params.clipId);
  if (!place || !isPlaced(place.clip) || place.clip.locked || place.track.locked) return false;
  const local = params.time - place.clip.start;
  const transform = { ...place.clip.transform };
  for (const [key, value] of Object.entries(params.values) as [TransformProperty, number][]) {
    const current = transform[key];
    transform[key] = current === undefined ? value : setValueAt(current, local, value);
  }
  return updateClipById(composition, params.clipId, (clip) => ({ ...(clip as Placed), transform }));
}

/** The keyframe toggle next to a property, at the playhead. */
export function toggleTransformKeyframe(composition: Composition, params: { clipId: string; property: TransformProperty; time: number }): Composition | false {
  const place = findClip(composition, params.clipId);
  if (!place || !isPlaced(place.clip)) return false;
  const current = place.clip.transform[params.property];
  if (current === undefined) return false;
  const local = Math.max(0, params.time - place.clip.start);
  return updateClipById(composition, params.clipId, (clip) => ({ ...(clip as Placed), transform: { ...(clip as Placed).transform, [params.property]: toggleKeyframe(current, local) } }));
}

/** Drops a transition between two neighbouring clips: the second moves to overlap the first by its length. */
export function addTransition(composition: Composition, params: Transition): Composition | false {
  const from = findClip(composition, params.from);
  const to = findClip(composition, params.to);
  if (!from || !to || from.trackIndex !== to.trackIndex || to.clipIndex !== from.clipIndex + 1) return false;
  if (from.clip.kind === 'text' || to.clip.kind === 'text' || from.clip.kind === 'audio') return false;
  const duration = Math.min(params.duration, clipDuration(from.clip), clipDuration(to.clip));
  const shift = clipEnd(from.clip) - duration - to.clip.start;
  // Everything after the joined clip keeps its place relative to it.
  const clips = from.track.clips.map((c) => (c.start >= to.clip.start ? ({ ...c, start: c.start + shift } as Clip) : c));
  const doc = withTrackClips(composition, from.trackIndex, clips);
  const transitions = [...doc.transitions.filter((t) => t.from !== params.from && t.to !== params.to), { ...params, duration }];
  return { ...doc, transitions };
}

export function setTrackFlags(composition: Composition, params: { trackId: string; hidden?: boolean; muted?: boolean; locked?: boolean; name?: string }): Composition | false {
  const index = composition.tracks.findIndex((t) => t.id === params.trackId);
  if (index < 0) return false;
  const { trackId: _trackId, ...flags } = params;
  const tracks = composition.tracks.map((t, i) => (i === index ? ({ ...t, ...flags } as typeof t) : t));
  return { ...composition, tracks };
}

/** Moves a track in the stack (0 is the bottom layer). */
export function reorderTrack(composition: Composition, params: { trackId: string; toIndex: number }): Composition | false {
  const from = composition.tracks.findIndex((t) => t.id === params.trackId);
  const to = Math.max(0, Math.min(composition.tracks.length - 1, params.toIndex));
  if (from < 0 || from === to) return false;
  const tracks = [...composition.tracks];
  const [track] = tracks.splice(from, 1);
  tracks.splice(to, 0, track!);
  return { ...composition, tracks };
}

/**
 * Puts a library file on the timeline at `start`: onto the given track when
 * there is room, else onto a new track on top. Videos fill the canvas width,
 * images take 40 % of it, sound goes on a sound track; all are centred.
 */
export function addMediaClip(composition: Composition, params: { media: Media; start: number; trackId?: string; clipId: string }): Composition | false {
  const { media } = params;
  const library = composition.media.some((m) => m.id === media.id) ? composition.media : [...composition.media, media];
  const { width: W, height: H, duration } = composition.canvas;
  const start = Math.max(0, Math.min(params.start, duration - 1 / composition.canvas.fps));
  const room = duration - start;
  let clip: Clip;
  if (media.kind === 'audio') {
    clip = audioClipSchema.parse({ kind: 'audio', id: params.clipId, mediaId: media.id, start, in: 0, out: Math.min(media.durationSeconds ?? room, room) });
  } else {
    const aspect = media.width && media.height ? media.width / media.height : W / H;
    const width = media.kind === 'video' ? (aspect >= W / H ? W : H * aspect) : W * 0.4;
    const transform = { x: W / 2, y: H / 2, width: Math.round(width), height: Math.round(width / aspect) };
    clip =
      media.kind === 'video'
        ? videoClipSchema.parse({ kind: 'video', id: params.clipId, mediaId: media.id, start, in: 0, out: Math.min(media.durationSeconds ?? room, room), transform })
        : imageClipSchema.parse({ kind: 'image', id: params.clipId, mediaId: media.id, start, duration: Math.min(5, room), transform });
  }
  const wanted = media.kind === 'audio' ? 'audio' : 'visual';
  const fits = (track: Composition['tracks'][number]) =>
    track.kind === wanted && !track.locked && track.clips.every((c) => clipEnd(c) <= start + 1e-6 || c.start >= start + clipDuration(clip) - 1e-6);
  let doc: Composition = { ...composition, media: library };
  let index = doc.tracks.findIndex((t) => t.id === params.trackId && fits(t));
  if (index < 0 && params.trackId === undefined) index = doc.tracks.findIndex((t) => fits(t) && t.clips.length === 0);
  if (index < 0) {
    const used = new Set(doc.tracks.map((t) => t.id));
    let n = doc.tracks.length + 1;
    while (used.has(`${wanted}-${n}`)) n++;
    const track = wanted === 'audio' ? { kind: 'audio' as const, id: `${wanted}-${n}`, name: `Sound ${n}`, muted: false, locked: false, clips: [] } : { kind: 'visual' as const, id: `${wanted}-${n}`, name: `Layer ${n}`, hidden: false, locked: false, clips: [] };
    // Pictures go on top of the stack; sound tracks go last.
    doc = { ...doc, tracks: [...doc.tracks, track] };
    index = doc.tracks.length - 1;
  }
  return withTrackClips(doc, index, [...doc.tracks[index]!.clips, clip]);
}

/** Changes fields of one clip (crop, looks, corners, fades, text...); refuses a change that would make it invalid. */
export function changeClip(composition: Composition, params: { clipId: string; patch: Record<string, unknown> }): Composition | false {
  const place = findClip(composition, params.clipId);
  if (!place || place.clip.locked || place.track.locked) return false;
  const schema = place.clip.kind === 'audio' ? audioClipSchema : visualClipSchema;
  const merged = { ...place.clip, ...params.patch, id: place.clip.id, kind: place.clip.kind };
  for (const [key, value] of Object.entries(params.patch)) if (value === undefined) delete (merged as Record<string, unknown>)[key];
  const parsed = schema.safeParse(merged);
  if (!parsed.success) return false;
  return updateClipById(composition, params.clipId, () => parsed.data as Clip);
}

/** Adds a text layer at `start` on a new track on top. */
export function addText(composition: Composition, params: { clipId: string; start: number; text: string }): Composition | false {
  const { width: W, height: H, duration } = composition.canvas;
  const start = Math.max(0, Math.min(params.start, duration - 1));
  const clip = visualClipSchema.parse({ kind: 'text', id: params.clipId, start, duration: Math.min(3, duration - start), text: params.text, x: W / 2, y: H * 0.4, style: { size: Math.round(W / 14) } });
  const used = new Set(composition.tracks.map((t) => t.id));
  let n = composition.tracks.length + 1;
  while (used.has(`text-${n}`)) n++;
  return { ...composition, tracks: [...composition.tracks, { kind: 'visual', id: `text-${n}`, name: `Text ${n}`, hidden: false, locked: false, clips: [clip] }] };
}
