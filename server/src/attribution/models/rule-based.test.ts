import { describe, expect, it } from 'vitest';
import { attribute, type Credit, type Journey, type ModelName } from './index';

const day = 86_400_000;
const touches = (...keys: string[]) => keys.map((key) => ({ key, ...(key === 'direct' ? { direct: true } : {}) }));

const r = (n: number) => Math.round(n * 1e9) / 1e9;

/** Credits as { key: [conversions, value] }, rounded to 9 places, for readable expectations. */
function credited(model: ModelName, journeys: Journey[], options = {}): Record<string, [number, number]> {
  return Object.fromEntries(attribute(model, journeys, options).credits.map((c: Credit) => [c.key, [r(c.conversions), r(c.value)]]));
}

// Worked by hand: search > social > email converted once for 100; direct > social > direct twice for 50;
// a journey of direct alone once for 10; email alone never converted; 3 conversions with no touch at all.
const journeys: Journey[] = [
  { touches: touches('search', 'social', 'email'), conversions: 1, value: 100, nulls: 0 },
  { touches: touches('direct', 'social', 'direct'), conversions: 2, value: 50, nulls: 0 },
  { touches: touches('direct'), conversions: 1, value: 10, nulls: 0 },
  { touches: touches('email'), conversions: 0, value: 0, nulls: 5 },
  { touches: [], conversions: 3, value: 30, nulls: 0 },
];

describe('rule-based models, worked by hand', () => {
  it('first touch credits the first touch of each journey', () => {
    expect(credited('first', journeys)).toEqual({ direct: [3, 60], email: [0, 0], search: [1, 100], social: [0, 0] });
  });

  it('last touch credits the last touch', () => {
    expect(credited('last', journeys)).toEqual({ direct: [3, 60], email: [1, 100], search: [0, 0], social: [0, 0] });
  });

  it('last non-direct skips direct touches, and credits direct when a journey has nothing else', () => {
    expect(credited('last-non-direct', journeys)).toEqual({ direct: [1, 10], email: [1, 100], search: [0, 0], social: [2, 50] });
  });

  it('linear splits evenly over touches, a repeated key collecting each of its shares', () => {
    // direct > social > direct: direct 2/3, social 1/3 of 2 conversions and 50.
    expect(credited('linear', journeys)).toEqual({
      direct: [r(4 / 3 + 1), r(100 / 3 + 10)],
      email: [r(1 / 3), r(100 / 3)],
      search: [r(1 / 3), r(100 / 3)],
      social: [1, r(100 / 3 + 50 / 3)],
    });
  });

  it('position gives 40 % to the first and last touches and 20 % to those between; two touches split 50/50', () => {
    const result = credited('position', [
      { touches: touches('search', 'social', 'video', 'email'), conversions: 1, value: 100, nulls: 0 },
      { touches: touches('search', 'email'), conversions: 1, value: 10, nulls: 0 },
    ]);
    expect(result).toEqual({ email: [0.9, 45], search: [0.9, 45], social: [0.1, 10], video: [0.1, 10] });
    const custom = credited('position', [{ touches: touches('a', 'b', 'c', 'd'), conversions: 1, value: 10, nulls: 0 }], { position: { first: 0.3, middle: 0.4, last: 0.3 } });
    expect(custom).toEqual({ a: [0.3, 3], b: [0.2, 2], c: [0.2, 2], d: [0.3, 3] });
  });

  it('time decay halves the weight for every half-life (7 days) before the conversion', () => {
    const at = (days: number) => ({ at: days * day });
    const timed: Journey[] = [{ touches: [{ key: 'a', ...at(0) }, { key: 'b', ...at(7) }, { key: 'c', ...at(14) }], conversions: 1, value: 70, nulls: 0, convertedAt: 14 * day }];
    // Weights 1/4, 1/2, 1, normalised: 1/7, 2/7, 4/7.
    expect(credited('time-decay', timed)).toEqual({ a: [r(1 / 7), 10], b: [r(2 / 7), 20], c: [r(4 / 7), 40] });
    // A half-life of 14 days: 2^-1, 2^-0.5, 1.
    const sum = 0.5 + Math.SQRT1_2 + 1;
    const halfLife14 = attribute('time-decay', timed, { halfLifeDays: 14 }).credits.map((c) => c.conversions);
    expect(halfLife14[0]).toBeCloseTo(0.5 / sum, 12);
    expect(halfLife14[1]).toBeCloseTo(Math.SQRT1_2 / sum, 12);
    expect(halfLife14[2]).toBeCloseTo(1 / sum, 12);
  });

  it('time decay on touches without times counts them one day apart, the last on the day of the conversion', () => {
    const [a, b, c] = attribute('time-decay', [{ touches: touches('a', 'b', 'c'), conversions: 1, value: 1, nulls: 0 }]).credits.map((credit) => credit.conversions);
    const sum = 2 ** (-2 / 7) + 2 ** (-1 / 7) + 1;
    expect(a).toBeCloseTo(2 ** (-2 / 7) / sum, 12);
    expect(b).toBeCloseTo(2 ** (-1 / 7) / sum, 12);
    expect(c).toBeCloseTo(1 / sum, 12);
  });

  it('a single touch takes all the credit in every rule-based model', () => {
    for (const model of ['first', 'last', 'last-non-direct', 'linear', 'time-decay', 'position'] as const) {
      expect(credited(model, [{ touches: touches('search'), conversions: 2, value: 30, nulls: 1 }])).toEqual({ search: [2, 30] });
    }
  });

  it('journeys with no touch are neither credited nor counted', () => {
    const result = attribute('linear', [{ touches: [], conversions: 3, value: 30, nulls: 1 }]);
    expect(result).toEqual({ model: 'linear', credits: [], totals: { conversions: 0, value: 0 } });
    expect(attribute('first', journeys).totals).toEqual({ conversions: 4, value: 160 });
  });
});
