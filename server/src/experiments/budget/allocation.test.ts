import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reallocateBudget, type BudgetChannel } from './allocation';
import { simulateChannel } from '../../../test/channel-history';
import { fitChannelResponse, hill, steadyReturn, type HillCurve } from './response-curve';

/** Concave channels R(x) = βx/(x + K): the optimum has equal marginal returns βK/(x + K)² = λ, clamped to the bounds; λ by bisection. */
function concaveOptimum(channels: { beta: number; k: number; min: number; max: number }[], budget: number): number[] {
  const at = (lambda: number) => channels.map((c) => Math.min(c.max, Math.max(c.min, Math.sqrt((c.beta * c.k) / lambda) - c.k)));
  let low = 1e-12;
  let high = 1e12;
  for (let i = 0; i < 200; i++) {
    const mid = Math.sqrt(low * high);
    if (at(mid).reduce((s, x) => s + x, 0) > budget) low = mid;
    else high = mid;
  }
  return at(Math.sqrt(low * high));
}

describe('budget reallocation', () => {
  it('finds the equal-marginal-return optimum of concave channels within their bounds', () => {
    const specs = [
      { name: 'search', beta: 9000, k: 4000, min: 1000, max: 20000, current: 8000 },
      { name: 'social', beta: 6000, k: 1500, min: 500, max: 3000, current: 3000 },
      { name: 'video', beta: 12000, k: 12000, min: 0, max: 30000, current: 9000 },
    ];
    const channels: BudgetChannel[] = specs.map((c) => ({ ...c, returnAt: (x) => (c.beta * x) / (x + c.k) }));
    const advice = reallocateBudget(channels, 20000);
    const optimum = concaveOptimum(specs, 20000);
    // The social channel would take more than its ceiling: the optimum holds it there.
    expect(optimum[1]).toBe(3000);
    advice.channels.forEach((c, i) => expect(c.proposed).toBeCloseTo(optimum[i]!, 0));
    const optimalReturn = channels.reduce((s, c, i) => s + c.returnAt(optimum[i]!), 0);
    expect(advice.expectedReturn).toBeCloseTo(optimalReturn, 4);
    expect(advice.expectedReturn).toBeGreaterThan(advice.currentReturn);
    expect(advice.channels[1]!.proposed).toBe(3000);
  });

  it('handles S-shaped curves, where water-filling stops too early, as well as a brute-force search', () => {
    const curves = [
      { maxResponse: 10000, halfSaturation: 6000, shape: 3 },
      { maxResponse: 4000, halfSaturation: 1000, shape: 1 },
    ];
    const channels: BudgetChannel[] = curves.map((curve, i) => ({ name: `c${i}`, current: 5000, min: 0, max: 10000, returnAt: (x) => hill(x, curve) }));
    const advice = reallocateBudget(channels, 10000);
    let best = 0;
    for (let x = 0; x <= 10000; x += 0.5) best = Math.max(best, channels[0]!.returnAt(x) + channels[1]!.returnAt(10000 - x));
    expect(advice.expectedReturn).toBeGreaterThanOrEqual(best - 1e-6);
  });

  it('never breaks a bound, spends exactly the budget, and never earns less than the current split', () => {
    const channel = fc
      .record({ beta: fc.double({ min: 100, max: 1e5, noNaN: true }), k: fc.double({ min: 10, max: 1e4, noNaN: true }), shape: fc.double({ min: 0.5, max: 4, noNaN: true }), min: fc.double({ min: 0, max: 5000, noNaN: true }), width: fc.double({ min: 0, max: 10000, noNaN: true }), share: fc.double({ min: 0, max: 1, noNaN: true }) })
      .map((c) => ({ ...c, max: c.min + c.width }));
    fc.assert(
      fc.property(fc.array(channel, { minLength: 2, maxLength: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), (specs, position) => {
        const floor = specs.reduce((s, c) => s + c.min, 0);
        const ceiling = specs.reduce((s, c) => s + c.max, 0);
        const budget = floor + position * (ceiling - floor);
        // A current split within the bounds that spends the budget: each channel at the same point between its bounds.
        const channels: BudgetChannel[] = specs.map((c, i) => ({ name: `c${i}`, current: c.min + position * c.width, min: c.min, max: c.max, returnAt: (x) => hill(x, { maxResponse: c.beta, halfSaturation: c.k, shape: c.shape }) }));
        const advice = reallocateBudget(channels, budget);
        advice.channels.forEach((c, i) => {
          expect(c.proposed).toBeGreaterThanOrEqual(specs[i]!.min);
          expect(c.proposed).toBeLessThanOrEqual(specs[i]!.max);
        });
        expect(advice.channels.reduce((s, c) => s + c.proposed, 0)).toBeCloseTo(budget, 6);
        expect(advice.expectedReturn).toBeGreaterThanOrEqual(advice.currentReturn);
      }),
      { seed: 17, numRuns: 60 },
    );
  });

  it('refuses a budget the bounds cannot hold', () => {
    const channel = (name: string, min: number, max: number): BudgetChannel => ({ name, current: min, min, max, returnAt: (x) => x });
    expect(() => reallocateBudget([channel('a', 100, 200), channel('b', 100, 200)], 150)).toThrow("the budget 150 is less than the channels' minimums add up to (200)");
    expect(() => reallocateBudget([channel('a', 100, 200), channel('b', 100, 200)], 500)).toThrow("the budget 500 is more than the channels' maximums allow (400)");
    expect(() => reallocateBudget([channel('a', 300, 200), channel('b', 100, 200)], 400)).toThrow('channel "a": its bounds must satisfy 0 ≤ min ≤ max (got 300 and 200)');
  });

  it('from simulated history with a known optimum: fits, then beats the current split and comes near the optimum', () => {
    const truths: { decay: number; hill: HillCurve }[] = [
      { decay: 0.3, hill: { maxResponse: 20000, halfSaturation: 6000, shape: 1.2 } },
      { decay: 0.6, hill: { maxResponse: 8000, halfSaturation: 5000, shape: 2 } },
      { decay: 0.1, hill: { maxResponse: 6000, halfSaturation: 1500, shape: 1 } },
    ];
    const current = [2000, 4000, 4000];
    const fitted = truths.map((truth, i) => fitChannelResponse(simulateChannel(truth, { weeks: 104, spendLevel: current[i]!, noise: 40, seed: 30 + i }), `c${i}`));
    const bounds = { min: 500, max: 8000 };
    const advice = reallocateBudget(fitted.map((response, i) => ({ name: `c${i}`, current: current[i]!, ...bounds, returnAt: (x) => steadyReturn(x, response) })), 10000);
    const trueReturn = (split: number[]) => split.reduce((s, x, i) => s + steadyReturn(x, truths[i]!), 0);
    // The true optimum by brute force over the 2-D simplex of splits, in steps of 10.
    let optimum = 0;
    for (let a = bounds.min; a <= bounds.max; a += 10) {
      for (let b = bounds.min; b <= bounds.max && a + b <= 10000 - bounds.min; b += 10) {
        const c = 10000 - a - b;
        if (c <= bounds.max) optimum = Math.max(optimum, trueReturn([a, b, c]));
      }
    }
    const proposed = trueReturn(advice.channels.map((c) => c.proposed));
    expect(proposed).toBeGreaterThan(trueReturn(current) * 1.05);
    expect(proposed).toBeGreaterThan(optimum * 0.999);
  });
});
