import { intervalAround, lifts, type Alternative, type LiftEstimate, type LiftPoint } from './lift';
import type { SampleMoments } from './moments';

/**
 * Always-valid inference, so a team may look at the results every day (or
 * after every unit) and stop whenever it likes without inflating the error
 * rate past α.
 *
 * The boundary is the two-sided normal-mixture confidence sequence of Robbins,
 * in the asymptotic form of Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas,
 * "Time-uniform central limit theory and asymptotic confidence sequences"
 * (Annals of Statistics, 2024), which is the two-sided normal-mixture boundary of
 * Howard, Ramdas, McAuliffe & Sekhon, "Time-uniform, nonparametric,
 * nonasymptotic confidence sequences" (Annals of Statistics, 2021) with the
 * variance estimated from the data. With the estimate θ̂ after t units and
 * its standard error SE (so SE²·t estimates the per-unit variance), the
 * interval that holds simultaneously for every t with probability ≥ 1 − α
 * (asymptotically, since the variance is estimated) is
 *
 *   θ̂ ± SE · √( (1 + 1/r) · (ln(1 + r) + 2·ln(1/α)) ),   r = t·ρ²,
 *
 * equivalently the mSPRT of Johari, Koomen, Pekelis & Walsh ("Always valid
 * inference", 2022) with mixing variance τ² = r·SE² = ρ²·(t·SE²), a constant
 * times the per-unit variance, whose likelihood ratio is
 *
 *   Λ = (1 + r)^(−1/2) · exp( r/(1 + r) · z²/2 ),   z = θ̂/SE,
 *
 * and whose always-valid p-value is min(1, 1/Λ): it is ≤ α exactly when the
 * interval excludes 0. (Keep the smallest p-value seen so far, and the
 * intersection of the intervals, for the strongest statement.)
 *
 * The mixing parameter ρ sets where the sequence is tightest; it must be fixed
 * before the data come in, not re-chosen at each look. Following
 * Waudby-Smith et al. it is chosen to make the interval narrowest at
 * a planned sample size t* (units in the two variants compared):
 *
 *   ρ² = (−2·ln α + ln(−2·ln α + 1)) / t*.
 *
 * One-sided alternatives use the same two-sided boundary at α, and open the
 * other side: still valid, a little conservative.
 */

/** A sequential comparison of one treatment against the control: intervals are confidence sequences, the p-value always valid. */
export interface SequentialComparison {
  absolute: LiftEstimate;
  relative: LiftEstimate;
  /** z = Δ/SE(Δ). */
  statistic: number;
  pValue: number;
  /** The mixture likelihood ratio Λ at this look. */
  likelihoodRatio: number;
}

export interface SequentialOptions {
  alpha: number;
  alternative: Alternative;
  /** The number of units in the two variants compared (control + treatment) at which the sequence should be tightest; fixed in advance. */
  plannedSampleSize: number;
  names: { control: string; treatment: string };
}

/** The ρ² that makes the sequence narrowest at `plannedSampleSize` total units. */
export function mixingRate(alpha: number, plannedSampleSize: number): number {
  const twoLogInverseAlpha = -2 * Math.log(alpha);
  return (twoLogInverseAlpha + Math.log(twoLogInverseAlpha + 1)) / plannedSampleSize;
}

/** The half-width of the confidence sequence, in standard errors, after `units` units. */
export function boundaryMultiplier(options: { alpha: number; units: number; plannedSampleSize: number }): number {
  const r = options.units * mixingRate(options.alpha, options.plannedSampleSize);
  return Math.sqrt((1 + 1 / r) * (Math.log(1 + r) + 2 * Math.log(1 / options.alpha)));
}

/** Λ = (1 + r)^(−1/2)·exp(r/(1 + r)·z²/2), computed in logs so a large z does not overflow. */
function mixtureLikelihoodRatio(z: number, r: number): number {
  return Math.exp(-0.5 * Math.log1p(r) + (r / (1 + r)) * (z * z) / 2);
}

export function sequentialTest(control: SampleMoments, treatment: SampleMoments, options: SequentialOptions): SequentialComparison {
  const { absolute, relative } = lifts(control, treatment, options.names);
  const units = control.n + treatment.n;
  const multiplier = boundaryMultiplier({ alpha: options.alpha, units, plannedSampleSize: options.plannedSampleSize });
  // intervalAround asks for a quantile; the sequence's multiplier is the same at every level it asks for.
  const interval = (point: LiftPoint) => intervalAround(point, { alpha: options.alpha, alternative: options.alternative, quantile: () => multiplier });
  const statistic = absolute.estimate / absolute.standardError;
  const r = units * mixingRate(options.alpha, options.plannedSampleSize);
  const likelihoodRatio = mixtureLikelihoodRatio(statistic, r);
  const pointsTheRightWay = options.alternative === 'two-sided' || (options.alternative === 'greater' ? statistic > 0 : statistic < 0);
  return {
    absolute: { ...absolute, interval: interval(absolute) },
    relative: { ...relative, interval: interval(relative) },
    statistic,
    likelihoodRatio,
    pValue: pointsTheRightWay ? Math.min(1, 1 / likelihoodRatio) : 1,
  };
}
