import { StatsInputError, type SampleMoments } from './moments';

/** Which way the alternative hypothesis points: the treatment differs, is greater, or is less than the control. */
export type Alternative = 'two-sided' | 'greater' | 'less';

/** An interval for a lift; the open side of a one-sided interval is ±Infinity. */
export interface Interval {
  lower: number;
  upper: number;
}

/** A lift with its standard error. */
export interface LiftPoint {
  estimate: number;
  standardError: number;
}

/** A lift with its standard error and an interval (confidence, confidence-sequence or credible, as the engine says). */
export interface LiftEstimate extends LiftPoint {
  interval: Interval;
}

/**
 * Absolute lift Δ = ȳ_t − ȳ_c with SE = √(s_c²/n_c + s_t²/n_t) (no pooled
 * variance: Welch).
 *
 * Relative lift r = ȳ_t/ȳ_c − 1, with its SE by the delta method on
 * g(a, b) = b/a − 1 at (a, b) = (ȳ_c, ȳ_t), the two means independent:
 *   Var(r) ≈ (∂g/∂b)²·Var(ȳ_t) + (∂g/∂a)²·Var(ȳ_c)
 *          = s_t²/(n_t·ȳ_c²) + ȳ_t²·s_c²/(n_c·ȳ_c⁴).
 */
export function lifts(control: SampleMoments, treatment: SampleMoments, names: { control: string; treatment: string }): { absolute: LiftPoint; relative: LiftPoint } {
  for (const [name, moments] of [[names.control, control], [names.treatment, treatment]] as const) {
    if (!(moments.n >= 2)) throw new StatsInputError(`variant "${name}" has ${moments.n} units: a comparison needs at least 2 in each variant`);
  }
  const controlVarianceOfMean = control.variance / control.n;
  const treatmentVarianceOfMean = treatment.variance / treatment.n;
  const absoluteVariance = controlVarianceOfMean + treatmentVarianceOfMean;
  if (absoluteVariance === 0) throw new StatsInputError(`variants "${names.control}" and "${names.treatment}" have no variance (every unit has the same value): there is nothing to test`);
  if (control.mean === 0) throw new StatsInputError(`variant "${names.control}" (the control) has a mean of 0: the relative lift is undefined`);
  const c = control.mean;
  const t = treatment.mean;
  const relativeVariance = treatmentVarianceOfMean / (c * c) + (t * t * controlVarianceOfMean) / (c * c * c * c);
  return {
    absolute: { estimate: t - c, standardError: Math.sqrt(absoluteVariance) },
    relative: { estimate: t / c - 1, standardError: Math.sqrt(relativeVariance) },
  };
}

/**
 * The interval estimate ± q·SE, where `quantile(p)` is the p-quantile of the
 * reference distribution: two-sided at p = 1 − α/2; one-sided at p = 1 − α
 * with the other side open.
 */
export function intervalAround(point: LiftPoint, options: { alpha: number; alternative: Alternative; quantile: (p: number) => number }): Interval {
  const { estimate, standardError } = point;
  if (options.alternative === 'two-sided') {
    const half = options.quantile(1 - options.alpha / 2) * standardError;
    return { lower: estimate - half, upper: estimate + half };
  }
  const half = options.quantile(1 - options.alpha) * standardError;
  return options.alternative === 'greater' ? { lower: estimate - half, upper: Infinity } : { lower: -Infinity, upper: estimate + half };
}
