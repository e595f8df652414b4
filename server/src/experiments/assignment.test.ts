import { describe, expect, it } from 'vitest';
import { assignmentDraw, assignVariant } from './assignment';

const variants = [{ id: 'control' }, { id: 'bold' }, { id: 'calm' }];

describe('assignment by hash', () => {
  it('matches known vectors computed outside Node (Python hashlib: first 52 bits of SHA-256 / 2^52)', () => {
    expect(assignmentDraw('exp-1', 'customer-42')).toBe(0.6633687930842276);
    expect(assignmentDraw('0b7f3c7e-5d1e-4c36-9a55-2f0f1d1f3a11', 'p_123')).toBe(0.9314105859891681);
  });

  it('gives the same answer every time, and a different stream per experiment', () => {
    const weights = { control: 1 / 3, bold: 1 / 3, calm: 1 / 3 };
    const first = Array.from({ length: 200 }, (_, i) => assignVariant({ experimentId: 'e1', customerId: `c${i}`, holdoutShare: 0.1, variants, weights }));
    const again = Array.from({ length: 200 }, (_, i) => assignVariant({ experimentId: 'e1', customerId: `c${i}`, holdoutShare: 0.1, variants, weights }));
    expect(again).toEqual(first);
    const other = Array.from({ length: 200 }, (_, i) => assignVariant({ experimentId: 'e2', customerId: `c${i}`, holdoutShare: 0.1, variants, weights }));
    expect(other).not.toEqual(first);
  });

  it('holds out the holdout share and splits the rest by weight, within sampling error over 100,000 ids', () => {
    const n = 100_000;
    const counts: Record<string, number> = { holdout: 0, control: 0, bold: 0, calm: 0 };
    const weights = { control: 0.5, bold: 0.3, calm: 0.2 };
    for (let i = 0; i < n; i++) {
      const a = assignVariant({ experimentId: 'holdout-check', customerId: `customer-${i}`, holdoutShare: 0.1, variants, weights });
      counts[a.kind === 'holdout' ? 'holdout' : a.variantId]! += 1;
    }
    const expected = { holdout: 0.1, control: 0.9 * 0.5, bold: 0.9 * 0.3, calm: 0.9 * 0.2 };
    for (const [key, p] of Object.entries(expected)) {
      // Four binomial standard errors.
      expect(Math.abs(counts[key]! / n - p), key).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n));
    }
  });

  it('never moves anyone into or out of the holdout when the weights change', () => {
    for (let i = 0; i < 2000; i++) {
      const before = assignVariant({ experimentId: 'bandit', customerId: `c${i}`, holdoutShare: 0.2, variants, weights: { control: 1, bold: 1, calm: 1 } });
      const after = assignVariant({ experimentId: 'bandit', customerId: `c${i}`, holdoutShare: 0.2, variants, weights: { control: 0.05, bold: 0.9, calm: 0.05 } });
      expect(after.kind === 'holdout').toBe(before.kind === 'holdout');
    }
  });

  it('gives a variant with no weight no one', () => {
    for (let i = 0; i < 1000; i++) {
      const a = assignVariant({ experimentId: 'zero', customerId: `c${i}`, holdoutShare: 0, variants, weights: { control: 0.5, bold: 0, calm: 0.5 } });
      expect(a).not.toEqual({ kind: 'variant', variantId: 'bold' });
    }
  });
});
