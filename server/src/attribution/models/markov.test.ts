import { describe, expect, it } from 'vitest';
import { absorptionFromStart } from './absorbing-chain';
import { attribute, type Journey } from './index';
import { buildChain, markovCredit } from './markov';
import { CreditTally } from './tally';

const path = (keys: string, conversions: number, nulls: number, value = conversions * 10): Journey => ({
  touches: keys.split(' > ').map((key) => ({ key })),
  conversions,
  value,
  nulls,
});

function removalEffects(journeys: Journey[], order = 1) {
  const result = attribute('markov', journeys, { order });
  const detail = result.detail as { conversionProbability: number; removalEffects: { key: string; conversions: number; value: number }[] };
  return { result, detail, effects: Object.fromEntries(detail.removalEffects.map((e) => [e.key, e.conversions])) };
}

const r = (n: number) => Math.round(n * 1e12) / 1e12;
const shares = (journeys: Journey[], order = 1) => Object.fromEntries(attribute('markov', journeys, { order }).credits.map((c) => [c.key, r(c.conversions)]));

describe('Markov removal effects, worked by hand', () => {
  it('order 1: C1 > C2 > C3 converts, C1 alone and C2 > C3 do not', () => {
    // P = (2/3 · 1/2 + 1/3) · 1/2 = 1/3; without C1: 1/3 · 1/2 = 1/6 (RE 1/2); without C2 or C3: 0 (RE 1).
    const journeys = [path('C1 > C2 > C3', 1, 0, 10), path('C1', 0, 1), path('C2 > C3', 0, 1)];
    const { result, detail, effects } = removalEffects(journeys);
    expect(detail.conversionProbability).toBeCloseTo(1 / 3, 15);
    expect(effects.C1).toBeCloseTo(0.5, 15);
    expect(effects.C2).toBeCloseTo(1, 15);
    expect(effects.C3).toBeCloseTo(1, 15);
    expect(result.credits).toEqual([
      { key: 'C1', conversions: expect.closeTo(0.2, 12), value: expect.closeTo(2, 12) },
      { key: 'C2', conversions: expect.closeTo(0.4, 12), value: expect.closeTo(4, 12) },
      { key: 'C3', conversions: expect.closeTo(0.4, 12), value: expect.closeTo(4, 12) },
    ]);
  });

  it('order 2 remembers where a journey came from; order 1 does not', () => {
    const journeys = [path('a > b', 1, 0), path('c > b', 0, 1)];
    // Order 1: b converts half of what reaches it, so a and c look alike: RE a = c = 1/2, b = 1.
    expect(shares(journeys, 1)).toEqual({ a: 0.25, b: 0.5, c: 0.25 });
    // Order 2: (a,b) always converts and (c,b) never does: c has no effect.
    expect(shares(journeys, 2)).toEqual({ a: 0.5, b: 0.5, c: 0 });
  });

  it('order 3 tells x > a > b from y > a > b where order 2 cannot', () => {
    const journeys = [path('x > a > b', 1, 0), path('y > a > b', 0, 1)];
    // Order 2: (a,b) converts half the time whichever way it was reached: RE x = y = 1/2, a = b = 1.
    expect(shares(journeys, 2)).toEqual({ a: r(1 / 3), b: r(1 / 3), x: r(1 / 6), y: r(1 / 6) });
    // Order 3: (x,a,b) always converts, (y,a,b) never: y has no effect.
    expect(shares(journeys, 3)).toEqual({ a: r(1 / 3), b: r(1 / 3), x: r(1 / 3), y: 0 });
  });

  it('solves loops from repeated channels exactly: a > b > a converts, a alone does not', () => {
    // From a: 1/3 to b, 1/3 to conversion, 1/3 to null; b always returns to a. P(a) = 1/3 + 1/3 · P(a) = 1/2.
    // Without b: P = 1/3, RE 1/3. Without a: 0, RE 1. Shares 3/4 and 1/4.
    const journeys = [path('a > b > a', 1, 0), path('a', 0, 1)];
    const { detail, effects } = removalEffects(journeys);
    expect(detail.conversionProbability).toBeCloseTo(0.5, 15);
    expect(effects.b).toBeCloseTo(1 / 3, 15);
    expect(shares(journeys)).toEqual({ a: 0.75, b: 0.25 });
  });

  it('credits value by the value removal effect: the key that brings the valuable conversions gets more of the value', () => {
    const journeys = [path('a', 1, 1, 90), path('b', 1, 1, 10)];
    const result = attribute('markov', journeys);
    expect(result.credits).toEqual([
      { key: 'a', conversions: expect.closeTo(1, 12), value: expect.closeTo(90, 12) },
      { key: 'b', conversions: expect.closeTo(1, 12), value: expect.closeTo(10, 12) },
    ]);
  });

  it.each([1, 2, 3])('at order %i, still credits value that came with no conversion at all (odd data), equally, so credits sum to what was observed', (order) => {
    const result = attribute('markov', [path('search', 0, 0, 5e-7), path('email > search', 0, 0, 1)], { order });
    expect(result.credits).toEqual([
      { key: 'email', conversions: 0, value: expect.closeTo(0.50000025, 12) },
      { key: 'search', conversions: 0, value: expect.closeTo(0.50000025, 12) },
    ]);
  });
});

/** A small deterministic generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Journeys with known structure: every channel has its own conversion propensity; journeys
 * wander between 5 channels (with repeats, so the chain has loops) and convert by the propensity
 * of the last channel.
 */
function generated(seed: number, count: number): Journey[] {
  const next = random(seed);
  const channels = ['search', 'social', 'email', 'video', 'direct'];
  const propensity = [0.3, 0.1, 0.2, 0.05, 0.25];
  const journeys: Journey[] = [];
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(next() * 5);
    const keys = Array.from({ length }, () => Math.floor(next() * channels.length));
    const converted = next() < propensity[keys.at(-1)!]!;
    journeys.push({ touches: keys.map((k) => ({ key: channels[k]! })), conversions: converted ? 1 : 0, value: converted ? Math.round(next() * 200) : 0, nulls: converted ? 0 : 1 });
  }
  return journeys;
}

/**
 * An independent computation: the chain built from strings, and the absorption
 * probability by iterating x ← r + Q x from 0 (the truncated Neumann series) until
 * it stops moving, in place of the component-wise exact solve.
 */
function independentRemovalEffects(journeys: Journey[], order: number): Record<string, number> {
  const counts = new Map<string, Map<string, number>>();
  const add = (from: string, to: string, weight: number) => {
    const row = counts.get(from) ?? new Map<string, number>();
    row.set(to, (row.get(to) ?? 0) + weight);
    counts.set(from, row);
  };
  const channels = new Set<string>();
  for (const journey of journeys) {
    const keys = journey.touches.map((t) => t.key);
    keys.forEach((k) => channels.add(k));
    let from = '(start)';
    keys.forEach((_, i) => {
      const state = JSON.stringify(keys.slice(Math.max(0, i + 1 - order), i + 1));
      add(from, state, journey.conversions + journey.nulls);
      from = state;
    });
    add(from, '(conversion)', journey.conversions);
    add(from, '(null)', journey.nulls);
  }
  const probability = (removed: string | undefined) => {
    let x = new Map<string, number>();
    for (let iteration = 0; iteration < 100_000; iteration++) {
      const next = new Map<string, number>();
      let change = 0;
      for (const [state, row] of counts) {
        if (removed !== undefined && state !== '(start)' && (JSON.parse(state) as string[]).includes(removed)) continue;
        const out = [...row.values()].reduce((a, b) => a + b, 0);
        let sum = 0;
        for (const [to, n] of row) sum += (n / out) * (to === '(conversion)' ? 1 : (x.get(to) ?? 0));
        next.set(state, sum);
        change = Math.max(change, Math.abs(sum - (x.get(state) ?? 0)));
      }
      x = next;
      if (change < 1e-16) break;
    }
    return x.get('(start)') ?? 0;
  };
  const base = probability(undefined);
  return Object.fromEntries([...channels].sort().map((c) => [c, 1 - probability(c) / base]));
}

describe('Markov removal effects against an independent computation', () => {
  const journeys = generated(7, 3_000);
  for (const order of [1, 2, 3]) {
    it(`agrees at order ${order}, and the chain reproduces the observed conversion rate`, () => {
      const { detail, effects } = removalEffects(journeys, order);
      const expected = independentRemovalEffects(journeys, order);
      expect(Object.keys(effects)).toEqual(Object.keys(expected));
      for (const key of Object.keys(expected)) expect(effects[key]).toBeCloseTo(expected[key]!, 10);
      const conversions = journeys.reduce((sum, j) => sum + j.conversions, 0);
      expect(detail.conversionProbability).toBeCloseTo(conversions / journeys.length, 12);
    });
  }

  it('at order 1, one inversion of I − Q gives the same removal effects as solving again without each key', () => {
    const journeys = generated(5, 4_000);
    const totals = () => ({ conversions: 1, value: 1 });
    const inverted = markovCredit(journeys, 1, new CreditTally(), totals);
    const resolved = markovCredit(journeys, 1, new CreditTally(), totals, 600);
    expect(inverted.conversionProbability).toBeCloseTo(resolved.conversionProbability, 14);
    expect(inverted.valuePerJourney).toBeCloseTo(resolved.valuePerJourney, 11);
    inverted.removalEffects.forEach((effect, i) => {
      expect(effect.key).toBe(resolved.removalEffects[i]!.key);
      expect(effect.conversions).toBeCloseTo(resolved.removalEffects[i]!.conversions, 12);
      expect(effect.value).toBeCloseTo(resolved.removalEffects[i]!.value, 12);
    });
  });

  it('the dense solve, the sweeps and the single-state solve agree on loops', () => {
    const paths = generated(11, 2_000).map((j) => ({ keys: j.touches.map((t) => ['search', 'social', 'email', 'video', 'direct'].indexOf(t.key)), conversions: j.conversions, value: j.value, nulls: j.nulls }));
    for (const order of [1, 2, 3]) {
      const { chain, keysOfState } = buildChain(paths, order);
      const removed = new Uint8Array(chain.states);
      keysOfState.forEach((keys, s) => (removed[s] = keys.includes(2) ? 1 : 0));
      for (const mask of [undefined, removed]) {
        const dense = absorptionFromStart(chain, mask, 100_000);
        const sweeps = absorptionFromStart(chain, mask, 1);
        expect(sweeps[0]).toBeCloseTo(dense[0]!, 13);
        expect(sweeps[1]).toBeCloseTo(dense[1]!, 10);
      }
    }
  });
});
