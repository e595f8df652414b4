import type { Look } from '../../../shared/composition/schema';
import { even, num, quoteValue } from './filter-graph';

/**
 * The filters of one UGC look on a stream of the given size. Speed ramps are
 * timing, not picture, and are handled where the clip's timing is built.
 */
export function lookFilters(look: Look, size: { width: number; height: number }, scale: number): string[] {
  switch (look.kind) {
    case 'grain':
      return [`noise=alls=${Math.round(look.strength * 40)}:allf=t`];
    case 'vignette':
      return [`vignette=angle=${num(0.2 + look.strength * 1.2)}`];
    case 'grade': {
      const filters: string[] = [];
      if (look.warmth !== 0) {
        const w = look.warmth;
        filters.push(`colorbalance=rs=${num(w * 0.12)}:bs=${num(-w * 0.12)}:rm=${num(w * 0.08)}:bm=${num(-w * 0.08)}`);
      }
      if (look.saturation !== 1 || look.contrast !== 1) filters.push(`eq=saturation=${num(look.saturation)}:contrast=${num(look.contrast)}`);
      return filters;
    }
    case 'lut':
      return [`lut3d=file=${quoteValue(look.path)}`];
    case 'shake': {
      // A handheld wobble: a slightly smaller window wanders, then is scaled back up.
      const a = Math.max(1, Math.round(look.amount * scale));
      const f = num(look.frequency);
      return [
        `crop=w=iw-${2 * a}:h=ih-${2 * a}:x='${a}+${a}*sin(2*PI*${f}*t)':y='${a}+${a}*sin(2*PI*${f}*1.37*t+1.3)'`,
        `scale=${even(size.width)}:${even(size.height)}`,
      ];
    }
    case 'speedRamp':
      return [];
  }
}
