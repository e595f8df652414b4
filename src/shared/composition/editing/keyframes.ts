import { valueAt, type Animatable, type Keyframe } from '../animation';

const sameTime = (a: number, b: number) => Math.abs(a - b) < 1e-4;

/** The value with a keyframe set at `t` (made animated if it was constant). */
export function setKeyframe(value: Animatable, t: number, newValue: number): Animatable {
  const frames: Keyframe[] = typeof value === 'number' ? [] : value.keyframes;
  const rest = frames.filter((k) => !sameTime(k.t, t));
  const easing = frames.find((k) => sameTime(k.t, t))?.easing ?? 'linear';
  return { keyframes: [...rest, { t, value: newValue, easing }].sort((a, b) => a.t - b.t) };
}

/** A constant that changes everywhere, or a keyframed value that changes at `t` only. */
export function setValueAt(value: Animatable, t: number, newValue: number): Animatable {
  return typeof value === 'number' ? newValue : setKeyframe(value, t, newValue);
}

/**
 * The keyframe toggle of the properties panel: a constant becomes animated
 * with a keyframe at `t`; a keyframe at `t` is removed (the last one leaves
 * the value constant at what it showed); elsewhere a keyframe is added with
 * the value the property has there.
 */
export function toggleKeyframe(value: Animatable, t: number): Animatable {
  if (typeof value === 'number') return { keyframes: [{ t, value, easing: 'linear' }] };
  const existing = value.keyframes.find((k) => sameTime(k.t, t));
  if (!existing) return setKeyframe(value, t, valueAt(value, t));
  const rest = value.keyframes.filter((k) => k !== existing);
  return rest.length === 0 ? existing.value : { keyframes: rest };
}

export function hasKeyframeAt(value: Animatable, t: number): boolean {
  return typeof value !== 'number' && value.keyframes.some((k) => sameTime(k.t, t));
}

/** Moves every value by `delta` (a nudge moves the whole path of an animated layer). */
export function shiftValue(value: Animatable, delta: number): Animatable {
  return typeof value === 'number' ? value + delta : { keyframes: value.keyframes.map((k) => ({ ...k, value: k.value + delta })) };
}

/**
 * Splits keyframes at clip-local time `at`: the first part keeps what is
 * before (plus the value at `at`), the second starts at 0 with the rest.
 */
export function splitAnimatable(value: Animatable, at: number): [Animatable, Animatable] {
  if (typeof value === 'number') return [value, value];
  const middle = valueAt(value, at);
  const before = value.keyframes.filter((k) => k.t < at - 1e-4);
  const after = value.keyframes.filter((k) => k.t > at + 1e-4).map((k) => ({ ...k, t: k.t - at }));
  const easingAt = [...value.keyframes].reverse().find((k) => k.t <= at + 1e-4)?.easing ?? 'linear';
  const first = before.length > 0 ? { keyframes: [...before, { t: at, value: middle, easing: easingAt }] } : middle;
  const second = after.length > 0 ? { keyframes: [{ t: 0, value: middle, easing: easingAt }, ...after] } : middle;
  return [first, second];
}
