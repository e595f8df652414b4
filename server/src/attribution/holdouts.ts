import { createHash } from 'node:crypto';

/**
 * Holdouts: a share of a segment withheld from a campaign, and the lift the
 * campaign made.
 *
 * Assignment is a stable hash, never a stored list: a customer is held out
 * when the first 32 bits of SHA-256("<holdout id>:<customer id>"), read as
 * an unsigned number over 2^32, is below the share. The same customer always
 * lands on the same side of the same holdout, on any machine, and different
 * holdouts split independently. (The database computes the same thing in SQL.)
 */
export function holdoutBucket(holdoutId: string, customerId: string): number {
  const digest = createHash('sha256').update(`${holdoutId}:${customerId}`, 'utf8').digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

export function isHeldOut(holdout: { id: string; share: number }, customerId: string): boolean {
  return holdoutBucket(holdout.id, customerId) < holdout.share;
}

/** z for a two-sided 95 % interval. */
const z95 = 1.959963984540054;

/** Wilson's score interval for a proportion x/n. */
export function wilson(x: number, n: number, z = z95): { lower: number; upper: number } {
  if (n === 0) return { lower: 0, upper: 1 };
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

export interface Lift {
  treated: { members: number; converted: number; rate: number | null };
  holdout: { members: number; converted: number; rate: number | null };
  /** Treated rate minus holdout rate (absolute, in conversion-rate points as a fraction). */
  difference: number | null;
  /** difference / holdout rate; null when the holdout converted no one. */
  relativeLift: number | null;
  /** Newcombe's hybrid score interval (method 10), 95 %: sound with small counts and rates near 0. */
  interval: { lower: number; upper: number } | null;
  /** The Wald interval, for comparison: p1 − p2 ± z·√(p1(1−p1)/n1 + p2(1−p2)/n2). */
  waldInterval: { lower: number; upper: number } | null;
  confidence: 0.95;
}

/**
 * The measured lift: the treated conversion rate minus the holdout's, with
 * Newcombe's interval for a difference of two independent proportions:
 * lower = d − √((p1 − l1)² + (u2 − p2)²), upper = d + √((u1 − p1)² + (p2 − l2)²),
 * where (l, u) are each rate's Wilson interval.
 */
export function measureLift(treated: { members: number; converted: number }, holdout: { members: number; converted: number }): Lift {
  const rate = (g: { members: number; converted: number }) => (g.members > 0 ? g.converted / g.members : null);
  const p1 = rate(treated);
  const p2 = rate(holdout);
  const base = { treated: { ...treated, rate: p1 }, holdout: { ...holdout, rate: p2 }, confidence: 0.95 as const };
  if (p1 === null || p2 === null) return { ...base, difference: null, relativeLift: null, interval: null, waldInterval: null };
  const d = p1 - p2;
  const w1 = wilson(treated.converted, treated.members);
  const w2 = wilson(holdout.converted, holdout.members);
  const wald = z95 * Math.sqrt((p1 * (1 - p1)) / treated.members + (p2 * (1 - p2)) / holdout.members);
  return {
    ...base,
    difference: d,
    relativeLift: p2 > 0 ? d / p2 : null,
    interval: { lower: d - Math.sqrt((p1 - w1.lower) ** 2 + (w2.upper - p2) ** 2), upper: d + Math.sqrt((w1.upper - p1) ** 2 + (p2 - w2.lower) ** 2) },
    waldInterval: { lower: d - wald, upper: d + wald },
  };
}
