import { createHash } from 'node:crypto';

/**
 * Which variant a customer sees: a pure function of the experiment id, the
 * customer's id and the weights, so every Hub instance and every call gives
 * the same answer without storing it.
 *
 *   u = first 52 bits of SHA-256("<experimentId>:<customerId>") / 2⁵²   (uniform on [0, 1))
 *   u < holdout                 → held out (no variant)
 *   otherwise v = (u − holdout)/(1 − holdout), and the variant is the first
 *   whose cumulative normalised weight exceeds v (variants in their defined order).
 *
 * The holdout is taken first, so changing the variants' weights (a bandit)
 * never moves anyone into or out of the holdout. A weight change does move
 * some customers between variants; results count each customer in the
 * variant of their first exposure (sent by the client with the exposure).
 */

export type Assignment = { kind: 'variant'; variantId: string } | { kind: 'holdout' };

/** The customer's uniform draw for this experiment, in [0, 1). */
export function assignmentDraw(experimentId: string, customerId: string): number {
  const digest = createHash('sha256').update(`${experimentId}:${customerId}`, 'utf8').digest();
  // 52 bits: 6 whole bytes and the high nibble of the 7th, exact in a double.
  const high = digest.readUIntBE(0, 6);
  const nibble = digest[6]! >>> 4;
  return (high * 16 + nibble) / 2 ** 52;
}

export function assignVariant(options: { experimentId: string; customerId: string; holdoutShare: number; variants: readonly { id: string }[]; weights: Record<string, number> }): Assignment {
  const u = assignmentDraw(options.experimentId, options.customerId);
  if (u < options.holdoutShare) return { kind: 'holdout' };
  const v = (u - options.holdoutShare) / (1 - options.holdoutShare);
  const total = options.variants.reduce((sum, variant) => sum + (options.weights[variant.id] ?? 0), 0);
  let cumulative = 0;
  for (const variant of options.variants) {
    cumulative += (options.weights[variant.id] ?? 0) / total;
    if (v < cumulative) return { kind: 'variant', variantId: variant.id };
  }
  // v is below 1 and the shares sum to 1 up to rounding: the last variant with weight takes what rounding left.
  const last = [...options.variants].reverse().find((variant) => (options.weights[variant.id] ?? 0) > 0) ?? options.variants.at(-1)!;
  return { kind: 'variant', variantId: last.id };
}
