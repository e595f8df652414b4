import { z } from 'zod';

/**
 * A number that may change over a clip: either a constant, or keyframes at
 * clip-relative times. Each keyframe's easing shapes the segment that starts
 * at it; before the first and after the last keyframe the value holds.
 */
export const easings = ['linear', 'easeIn', 'easeOut', 'easeInOut', 'hold'] as const;
export type Easing = (typeof easings)[number];

export const keyframeSchema = z.object({
  t: z.number().min(0, 'keyframe times are seconds from the clip start, not negative'),
  value: z.number(),
  easing: z.enum(easings).default('linear'),
});
export type Keyframe = z.infer<typeof keyframeSchema>;

export const keyframesSchema = z
  .array(keyframeSchema)
  .min(1, 'give at least one keyframe')
  .refine((list) => list.every((k, i) => i === 0 || k.t > list[i - 1]!.t), 'keyframe times must increase');

export function animatable<T extends z.ZodNumber>(value: T) {
  return z.union([value, z.object({ keyframes: keyframesSchema })]);
}
export type Animatable = number | { keyframes: Keyframe[] };

/** Progress 0..1 through a segment, shaped by its easing. */
export function ease(easing: Easing, p: number): number {
  switch (easing) {
    case 'linear':
      return p;
    case 'easeIn':
      return p * p;
    case 'easeOut':
      return 1 - (1 - p) * (1 - p);
    case 'easeInOut':
      return p * p * (3 - 2 * p);
    case 'hold':
      return 0;
  }
}

/** The value at clip-relative time t (the editor's preview uses the same rule as the renderer). */
export function valueAt(value: Animatable, t: number): number {
  if (typeof value === 'number') return value;
  const frames = value.keyframes;
  const first = frames[0]!;
  if (t <= first.t) return first.value;
  for (let i = 0; i < frames.length - 1; i++) {
    const a = frames[i]!;
    const b = frames[i + 1]!;
    if (t < b.t) return a.value + (b.value - a.value) * ease(a.easing, (t - a.t) / (b.t - a.t));
  }
  return frames[frames.length - 1]!.value;
}

export function isAnimated(value: Animatable): value is { keyframes: Keyframe[] } {
  return typeof value !== 'number' && value.keyframes.length > 1;
}

/** Every value the property takes at a keyframe (or its constant), e.g. to bound a size. */
export function extremes(value: Animatable): { min: number; max: number } {
  const values = typeof value === 'number' ? [value] : value.keyframes.map((k) => k.value);
  return { min: Math.min(...values), max: Math.max(...values) };
}
