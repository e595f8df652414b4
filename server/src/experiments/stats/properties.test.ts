import normal from '@stdlib/random-base-normal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bayesianComparison, expectedShortfall, normalPosterior } from './bayesian';
import { normalCdf } from './distributions';
import type { SampleMoments } from './moments';
import { sampleRatioCheck } from './sample-ratio';
import { sequentialTest } from './sequential';
import { welchTest } from './welch';

/**
 * Many random inputs (fast-check, seeded), each checked to 4 decimals against
 * a computation that shares no code with the engines: the t CDF by numerical
 * integration of its trigonometric form, the posterior by numerical
 * integration, chi-square tails by their closed forms for 1, 2 and 3 degrees
 * of freedom.
 */

const names = { control: 'control', treatment: 'treatment' };

/** Composite Simpson's rule on [a, b] with `intervals` (even) pieces. */
function simpson(f: (x: number) => number, a: number, b: number, intervals = 4000): number {
  const h = (b - a) / intervals;
  let sum = f(a) + f(b);
  for (let i = 1; i < intervals; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

/**
 * P(T ≤ x) for Student's t with ν degrees of freedom: with t = √ν·tan θ the
 * density becomes ∝ cos^(ν−1) θ on (−π/2, π/2), so
 * P(T ≤ x) = ∫_{−π/2}^{atan(x/√ν)} cos^(ν−1) θ dθ / ∫_{−π/2}^{π/2} cos^(ν−1) θ dθ.
 */
function tCdfByIntegration(x: number, nu: number): number {
  const f = (theta: number) => Math.max(0, Math.cos(theta)) ** (nu - 1);
  return simpson(f, -Math.PI / 2, Math.atan(x / Math.sqrt(nu))) / simpson(f, -Math.PI / 2, Math.PI / 2);
}

const moments = fc.record({
  n: fc.integer({ min: 5, max: 5000 }),
  mean: fc.double({ min: 0.5, max: 100, noNaN: true }),
  variance: fc.double({ min: 0.01, max: 400, noNaN: true }),
}) satisfies fc.Arbitrary<SampleMoments>;
const alpha = fc.constantFrom(0.01, 0.05, 0.1, 0.2);
const alternative = fc.constantFrom('two-sided' as const, 'greater' as const, 'less' as const);

describe('experiment statistics on random inputs, against independent computations', () => {
  it('Welch p-values and interval quantiles match the t CDF integrated numerically', () => {
    fc.assert(
      fc.property(moments, moments, alpha, alternative, (control, treatment, a, alt) => {
        const result = welchTest(control, treatment, { alpha: a, alternative: alt, names });
        const nu = result.degreesOfFreedom;
        const below = tCdfByIntegration(result.statistic, nu);
        const expected = alt === 'two-sided' ? 2 * Math.min(below, 1 - below) : alt === 'greater' ? 1 - below : below;
        expect(result.pValue).toBeCloseTo(expected, 4);
        // The interval's half-width, in standard errors, is the t quantile: its CDF is 1 − α/2 (two-sided) or 1 − α.
        const { estimate, standardError, interval } = result.absolute;
        const quantile = (alt === 'less' ? interval.upper - estimate : estimate - interval.lower) / standardError;
        expect(tCdfByIntegration(quantile, nu)).toBeCloseTo(alt === 'two-sided' ? 1 - a / 2 : 1 - a, 4);
        // The test and the interval agree: significant exactly when the interval leaves out 0.
        const excludesZero = interval.lower > 0 || interval.upper < 0;
        if (Math.abs(result.pValue - a) > 1e-9) expect(excludesZero).toBe(result.pValue < a);
      }),
      { seed: 20261124, numRuns: 150 },
    );
  });

  it('the confidence sequence is always wider than the fixed-horizon interval, and its p-value is below α exactly when it leaves out 0', () => {
    fc.assert(
      fc.property(moments, moments, alpha, fc.integer({ min: 100, max: 1_000_000 }), (control, treatment, a, planned) => {
        const fixed = welchTest(control, treatment, { alpha: a, alternative: 'two-sided', names });
        const sequential = sequentialTest(control, treatment, { alpha: a, alternative: 'two-sided', plannedSampleSize: planned, names });
        expect(sequential.absolute.interval.upper - sequential.absolute.interval.lower).toBeGreaterThan(fixed.absolute.interval.upper - fixed.absolute.interval.lower);
        const excludesZero = sequential.absolute.interval.lower > 0 || sequential.absolute.interval.upper < 0;
        if (Math.abs(sequential.pValue - a) > 1e-9) expect(excludesZero).toBe(sequential.pValue < a);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('chance to win and both risks match numerical integration of the posterior, with or without a prior', () => {
    const prior = fc.option(fc.record({ mean: fc.double({ min: -0.2, max: 0.2, noNaN: true }), sd: fc.double({ min: 0.01, max: 1, noNaN: true }) }), { nil: undefined });
    fc.assert(
      fc.property(moments, moments, prior, (control, treatment, p) => {
        const result = bayesianComparison(control, treatment, { alpha: 0.05, prior: p, names });
        const { estimate: m, standardError: s } = result.relative;
        const density = (x: number) => Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
        const far = m + 12 * s;
        const near = m - 12 * s;
        expect(result.chanceToWin).toBeCloseTo(0 >= far ? 0 : 0 <= near ? 1 : simpson(density, 0, far), 4);
        expect(result.risk.treatment).toBeCloseTo(0 <= near ? 0 : simpson((x) => -x * density(x), near, Math.min(0, far)), 4);
        expect(result.risk.control).toBeCloseTo(0 >= far ? 0 : simpson((x) => x * density(x), Math.max(0, near), far), 4);
        // Shipping the treatment risks what keeping the control gains, and the difference is the expected lift.
        expect(result.risk.control - result.risk.treatment).toBeCloseTo(m, 10);
      }),
      { seed: 11, numRuns: 200 },
    );
  });

  it('the posterior under a prior is the precision-weighted mean, and a seeded Monte Carlo agrees on chance to win and risk', () => {
    const posterior = normalPosterior({ estimate: 0.04, standardError: 0.03 }, { mean: 0, sd: 0.05 });
    // 1/s² = 1/0.03² + 1/0.05²; m = s²·0.04/0.03².
    const precision = 1 / 0.03 ** 2 + 1 / 0.05 ** 2;
    expect(posterior.sd).toBeCloseTo(Math.sqrt(1 / precision), 12);
    expect(posterior.mean).toBeCloseTo(0.04 / 0.03 ** 2 / precision, 12);
    const draw = normal.factory(posterior.mean, posterior.sd, { seed: 42 });
    const draws = 400_000;
    let wins = 0;
    let loss = 0;
    for (let i = 0; i < draws; i++) {
      const x = draw();
      if (x > 0) wins++;
      else loss -= x;
    }
    // Three Monte Carlo standard errors: ≤ 0.0024 for a probability, far less for the risk.
    expect(Math.abs(wins / draws - normalCdf(posterior.mean / posterior.sd))).toBeLessThan(0.0024);
    expect(Math.abs(loss / draws - expectedShortfall(posterior.mean, posterior.sd))).toBeLessThan(0.0002);
  });

  it('sample-ratio p-values match the closed-form chi-square tails for 1, 2 and 3 degrees of freedom', () => {
    // 1 df: P(χ² ≥ x) = 2·(1 − Φ(√x)); 2 df: e^(−x/2); 3 df: 2·(1 − Φ(√x)) + √(2x/π)·e^(−x/2).
    const tail = [(x: number) => 2 * (1 - normalCdf(Math.sqrt(x))), (x: number) => Math.exp(-x / 2), (x: number) => 2 * (1 - normalCdf(Math.sqrt(x))) + Math.sqrt((2 * x) / Math.PI) * Math.exp(-x / 2)];
    const variant = fc.record({ n: fc.integer({ min: 1, max: 200_000 }), weight: fc.integer({ min: 1, max: 5 }) });
    fc.assert(
      fc.property(fc.array(variant, { minLength: 2, maxLength: 4 }), (variants) => {
        const check = sampleRatioCheck(variants);
        expect(check.degreesOfFreedom).toBe(variants.length - 1);
        expect(check.pValue).toBeCloseTo(tail[check.degreesOfFreedom - 1]!(check.statistic), 4);
        expect(check.mismatch).toBe(check.pValue < 0.001);
      }),
      { seed: 3, numRuns: 300 },
    );
    // Before any traffic there is nothing to mismatch.
    expect(sampleRatioCheck([{ n: 0, weight: 1 }, { n: 0, weight: 3 }])).toEqual({ statistic: 0, degreesOfFreedom: 1, pValue: 1, mismatch: false, expected: [0, 0] });
  });
});
