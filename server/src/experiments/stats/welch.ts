import { studentTCdf, studentTQuantile } from './distributions';
import { intervalAround, lifts, type Alternative, type LiftEstimate } from './lift';
import type { SampleMoments } from './moments';

/** A fixed-horizon comparison of one treatment against the control. */
export interface WelchComparison {
  absolute: LiftEstimate;
  relative: LiftEstimate;
  /** t = Δ/SE(Δ). */
  statistic: number;
  /** Welch–Satterthwaite degrees of freedom. */
  degreesOfFreedom: number;
  pValue: number;
}

export interface WelchOptions {
  alpha: number;
  alternative: Alternative;
  names: { control: string; treatment: string };
}

/**
 * Welch's unequal-variance t-test of H0: μ_t = μ_c.
 *
 *   t  = (ȳ_t − ȳ_c) / √(s_c²/n_c + s_t²/n_t)
 *   ν  = (s_c²/n_c + s_t²/n_t)² / ((s_c²/n_c)²/(n_c − 1) + (s_t²/n_t)²/(n_t − 1))   (Welch–Satterthwaite)
 *   p  = 2·T_ν(−|t|) two-sided;  1 − T_ν(t) for 'greater';  T_ν(t) for 'less'
 *
 * Intervals are Δ ± t_{ν, 1−α/2}·SE (one-sided: t_{ν, 1−α}, other side open).
 * The relative lift's interval uses its delta-method SE with the same t_ν
 * quantile, so for large samples it is the usual normal interval. Proportions
 * come here as means of 0/1 values (see proportionAsMeanTotals).
 */
export function welchTest(control: SampleMoments, treatment: SampleMoments, options: WelchOptions): WelchComparison {
  const { absolute, relative } = lifts(control, treatment, options.names);
  const a = control.variance / control.n;
  const b = treatment.variance / treatment.n;
  const degreesOfFreedom = (a + b) ** 2 / (a ** 2 / (control.n - 1) + b ** 2 / (treatment.n - 1));
  const statistic = absolute.estimate / absolute.standardError;
  const pValue =
    options.alternative === 'two-sided' ? Math.min(1, 2 * studentTCdf(-Math.abs(statistic), degreesOfFreedom))
    : options.alternative === 'greater' ? studentTCdf(-statistic, degreesOfFreedom)
    : studentTCdf(statistic, degreesOfFreedom);
  const quantile = (p: number) => studentTQuantile(p, degreesOfFreedom);
  return {
    absolute: { ...absolute, interval: intervalAround(absolute, { ...options, quantile }) },
    relative: { ...relative, interval: intervalAround(relative, { ...options, quantile }) },
    statistic,
    degreesOfFreedom,
    pValue,
  };
}
