import normal from '@stdlib/random-base-normal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalCdf } from './distributions';
import { StatsInputError } from './moments';
import { thompsonWeights, type BanditArm } from './thompson';

const options = { minimumShare: 0.05, minimumUnits: 100, draws: 100_000, seed: 1 };

/** P(B > A) for A ~ Beta(a₁, b₁), B ~ Beta(a₂, b₂): ∫ f_B(x)·F_A(x) dx on a fine grid, densities normalized numerically. */
function chanceBetaBeats(a: [number, number], b: [number, number]): number {
  const steps = 200_000;
  const h = 1 / steps;
  const logDensity = ([p, q]: [number, number], x: number) => (p - 1) * Math.log(x) + (q - 1) * Math.log(1 - x);
  const xs = Array.from({ length: steps }, (_, i) => (i + 0.5) * h);
  const unnormalized = (shape: [number, number]) => {
    const logs = xs.map((x) => logDensity(shape, x));
    const top = logs.reduce((m, l) => Math.max(m, l), -Infinity);
    const values = logs.map((l) => Math.exp(l - top));
    const total = values.reduce((s, v) => s + v, 0) * h;
    return values.map((v) => v / total);
  };
  const fa = unnormalized(a);
  const fb = unnormalized(b);
  let cumulativeA = 0;
  let chance = 0;
  for (let i = 0; i < steps; i++) {
    const half = (fa[i]! * h) / 2;
    cumulativeA += half; // F_A at the cell's midpoint
    chance += fb[i]! * cumulativeA * h;
    cumulativeA += half;
  }
  return chance;
}

describe('Thompson sampling weights', () => {
  it('gives each arm its chance to be best, as numerical integration and the normal closed form say', () => {
    const arms: BanditArm[] = [
      { name: 'a', n: 1000, conversions: 50 },
      { name: 'b', n: 1000, conversions: 62 },
    ];
    const result = thompsonWeights(arms, { ...options, minimumShare: 0 });
    const expected = chanceBetaBeats([51, 951], [63, 939]);
    // The same integral by SciPy (integrate.quad of beta(63, 939).pdf · beta(51, 951).cdf).
    expect(expected).toBeCloseTo(0.8774631152158917, 4);
    // Three Monte Carlo standard errors at 100,000 draws.
    const tolerance = 3 * Math.sqrt((expected * (1 - expected)) / options.draws);
    expect(Math.abs(result.chanceToBeBest![1]! - expected)).toBeLessThan(tolerance);
    expect(result.weights).toEqual(result.chanceToBeBest);

    const means: BanditArm[] = [
      { name: 'a', n: 400, sum: 4000, sumSquares: 400 * (100 + 25) + 25 },
      { name: 'b', n: 500, sum: 5150, sumSquares: 500 * (10.3 ** 2 + 36) + 36 },
    ];
    const gaussian = thompsonWeights(means, { ...options, minimumShare: 0 });
    const a = { mean: 10, variance: (400 * 125 + 25 - 4000 ** 2 / 400) / 399 / 400 };
    const b = { mean: 10.3, variance: (500 * (10.3 ** 2 + 36) + 36 - 5150 ** 2 / 500) / 499 / 500 };
    const closedForm = normalCdf((b.mean - a.mean) / Math.sqrt(a.variance + b.variance));
    expect(Math.abs(gaussian.chanceToBeBest![1]! - closedForm)).toBeLessThan(3 * Math.sqrt((closedForm * (1 - closedForm)) / options.draws));
  });

  it('keeps every arm at or above its minimum share, sums to 1, and is the same for the same seed', () => {
    const arm = fc.integer({ min: 100, max: 5000 }).chain((n) => fc.record({ name: fc.constant('arm'), n: fc.constant(n), conversions: fc.integer({ min: 0, max: n }) }));
    fc.assert(
      fc.property(fc.array(arm, { minLength: 2, maxLength: 6 }), fc.double({ min: 0, max: 0.1, noNaN: true }), fc.integer(), (arms, minimumShare, seed) => {
        const settings = { ...options, minimumShare, draws: 2000, seed };
        const result = thompsonWeights(arms, settings);
        expect(result.reweighted).toBe(true);
        for (const w of result.weights) expect(w).toBeGreaterThanOrEqual(minimumShare - 1e-12);
        expect(result.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 12);
        expect(thompsonWeights(arms, settings)).toEqual(result);
      }),
      { seed: 5, numRuns: 50 },
    );
  });

  it('does not re-weight before every arm has enough units', () => {
    const arms: BanditArm[] = [
      { name: 'a', n: 500, conversions: 5 },
      { name: 'b', n: 99, conversions: 40 },
    ];
    expect(thompsonWeights(arms, options)).toEqual({ weights: [0.5, 0.5], chanceToBeBest: null, reweighted: false });
    expect(thompsonWeights(arms, { ...options, currentWeights: [0.7, 0.3] }).weights).toEqual([0.7, 0.3]);
    expect(thompsonWeights([arms[0]!, { ...arms[1]!, n: 100 }], options).reweighted).toBe(true);
  });

  it('refuses settings it cannot honour', () => {
    const arms: BanditArm[] = [
      { name: 'a', n: 500, conversions: 5 },
      { name: 'b', n: 500, conversions: 6 },
      { name: 'c', n: 500, conversions: 7 },
    ];
    expect(() => thompsonWeights(arms, { ...options, minimumShare: 0.4 })).toThrow(new StatsInputError('minimumShare must be between 0 and 1/3 for 3 arms (got 0.4)'));
    expect(() => thompsonWeights(arms, { ...options, currentWeights: [0.5, 0.5] })).toThrow('currentWeights has 2 weights for 3 arms');
    expect(() => thompsonWeights(arms.slice(0, 1), options)).toThrow('a bandit needs at least two arms');
    expect(() => thompsonWeights([{ name: 'a', n: 1, sum: 1, sumSquares: 1 }, { name: 'b', n: 5, sum: 5, sumSquares: 6 }], { ...options, minimumUnits: 0 })).toThrow('arm "a" has 1 units: a mean needs at least 2 (raise minimumUnits)');
  });

  it('converges to the best arm in a seeded simulation', () => {
    const rates = [0.04, 0.05, 0.055, 0.07];
    const arms = rates.map((_, i) => ({ name: `arm ${i}`, n: 0, conversions: 0 }));
    const uniform = normal.factory(0, 1, { seed: 99 });
    const u = () => normalCdf(uniform()); // U(0, 1) from a seeded normal
    let weights = rates.map(() => 1 / rates.length);
    const trafficToBest: number[] = [];
    for (let round = 0; round < 40; round++) {
      let toBest = 0;
      for (let unit = 0; unit < 2000; unit++) {
        let pick = u();
        let arm = 0;
        while (arm < weights.length - 1 && pick >= weights[arm]!) pick -= weights[arm++]!;
        arms[arm]!.n += 1;
        if (u() < rates[arm]!) arms[arm]!.conversions += 1;
        if (arm === 3) toBest++;
      }
      trafficToBest.push(toBest / 2000);
      weights = thompsonWeights(arms, { minimumShare: 0.05, minimumUnits: 200, draws: 5000, seed: round }).weights;
    }
    // With a 5 % floor for the three others, the best arm can get at most 85 %.
    expect(weights[3]).toBeGreaterThan(0.8);
    expect(trafficToBest.slice(-10).every((share) => share > 0.7)).toBe(true);
    expect(arms[3]!.n).toBeGreaterThan(arms[0]!.n + arms[1]!.n + arms[2]!.n);
  });
});
