import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attribute, modelNames, type Journey, type ModelName, type ModelOptions } from './index';

const keys = ['search', 'social', 'email', 'video', 'direct', 'Direct'];
const journeysArbitrary = fc.array(
  fc.record({
    touches: fc.array(
      fc.record({ key: fc.constantFrom(...keys), at: fc.integer({ min: 0, max: 60 }) }).map(({ key, at }) => ({ key, direct: key.toLowerCase() === 'direct', at: at * 86_400_000 })),
      { maxLength: 7 },
    ).map((touches) => touches.sort((a, b) => a.at - b.at)),
    conversions: fc.integer({ min: 0, max: 4 }),
    value: fc.double({ min: 0, max: 1000, noNaN: true }),
    nulls: fc.integer({ min: 0, max: 4 }),
  }),
  { maxLength: 40 },
);

const runs: [ModelName, ModelOptions][] = [
  ...modelNames.filter((m) => m !== 'markov').map((m): [ModelName, ModelOptions] => [m, {}]),
  ['markov', { order: 1 }],
  ['markov', { order: 2 }],
  ['markov', { order: 3 }],
  ['time-decay', { halfLifeDays: 2 }],
  ['position', { position: { first: 0.5, middle: 0, last: 0.5 } }],
];

describe('every model', () => {
  it.each(runs)('%s %j: credits sum to the observed conversions and value, none negative, and the same input gives the same output', (model, options) => {
    fc.assert(
      fc.property(journeysArbitrary, (journeys: Journey[]) => {
        const result = attribute(model, journeys, options);
        const touched = journeys.filter((j) => j.touches.length > 0);
        const observed = touched.reduce((t, j) => ({ conversions: t.conversions + j.conversions, value: t.value + j.value }), { conversions: 0, value: 0 });
        expect(result.totals.conversions).toBe(observed.conversions);
        expect(result.totals.value).toBeCloseTo(observed.value, 6);
        const credited = result.credits.reduce((t, c) => ({ conversions: t.conversions + c.conversions, value: t.value + c.value }), { conversions: 0, value: 0 });
        // Markov and Shapley spread a whole total; with no conversion there is nothing to spread.
        expect(credited.conversions).toBeCloseTo(observed.conversions, 9);
        expect(credited.value).toBeCloseTo(observed.value, 6);
        expect(result.credits.every((c) => c.conversions >= 0 && c.value >= 0)).toBe(true);
        expect(result.credits.map((c) => c.key)).toEqual([...new Set(touched.flatMap((j) => j.touches.map((t) => t.key)))].sort());
        expect(attribute(model, structuredClone(journeys), options)).toEqual(result);
      }),
      { numRuns: model === 'markov' ? 150 : 300 },
    );
  });

  it('reads the journeys once, so a generator will do', () => {
    function* journeys(): Generator<Journey> {
      yield { touches: [{ key: 'a' }, { key: 'b' }], conversions: 1, value: 10, nulls: 0 };
      yield { touches: [{ key: 'b' }], conversions: 0, value: 0, nulls: 1 };
    }
    for (const model of modelNames) expect(attribute(model, journeys()).totals).toEqual({ conversions: 1, value: 10 });
  });

  it('refuses bad numbers and options with a message naming them', () => {
    const good: Journey = { touches: [{ key: 'a' }], conversions: 1, value: 1, nulls: 0 };
    expect(() => attribute('linear', [good, { ...good, nulls: -1 }])).toThrow('Journey 1: nulls must be a finite number ≥ 0 (got -1).');
    expect(() => attribute('linear', [{ ...good, value: Number.NaN }])).toThrow('Journey 0: value must be a finite number ≥ 0 (got NaN).');
    expect(() => attribute('markov', [good], { order: 4 })).toThrow('order must be 1, 2 or 3 (got 4).');
    expect(() => attribute('time-decay', [good], { halfLifeDays: 0 })).toThrow('halfLifeDays must be a number of days > 0 (got 0).');
    expect(() => attribute('position', [good], { position: { first: 0, middle: 1, last: 0 } })).toThrow('position.first and position.last cannot both be 0.');
    expect(() => attribute('nope' as ModelName, [good])).toThrow('Unknown attribution model "nope"; use one of first, last, last-non-direct, linear, time-decay, position, markov, shapley.');
  });

  it('gives a lone key everything, in every model, even repeated', () => {
    for (const model of modelNames) {
      for (const touches of [[{ key: 'a' }], [{ key: 'a' }, { key: 'a' }, { key: 'a' }]]) {
        const { credits } = attribute(model, [{ touches, conversions: 2, value: 30, nulls: 1 }]);
        expect(credits).toEqual([{ key: 'a', conversions: expect.closeTo(2, 12), value: expect.closeTo(30, 12) }]);
      }
    }
  });

  it('handles empty input', () => {
    for (const model of modelNames) expect(attribute(model, [])).toMatchObject({ model, credits: [], totals: { conversions: 0, value: 0 } });
  });
});
