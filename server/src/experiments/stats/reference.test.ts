import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bayesianComparison, type NormalPrior } from './bayesian';
import { cupedAdjust } from './cuped';
import type { Interval } from './lift';
import { proportionAsMeanTotals, sampleMoments, type MeanTotals, type ProportionTotals } from './moments';
import { sampleRatioCheck } from './sample-ratio';
import { sequentialTest } from './sequential';
import { welchTest } from './welch';

/**
 * Every engine against reference.json, computed independently with SciPy by
 * reference/make-reference.py (t-tests from scipy.stats, risks by numerical
 * integration, CUPED from raw unit data), to 4 decimals.
 */

type Alternative = 'two-sided' | 'greater' | 'less';
type ReferenceInterval = [number | null, number | null];
interface Reference {
  generatedWith: string;
  welch: { name: string; control: MeanTotals | ProportionTotals; treatment: MeanTotals | ProportionTotals; alpha: number; alternative: Alternative; expected: { statistic: number; pValue: number; degreesOfFreedom: number; absolute: { estimate: number; standardError: number; interval: ReferenceInterval }; relative: { estimate: number; standardError: number; interval: ReferenceInterval } } }[];
  sequential: { name: string; control: MeanTotals; treatment: MeanTotals; alpha: number; plannedSampleSize: number; expected: { pValue: number; absolute: { estimate: number; interval: ReferenceInterval }; relative: { estimate: number; interval: ReferenceInterval } } }[];
  bayesian: { name: string; control: MeanTotals; treatment: MeanTotals; prior: NormalPrior | null; alpha: number; expected: { chanceToWin: number; risk: { treatment: number; control: number }; relative: { estimate: number; standardError: number; interval: ReferenceInterval } } }[];
  sampleRatio: { counts: number[]; weights: number[]; expected: { statistic: number; pValue: number; mismatch: boolean } }[];
  cuped: { variants: (MeanTotals & { covariate: { sum: number; sumSquares: number; sumProducts: number } })[]; expected: { theta: number; means: number[]; variances: number[]; pValue: number; statistic: number; varianceReduction: number[] } }[];
}

const reference = JSON.parse(readFileSync(new URL('./reference/reference.json', import.meta.url), 'utf8')) as Reference;
const names = { control: 'control', treatment: 'treatment' };

function moments(totals: MeanTotals | ProportionTotals) {
  return sampleMoments('conversions' in totals ? proportionAsMeanTotals(totals) : totals);
}

function expectInterval(actual: Interval, expected: ReferenceInterval) {
  if (expected[0] === null) expect(actual.lower).toBe(-Infinity);
  else expect(actual.lower).toBeCloseTo(expected[0], 4);
  if (expected[1] === null) expect(actual.upper).toBe(Infinity);
  else expect(actual.upper).toBeCloseTo(expected[1], 4);
}

describe(`experiment statistics against SciPy (${reference.generatedWith})`, () => {
  it.each(reference.welch.map((c) => [`${c.name}, ${c.alternative}, α = ${c.alpha}`, c] as const))('Welch t-test: %s', (_, c) => {
    const result = welchTest(moments(c.control), moments(c.treatment), { alpha: c.alpha, alternative: c.alternative, names });
    expect(result.statistic).toBeCloseTo(c.expected.statistic, 4);
    expect(result.pValue).toBeCloseTo(c.expected.pValue, 4);
    // Small p-values to 4 significant digits too, not only 4 decimals.
    expect(result.pValue / c.expected.pValue).toBeCloseTo(1, 4);
    expect(result.degreesOfFreedom).toBeCloseTo(c.expected.degreesOfFreedom, 4);
    for (const scale of ['absolute', 'relative'] as const) {
      expect(result[scale].estimate).toBeCloseTo(c.expected[scale].estimate, 4);
      expect(result[scale].standardError).toBeCloseTo(c.expected[scale].standardError, 4);
      expectInterval(result[scale].interval, c.expected[scale].interval);
    }
  });

  it.each(reference.sequential.map((c) => [`${c.name}, α = ${c.alpha}, planned ${c.plannedSampleSize}`, c] as const))('confidence sequence: %s', (_, c) => {
    const result = sequentialTest(moments(c.control), moments(c.treatment), { alpha: c.alpha, alternative: 'two-sided', plannedSampleSize: c.plannedSampleSize, names });
    expect(result.pValue).toBeCloseTo(c.expected.pValue, 4);
    for (const scale of ['absolute', 'relative'] as const) {
      expect(result[scale].estimate).toBeCloseTo(c.expected[scale].estimate, 4);
      expectInterval(result[scale].interval, c.expected[scale].interval);
    }
  });

  it.each(reference.bayesian.map((c) => [`${c.name}, prior ${c.prior ? `N(${c.prior.mean}, ${c.prior.sd}²)` : 'flat'}`, c] as const))('Bayesian chance to win and risk: %s', (_, c) => {
    const result = bayesianComparison(moments(c.control), moments(c.treatment), { alpha: c.alpha, prior: c.prior ?? undefined, names });
    expect(result.chanceToWin).toBeCloseTo(c.expected.chanceToWin, 4);
    expect(result.risk.treatment).toBeCloseTo(c.expected.risk.treatment, 4);
    expect(result.risk.control).toBeCloseTo(c.expected.risk.control, 4);
    expect(result.relative.estimate).toBeCloseTo(c.expected.relative.estimate, 4);
    expect(result.relative.standardError).toBeCloseTo(c.expected.relative.standardError, 4);
    expectInterval(result.relative.interval, c.expected.relative.interval);
  });

  it.each(reference.sampleRatio.map((c) => [`${c.counts.join(' / ')} for weights ${c.weights.join(':')}`, c] as const))('sample-ratio check: %s', (_, c) => {
    const result = sampleRatioCheck(c.counts.map((n, i) => ({ n, weight: c.weights[i]! })));
    expect(result.statistic).toBeCloseTo(c.expected.statistic, 4);
    expect(result.pValue).toBeCloseTo(c.expected.pValue, 4);
    expect(result.pValue / c.expected.pValue).toBeCloseTo(1, 4);
    expect(result.mismatch).toBe(c.expected.mismatch);
  });

  it.each(reference.cuped.map((c, i) => [i + 1, c] as const))('CUPED from sums matches CUPED on the raw units, case %i', (_, c) => {
    const adjusted = cupedAdjust(c.variants.map((v, i) => ({ name: `v${i}`, metric: v, covariate: v.covariate })));
    expect(adjusted.theta).toBeCloseTo(c.expected.theta, 4);
    adjusted.moments.forEach((m, i) => {
      expect(m.mean).toBeCloseTo(c.expected.means[i]!, 4);
      expect(m.variance).toBeCloseTo(c.expected.variances[i]!, 4);
      expect(adjusted.varianceReduction[i]).toBeCloseTo(c.expected.varianceReduction[i]!, 4);
    });
    const test = welchTest(adjusted.moments[0]!, adjusted.moments[1]!, { alpha: 0.05, alternative: 'two-sided', names });
    expect(test.statistic).toBeCloseTo(c.expected.statistic, 4);
    expect(test.pValue).toBeCloseTo(c.expected.pValue, 4);
  });
});
