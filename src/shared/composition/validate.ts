import { presetById } from './presets';
import type { Composition, Media, VisualClip } from './schema';
import { clipDuration, clipEnd } from './timeline';

export interface CompositionIssue {
  /** Where, e.g. `tracks[0].clips[2].out`. */
  path: string;
  message: string;
}

const fmt = (s: number) => `${Number(s.toFixed(3))} s`;

/**
 * Checks what the schema alone cannot: references between parts, times against
 * the sources, transitions against the clips they join. Every issue names the field.
 */
export function validateComposition(composition: Composition): CompositionIssue[] {
  const issues: CompositionIssue[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  const frame = 1 / composition.canvas.fps;
  const media = new Map<string, Media>();
  composition.media.forEach((m, i) => {
    if (media.has(m.id)) add(`media[${i}].id`, `media id "${m.id}" is used twice`);
    media.set(m.id, m);
  });

  const clipAt = new Map<string, { track: number; index: number; clip: VisualClip | null }>();
  composition.tracks.forEach((track, t) => {
    track.clips.forEach((clip, c) => {
      const path = `tracks[${t}].clips[${c}]`;
      if (clipAt.has(clip.id)) add(`${path}.id`, `clip id "${clip.id}" is used twice`);
      clipAt.set(clip.id, { track: t, index: c, clip: track.kind === 'visual' ? (clip as VisualClip) : null });
      if (!('mediaId' in clip)) return;
      const source = media.get(clip.mediaId);
      if (!source) return add(`${path}.mediaId`, `media "${clip.mediaId}" is not in the project library`);
      const wanted = clip.kind === 'audio' ? ['audio', 'video'] : [clip.kind];
      if (!wanted.includes(source.kind)) add(`${path}.mediaId`, `a ${clip.kind} clip cannot use ${source.kind} media "${source.id}"`);
      if (clip.kind === 'audio' && source.kind === 'video' && !source.hasAudio) add(`${path}.mediaId`, `media "${source.id}" has no sound`);
      if (clip.kind === 'video' || clip.kind === 'audio') {
        if (clip.out <= clip.in) add(`${path}.out`, `the clip must end (out ${fmt(clip.out)}) after it begins (in ${fmt(clip.in)})`);
        if (source.durationSeconds !== null && clip.out > source.durationSeconds + frame) {
          add(`${path}.out`, `the clip ends at ${fmt(clip.out)} but "${source.id}" is only ${fmt(source.durationSeconds)} long`);
        }
      }
    });
  });

  const joined = new Set<string>();
  composition.transitions.forEach((transition, i) => {
    const path = `transitions[${i}]`;
    const from = clipAt.get(transition.from);
    const to = clipAt.get(transition.to);
    if (!from) return add(`${path}.from`, `no clip "${transition.from}"`);
    if (!to) return add(`${path}.to`, `no clip "${transition.to}"`);
    if (!from.clip || !to.clip || from.clip.kind === 'text' || to.clip.kind === 'text') {
      return add(path, 'transitions join two picture clips (video, image or colour)');
    }
    if (from.track !== to.track || to.index !== from.index + 1) {
      return add(path, `"${transition.from}" and "${transition.to}" are not next to each other on one track`);
    }
    const wantedStart = clipEnd(from.clip) - transition.duration;
    if (Math.abs(to.clip.start - wantedStart) > frame / 2) {
      add(`tracks[${to.track}].clips[${to.index}].start`, `"${transition.to}" must start at ${fmt(wantedStart)}, ${fmt(transition.duration)} before "${transition.from}" ends, so the transition has both pictures`);
    }
    if (transition.duration > Math.min(clipDuration(from.clip), clipDuration(to.clip))) {
      add(`${path}.duration`, 'the transition is longer than one of its clips');
    }
    joined.add(`${transition.from}>${transition.to}`);
  });

  composition.tracks.forEach((track, t) => {
    const clips = [...track.clips].map((clip, index) => ({ clip, index })).sort((a, b) => a.clip.start - b.clip.start);
    for (let i = 1; i < clips.length; i++) {
      const a = clips[i - 1]!;
      const b = clips[i]!;
      if (b.clip.start < clipEnd(a.clip) - frame / 2 && !joined.has(`${a.clip.id}>${b.clip.id}`)) {
        add(`tracks[${t}].clips[${b.index}].start`, `"${b.clip.id}" overlaps "${a.clip.id}" on the same track; move it to another track or add a transition`);
      }
    }
  });

  const { background } = composition.canvas;
  if (background.kind === 'blur') {
    const source = media.get(background.mediaId);
    if (!source) add('canvas.background.mediaId', `media "${background.mediaId}" is not in the project library`);
    else if (source.kind === 'audio') add('canvas.background.mediaId', 'a blurred background needs a picture, not audio');
  }
  if (composition.preset) {
    const preset = presetById(composition.preset);
    if (composition.canvas.duration > preset.maxDurationSeconds) {
      add('canvas.duration', `${preset.label} takes videos up to ${preset.maxDurationSeconds} s; this one is ${fmt(composition.canvas.duration)}`);
    }
  }
  composition.captions?.cues.forEach((cue, i) => {
    if (cue.start >= composition.canvas.duration) add(`captions.cues[${i}].start`, `the caption starts after the video ends (${fmt(composition.canvas.duration)})`);
  });
  return issues;
}
