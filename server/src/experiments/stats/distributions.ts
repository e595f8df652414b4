import incompleteGamma from '@stdlib/math-base-special-gammainc';
import normalCdfWithParameters from '@stdlib/stats-base-dists-normal-cdf';
import normalQuantileWithParameters from '@stdlib/stats-base-dists-normal-quantile';
import studentTCdfWithDf from '@stdlib/stats-base-dists-t-cdf';
import studentTQuantileWithDf from '@stdlib/stats-base-dists-t-quantile';

/**
 * The special functions the experiment statistics need, from stdlib (well
 * kept, tested against reference tables), under names that say what they are.
 * Nothing here is hand-rolled: the incomplete beta and gamma functions behind
 * the t and chi-square distributions are stdlib's.
 */

/** Φ(x), the standard normal CDF. */
export function normalCdf(x: number): number {
  return normalCdfWithParameters(x, 0, 1);
}

/** Φ⁻¹(p), the standard normal quantile. */
export function normalQuantile(p: number): number {
  return normalQuantileWithParameters(p, 0, 1);
}

/** φ(x), the standard normal density. */
export function normalDensity(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

/** P(T ≤ t) for Student's t with `degreesOfFreedom` (any real > 0, as Welch–Satterthwaite gives). */
export function studentTCdf(t: number, degreesOfFreedom: number): number {
  return studentTCdfWithDf(t, degreesOfFreedom);
}

/** The p-quantile of Student's t with `degreesOfFreedom`. */
export function studentTQuantile(p: number, degreesOfFreedom: number): number {
  return studentTQuantileWithDf(p, degreesOfFreedom);
}

/** P(χ² ≥ x) with `degreesOfFreedom`: the upper tail, the p-value of a chi-square test. */
export function chiSquareSurvival(x: number, degreesOfFreedom: number): number {
  // The regularized upper incomplete gamma Q(k/2, x/2), exact in the far tail where 1 − CDF would round to 0.
  return incompleteGamma(x / 2, degreesOfFreedom / 2, true, true);
}
