import type { Animatable, Easing } from '../../../shared/composition/animation';
import { num } from './filter-graph';

/** The easing of a segment as an FFmpeg expression of progress `p` (already clamped to 0..1). */
function easeExpr(easing: Easing, p: string): string {
  switch (easing) {
    case 'linear':
      return p;
    case 'easeIn':
      return `(${p})*(${p})`;
    case 'easeOut':
      return `(1-(1-(${p}))*(1-(${p})))`;
    case 'easeInOut':
      return `((${p})*(${p})*(3-2*(${p})))`;
    case 'hold':
      return '0';
  }
}

/**
 * An animatable value as an FFmpeg expression of clip-local time `local`
 * (an expression itself, e.g. `(t-2.5)`), multiplied by `scale`. The same
 * rule as valueAt() in the shared model, so preview and export agree.
 */
export function animatedExpr(value: Animatable, local: string, scale = 1): string {
  if (typeof value === 'number') return num(value * scale);
  const frames = value.keyframes;
  if (frames.length === 1) return num(frames[0]!.value * scale);
  let expr = num(frames[frames.length - 1]!.value * scale);
  for (let i = frames.length - 2; i >= 0; i--) {
    const a = frames[i]!;
    const b = frames[i + 1]!;
    const p = `(${local}-${num(a.t)})/${num(b.t - a.t)}`;
    const segment = `${num(a.value * scale)}+${num((b.value - a.value) * scale)}*${easeExpr(a.easing, p)}`;
    expr = `if(lt(${local},${num(b.t)}),${segment},${expr})`;
  }
  return `if(lt(${local},${num(frames[0]!.t)}),${num(frames[0]!.value * scale)},${expr})`;
}
