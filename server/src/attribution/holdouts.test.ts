import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { holdoutBucket, isHeldOut, measureLift, wilson } from './holdouts';

describe('holdout assignment', () => {
  it('is the first 32 bits of SHA-256("<holdout>:<customer>") over 2^32', () => {
    const hex = createHash('sha256').update('h-1:customer-42').digest('hex').slice(0, 8);
    expect(holdoutBucket('h-1', 'customer-42')).toBe(parseInt(hex, 16) / 4294967296);
  });

  it('is stable: the same customer lands on the same side every time', () => {
    const holdout = { id: 'spring-holdout', share: 0.1 };
    const first = Array.from({ length: 200 }, (_, i) => isHeldOut(holdout, `p-${i}`));
    const again = Array.from({ length: 200 }, (_, i) => isHeldOut(holdout, `p-${i}`));
    expect(again).toEqual(first);
  });

  it('withholds about the share asked for, and splits each holdout independently', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `profile-${i}`);
    const a = ids.filter((id) => isHeldOut({ id: 'a', share: 0.2 }, id));
    const b = new Set(ids.filter((id) => isHeldOut({ id: 'b', share: 0.2 }, id)));
    expect(a.length / ids.length).toBeGreaterThan(0.19);
    expect(a.length / ids.length).toBeLessThan(0.21);
    // Independent splits overlap in about share² of customers.
    expect(a.filter((id) => b.has(id)).length / ids.length).toBeGreaterThan(0.03);
    expect(a.filter((id) => b.has(id)).length / ids.length).toBeLessThan(0.05);
  });
});

describe('lift and its confidence interval', () => {
  it('match Newcombe’s worked example (1998, method 10): 56/70 vs 48/80 gives 0.2000 (0.0524 to 0.3339)', () => {
    const lift = measureLift({ members: 70, converted: 56 }, { members: 80, converted: 48 });
    expect(lift.difference).toBeCloseTo(0.2, 10);
    expect(lift.interval!.lower).toBeCloseTo(0.0524, 4);
    expect(lift.interval!.upper).toBeCloseTo(0.3339, 4);
    expect(lift.relativeLift).toBeCloseTo(0.2 / 0.6, 10);
  });

  it('match a hand computation of Wilson and Wald intervals', () => {
    // Wilson for 10/100, by hand: centre (0.1 + 3.8415/200) / (1 + 3.8415/100) = 0.11480, half (1.96 / 1.038415)·√(0.0009 + 0.00009604) = 0.05958.
    const w = wilson(10, 100);
    expect(w.lower).toBeCloseTo(0.11480 - 0.05958, 4);
    expect(w.upper).toBeCloseTo(0.11480 + 0.05958, 4);
    // Wald: 0.12 − 0.08 ± 1.96·√(0.12·0.88/500 + 0.08·0.92/500) = 0.04 ± 1.96·√0.0003584 = 0.04 ± 0.037105
    const lift = measureLift({ members: 500, converted: 60 }, { members: 500, converted: 40 });
    expect(lift.waldInterval!.lower).toBeCloseTo(0.04 - 0.037105, 5);
    expect(lift.waldInterval!.upper).toBeCloseTo(0.04 + 0.037105, 5);
  });

  it('stay sound at the edges: no conversions anywhere, an empty group', () => {
    const none = measureLift({ members: 50, converted: 0 }, { members: 50, converted: 0 });
    expect(none.difference).toBe(0);
    expect(none.relativeLift).toBeNull();
    expect(none.interval!.lower).toBeLessThan(0);
    expect(none.interval!.upper).toBeGreaterThan(0);
    expect(measureLift({ members: 10, converted: 1 }, { members: 0, converted: 0 })).toMatchObject({ difference: null, interval: null, holdout: { rate: null } });
  });
});
