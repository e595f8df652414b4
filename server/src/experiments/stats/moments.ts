/**
 * What an experiment's statistics start from: per-variant sufficient
 * statistics, never the raw units, so the Hub can sum them in SQL and an
 * analyst can paste them from a warehouse query.
 */

/** A metric whose unit values are any numbers: n units, Σy and Σy². */
export interface MeanTotals {
  n: number;
  sum: number;
  sumSquares: number;
}

/** A metric whose unit values are 0 or 1: n units of which `conversions` converted. */
export interface ProportionTotals {
  n: number;
  conversions: number;
}

/**
 * A pre-period covariate x for CUPED, summed over the same units as the metric y:
 * Σx, Σx² and Σx·y.
 */
export interface CovariateTotals {
  sum: number;
  sumSquares: number;
  sumProducts: number;
}

/** A variant's estimate of its metric: the sample mean, the sample variance of one unit (n − 1 denominator), and n. */
export interface SampleMoments {
  n: number;
  mean: number;
  variance: number;
}

/** The statistics of a problem in the input itself (too few units, no variance), in words that name the variant. */
export class StatsInputError extends Error {
  override name = 'StatsInputError';
}

/**
 * Proportions are means of 0/1 values, so Σy = Σy² = conversions: the same
 * Welch machinery then serves both, and the variance is p(1 − p)·n/(n − 1).
 */
export function proportionAsMeanTotals(totals: ProportionTotals): MeanTotals {
  return { n: totals.n, sum: totals.conversions, sumSquares: totals.conversions };
}

/**
 * Mean ȳ = Σy/n and unbiased variance s² = (Σy² − (Σy)²/n)/(n − 1).
 * A negative s² can only come from rounding (or inconsistent sums), so it is clamped to 0.
 */
export function sampleMoments(totals: MeanTotals): SampleMoments {
  const { n, sum, sumSquares } = totals;
  const mean = sum / n;
  const variance = Math.max(0, (sumSquares - (sum * sum) / n) / (n - 1));
  return { n, mean, variance };
}
