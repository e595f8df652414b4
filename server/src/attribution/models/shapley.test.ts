import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attribute, type Journey } from './index';
import { shapleyCredit } from './shapley';
import { CreditTally } from './tally';

const journey = (keys: string, conversions: number, value = conversions * 10): Journey => ({ touches: keys.split(' > ').map((key) => ({ key })), conversions, value, nulls: 0 });

/** Shapley by definition: the average marginal contribution over every order of the keys. */
function bruteForceShapley(journeys: Journey[]): Record<string, [number, number]> {
  const keys = [...new Set(journeys.flatMap((j) => j.touches.map((t) => t.key)))].sort();
  const worth = (coalition: Set<string>) => {
    let conversions = 0;
    let value = 0;
    for (const j of journeys) {
      if (j.touches.length > 0 && j.touches.every((t) => coalition.has(t.key))) {
        conversions += j.conversions;
        value += j.value;
      }
    }
    return [conversions, value] as const;
  };
  const total = Object.fromEntries(keys.map((k) => [k, [0, 0] as [number, number]]));
  let orders = 0;
  const permute = (prefix: string[], rest: string[]) => {
    if (rest.length === 0) {
      orders++;
      const coalition = new Set<string>();
      for (const key of prefix) {
        const before = worth(coalition);
        coalition.add(key);
        const after = worth(coalition);
        total[key]![0] += after[0] - before[0];
        total[key]![1] += after[1] - before[1];
      }
      return;
    }
    rest.forEach((key, i) => permute([...prefix, key], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  permute([], keys);
  return Object.fromEntries(keys.map((k) => [k, [total[k]![0] / orders, total[k]![1] / orders]]));
}

const asRecord = (journeys: Journey[]) => Object.fromEntries(attribute('shapley', journeys).credits.map((c) => [c.key, [c.conversions, c.value]]));

describe('Shapley attribution', () => {
  it('worked by hand: {a} 10, {a,b} 6, {b,c} 4 conversions give a 13, b 5, c 2', () => {
    const journeys = [journey('a', 10), journey('b > a > b', 6), journey('c > b', 4), { ...journey('c', 0), nulls: 9 }];
    const rounded = Object.fromEntries(Object.entries(asRecord(journeys)).map(([key, credit]) => [key, credit.map((n) => Math.round(n * 1e9) / 1e9)]));
    expect(rounded).toEqual({ a: [13, 130], b: [5, 50], c: [2, 20] });
  });

  it('equals the average marginal contribution over every order of up to 5 keys', () => {
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const journeysArbitrary = fc.array(
      fc.record({
        touches: fc.array(fc.constantFrom(...keys), { minLength: 1, maxLength: 5 }).map((ks) => ks.map((key) => ({ key }))),
        conversions: fc.integer({ min: 0, max: 5 }),
        value: fc.integer({ min: 0, max: 500 }),
        nulls: fc.integer({ min: 0, max: 3 }),
      }),
      { minLength: 1, maxLength: 12 },
    );
    fc.assert(
      fc.property(journeysArbitrary, (journeys) => {
        const expected = bruteForceShapley(journeys);
        const actual = asRecord(journeys);
        expect(Object.keys(actual)).toEqual(Object.keys(expected));
        for (const key of Object.keys(expected)) {
          expect(actual[key]![0]).toBeCloseTo(expected[key]![0], 9);
          expect(actual[key]![1]).toBeCloseTo(expected[key]![1], 9);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the closed form (each journey split over its distinct keys) equals the coalition computation', () => {
    const journeys = Array.from({ length: 400 }, (_, i) => journey(['a', 'b', 'c', 'd', 'e', 'f', 'g'].filter((_, k) => (i * 37 + k * 11) % 5 < 2 || k === i % 7).join(' > '), i % 4, (i * 13) % 97));
    const viaCoalitions = new CreditTally();
    const viaClosedForm = new CreditTally();
    expect(shapleyCredit(journeys, viaCoalitions, { coalitions: true })).toEqual({ keys: 7, method: 'coalitions' });
    expect(shapleyCredit(journeys, viaClosedForm, { coalitions: false })).toEqual({ keys: 7, method: 'closed form' });
    const closed = viaClosedForm.credits();
    viaCoalitions.credits().forEach((credit, i) => {
      expect(credit.conversions).toBeCloseTo(closed[i]!.conversions, 9);
      expect(credit.value).toBeCloseTo(closed[i]!.value, 9);
    });
  });

  it('uses the closed form above 20 keys, such as many campaign keys, and refuses coalitions there', () => {
    const journeys = Array.from({ length: 30 }, (_, i) => journey(`campaign-${i} > campaign-${(i + 1) % 30}`, 1, 2));
    const result = attribute('shapley', journeys);
    expect(result.detail).toEqual({ keys: 30, method: 'closed form' });
    expect(result.credits.every((c) => Math.abs(c.conversions - 1) < 1e-12 && Math.abs(c.value - 2) < 1e-12)).toBe(true);
    expect(() => shapleyCredit(journeys, new CreditTally(), { coalitions: true })).toThrow('Shapley over coalitions is limited to 20 keys; these journeys have 30.');
  });
});
