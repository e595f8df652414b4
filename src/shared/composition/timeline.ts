import type { AudioClip, Clip, Look, VideoClip } from './schema';

type SpeedRamp = Extract<Look, { kind: 'speedRamp' }>;

export function speedRampOf(clip: VideoClip): SpeedRamp | undefined {
  return clip.looks.find((look): look is SpeedRamp => look.kind === 'speedRamp');
}

/**
 * Timeline seconds a stretch of `sourceSeconds` takes when the speed moves
 * linearly from `from` to `to` over the source: ∫ dt / speed(t).
 */
export function rampedDuration(sourceSeconds: number, from: number, to: number): number {
  if (Math.abs(to - from) < 1e-9) return sourceSeconds / from;
  return (sourceSeconds * Math.log(to / from)) / (to - from);
}

/** How long the clip lasts on the timeline. */
export function clipDuration(clip: Clip): number {
  switch (clip.kind) {
    case 'video': {
      const ramp = speedRampOf(clip);
      const source = clip.out - clip.in;
      return ramp ? rampedDuration(source, ramp.from, ramp.to) : source / clip.speed;
    }
    case 'audio':
      return clip.out - clip.in;
    default:
      return clip.duration;
  }
}

export function clipEnd(clip: Clip): number {
  return clip.start + clipDuration(clip);
}

/** Source seconds an audio-bearing clip reads. */
export function sourceSpan(clip: VideoClip | AudioClip): { from: number; to: number } {
  return { from: clip.in, to: clip.out };
}
