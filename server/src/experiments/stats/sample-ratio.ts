import { chiSquareSurvival } from './distributions';

/**
 * Sample-ratio mismatch: did the variants get the traffic they were meant to?
 * A mismatch means assignment or logging is broken, and every other number in
 * the result is suspect.
 *
 * Pearson's chi-square goodness-of-fit test against the expected weights:
 *   E_v = N·w_v/Σw,  χ² = Σ_v (n_v − E_v)²/E_v,  k − 1 degrees of freedom,
 *   p = P(χ²_{k−1} ≥ χ²),  flagged when p < 0.001
 * (the strict threshold usual for SRM, since the check runs on every result).
 */

export const sampleRatioThreshold = 0.001;

export interface SampleRatioCheck {
  statistic: number;
  degreesOfFreedom: number;
  pValue: number;
  /** True when p < 0.001: do not trust this experiment's results until the cause is found. */
  mismatch: boolean;
  /** Units per variant that the weights lead one to expect, in the order given. */
  expected: number[];
}

export function sampleRatioCheck(variants: { n: number; weight: number }[]): SampleRatioCheck {
  const total = variants.reduce((sum, v) => sum + v.n, 0);
  const totalWeight = variants.reduce((sum, v) => sum + v.weight, 0);
  const expected = variants.map((v) => (total * v.weight) / totalWeight);
  const statistic = total === 0 ? 0 : variants.reduce((sum, v, i) => sum + (v.n - expected[i]!) ** 2 / expected[i]!, 0);
  const degreesOfFreedom = variants.length - 1;
  const pValue = total === 0 ? 1 : chiSquareSurvival(statistic, degreesOfFreedom);
  return { statistic, degreesOfFreedom, pValue, mismatch: pValue < sampleRatioThreshold, expected };
}
