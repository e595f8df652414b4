import type { AudioClip, Clip, Composition, Track, VisualClip } from '../schema';

/** Where a clip is: its track's index and its own index in that track. */
export interface ClipPlace {
  trackIndex: number;
  clipIndex: number;
  track: Track;
  clip: Clip;
}

export function findClip(composition: Composition, clipId: string): ClipPlace | null {
  for (let trackIndex = 0; trackIndex < composition.tracks.length; trackIndex++) {
    const track = composition.tracks[trackIndex]!;
    const clipIndex = track.clips.findIndex((clip) => clip.id === clipId);
    if (clipIndex >= 0) return { trackIndex, clipIndex, track, clip: track.clips[clipIndex]! };
  }
  return null;
}

/** A copy of the composition with one track's clips replaced (kept in time order). */
export function withTrackClips(composition: Composition, trackIndex: number, clips: Clip[]): Composition {
  const tracks = composition.tracks.map((track, i) => {
    if (i !== trackIndex) return track;
    const sorted = [...clips].sort((a, b) => a.start - b.start);
    return track.kind === 'visual' ? { ...track, clips: sorted as VisualClip[] } : { ...track, clips: sorted as AudioClip[] };
  });
  return { ...composition, tracks };
}

/** A copy with one clip changed in place. */
export function updateClipById(composition: Composition, clipId: string, change: (clip: Clip) => Clip): Composition | false {
  const place = findClip(composition, clipId);
  if (!place) return false;
  const clips = place.track.clips.map((clip) => (clip.id === clipId ? change(clip) : clip));
  return withTrackClips(composition, place.trackIndex, clips);
}

/** Drops transitions whose clips are gone or no longer neighbours on one track. */
export function pruneTransitions(composition: Composition): Composition {
  const transitions = composition.transitions.filter((t) => {
    const from = findClip(composition, t.from);
    const to = findClip(composition, t.to);
    return from && to && from.trackIndex === to.trackIndex && to.clipIndex === from.clipIndex + 1;
  });
  return transitions.length === composition.transitions.length ? composition : { ...composition, transitions };
}

/** A clip id not used yet in this composition, based on `base`. */
export function freshClipId(composition: Composition, base: string): string {
  const used = new Set(composition.tracks.flatMap((t) => t.clips.map((c) => c.id)));
  const stem = base.replace(/-\d+$/, '');
  for (let n = 2; ; n++) {
    const id = `${stem}-${n}`;
    if (!used.has(id)) return id;
  }
}
