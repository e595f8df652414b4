import normal from '@stdlib/random-base-normal';
import { describe, expect, it } from 'vitest';
import { StatsInputError, sampleMoments, type MeanTotals } from './moments';
import { sequentialTest } from './sequential';
import { welchTest } from './welch';

/**
 * The point of the confidence sequence: under continuous peeking (a look after
 * every batch, stopping at the first "significant" one) its false-positive
 * rate stays within α, while the fixed-horizon test's does not. Seeded
 * simulations, so the figures are the same on every run.
 */

const names = { control: 'control', treatment: 'treatment' };
const alpha = 0.05;

interface Simulation {
  runs: number;
  looks: number;
  batch: number;
  /** Draws one unit's value in the given arm (0 the control, 1 the treatment). */
  unit: (arm: 0 | 1) => number;
}

function add(totals: MeanTotals, y: number) {
  totals.n += 1;
  totals.sum += y;
  totals.sumSquares += y * y;
}

/** The share of runs in which each procedure declared a difference at some look. */
function peek(simulation: Simulation): { sequential: number; fixed: number } {
  let sequentialRejections = 0;
  let fixedRejections = 0;
  for (let run = 0; run < simulation.runs; run++) {
    const arms: [MeanTotals, MeanTotals] = [{ n: 0, sum: 0, sumSquares: 0 }, { n: 0, sum: 0, sumSquares: 0 }];
    let sequentialRejected = false;
    let fixedRejected = false;
    for (let look = 0; look < simulation.looks; look++) {
      for (let i = 0; i < simulation.batch; i++) {
        add(arms[0], simulation.unit(0));
        add(arms[1], simulation.unit(1));
      }
      const [control, treatment] = [sampleMoments(arms[0]), sampleMoments(arms[1])];
      try {
        if (welchTest(control, treatment, { alpha, alternative: 'two-sided', names }).pValue < alpha) fixedRejected = true;
        if (sequentialTest(control, treatment, { alpha, alternative: 'two-sided', plannedSampleSize: 10_000, names }).pValue < alpha) sequentialRejected = true;
      } catch (error) {
        if (!(error instanceof StatsInputError)) throw error; // no variance yet: no look
      }
      if (sequentialRejected && fixedRejected) break;
    }
    if (sequentialRejected) sequentialRejections++;
    if (fixedRejected) fixedRejections++;
  }
  return { sequential: sequentialRejections / simulation.runs, fixed: fixedRejections / simulation.runs };
}

describe('continuous peeking', () => {
  it('keeps the false-positive rate within α for a continuous metric, where the fixed test exceeds it', () => {
    const draw = normal.factory(10, 3, { seed: 1 });
    const rates = peek({ runs: 400, looks: 100, batch: 50, unit: () => draw() });
    expect(rates.sequential).toBeLessThanOrEqual(alpha);
    expect(rates.fixed).toBeGreaterThan(3 * alpha);
  });

  it('keeps the false-positive rate within α for a conversion rate', () => {
    const z = normal.factory(0, 1, { seed: 2 });
    // A unit converts with probability 10 %: Φ(z) < 0.1 for a standard normal z.
    const rates = peek({ runs: 400, looks: 100, batch: 50, unit: () => (z() < -1.2815515655446004 ? 1 : 0) });
    expect(rates.sequential).toBeLessThanOrEqual(alpha);
    expect(rates.fixed).toBeGreaterThan(3 * alpha);
  });

  it('still finds a real difference', () => {
    const draw = normal.factory(0, 1, { seed: 3 });
    const rates = peek({ runs: 200, looks: 100, batch: 50, unit: (arm) => draw() + 0.1 * arm });
    expect(rates.sequential).toBeGreaterThan(0.8);
  });
});
