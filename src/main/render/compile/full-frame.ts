import type { Composition, Track, Transition, VisualClip } from '../../../shared/composition/schema';
import { clipEnd } from '../../../shared/composition/timeline';
import type { CompileContext } from './layers';

export interface Run {
  clips: VisualClip[];
  joins: Transition[];
}

/** Clips joined by transitions, in track order; a clip without transitions is a run of one. */
export function transitionRuns(track: Track & { kind: 'visual' }, transitions: Transition[]): Run[] {
  const byFrom = new Map(transitions.map((t) => [t.from, t]));
  const joinedTo = new Set(transitions.map((t) => t.to));
  const runs: Run[] = [];
  for (const clip of track.clips) {
    if (clip.kind === 'text' || joinedTo.has(clip.id)) continue;
    const run: Run = { clips: [clip], joins: [] };
    let join = byFrom.get(clip.id);
    while (join) {
      const next = track.clips.find((c) => c.id === join!.to);
      if (!next) break;
      run.clips.push(next);
      run.joins.push(join);
      join = byFrom.get(next.id);
    }
    runs.push(run);
  }
  return runs;
}

/** An opaque picture that fills the whole canvas, without motion, fades or transparency. */
function fillsCanvas(clip: VisualClip, composition: Composition): boolean {
  if (clip.kind !== 'video' && clip.kind !== 'color') return false;
  if (clip.kind === 'color' && clip.color.length === 9) return false;
  if (clip.kind === 'video' && clip.chromaKey) return false;
  const { width, height } = composition.canvas;
  const t = clip.transform;
  const fixed = (value: unknown, expected: number) => typeof value === 'number' && Math.abs(value - expected) < 0.5;
  return (
    fixed(t.x, width / 2) &&
    fixed(t.y, height / 2) &&
    fixed(t.width, width) &&
    (t.height === undefined ? clip.kind === 'video' && sameShape(clip.mediaId, composition) : fixed(t.height, height)) &&
    t.rotation === 0 &&
    t.opacity === 1 &&
    clip.fadeIn === 0 &&
    clip.fadeOut === 0 &&
    clip.blend === 'normal' &&
    clip.style?.kind !== 'pip'
  );
}

function sameShape(mediaId: string, composition: Composition): boolean {
  const media = composition.media.find((m) => m.id === mediaId);
  return Boolean(media?.width && media.height && Math.abs(media.width / media.height - composition.canvas.width / composition.canvas.height) < 0.01);
}

/**
 * The bottom run, when it alone fills the canvas for the whole rendered
 * window: it then is the base picture itself, saving a full-frame background
 * and overlay per frame (what someone writing the command by hand would do).
 */
export function fullFrameBase(composition: Composition, ctx: CompileContext): { trackIndex: number; run: Run } | null {
  const trackIndex = composition.tracks.findIndex((t) => t.kind === 'visual' && !t.hidden);
  const track = composition.tracks[trackIndex];
  if (!track || track.kind !== 'visual') return null;
  const runs = transitionRuns(track, composition.transitions);
  if (runs.length !== 1) return null;
  const run = runs[0]!;
  const first = run.clips[0]!;
  const last = run.clips[run.clips.length - 1]!;
  const covers = first.start <= ctx.window.start + 1e-6 && clipEnd(last) >= ctx.window.end - 1e-6;
  return covers && run.clips.every((clip) => fillsCanvas(clip, composition)) ? { trackIndex, run } : null;
}
