import { StatsInputError } from '../stats/moments';

/**
 * Reallocating a fixed budget across channels to earn the most, each channel
 * kept within its bounds:
 *
 *   maximize Σ_c R_c(x_c)   subject to   Σ_c x_c = B,   lo_c ≤ x_c ≤ hi_c
 *
 * where R_c is the channel's return per period at a steady spend x_c per
 * period (see steadyReturn). Hill curves with s > 1 are S-shaped, so the
 * problem is not concave and equal-marginal-return water-filling can stop at
 * the wrong point. Instead:
 *   1. greedy: from the lower bounds, give each step (B/200) to the channel
 *      whose return grows most from it;
 *   2. local search, from that start and from the current split: move money
 *      between the pair of channels that gains most, halving the step when no
 *      move gains, down to B·10⁻⁷;
 *   3. keep the better of the two, which by construction earns at least what
 *      the current split earns.
 * Every move stays within the bounds, so no answer ever breaks one.
 */

export interface BudgetChannel {
  name: string;
  /** What the channel spends per period now. */
  current: number;
  min: number;
  max: number;
  /** Return per period at a steady spend per period. */
  returnAt: (spend: number) => number;
}

export interface BudgetAdvice {
  budget: number;
  channels: { name: string; current: number; proposed: number; currentReturn: number; expectedReturn: number }[];
  currentReturn: number;
  expectedReturn: number;
}

export function reallocateBudget(channels: BudgetChannel[], budget: number): BudgetAdvice {
  for (const c of channels) if (!(c.min >= 0 && c.min <= c.max)) throw new StatsInputError(`channel "${c.name}": its bounds must satisfy 0 ≤ min ≤ max (got ${c.min} and ${c.max})`);
  const floor = channels.reduce((s, c) => s + c.min, 0);
  const ceiling = channels.reduce((s, c) => s + c.max, 0);
  if (budget < floor * (1 - 1e-12)) throw new StatsInputError(`the budget ${budget} is less than the channels' minimums add up to (${floor})`);
  if (budget > ceiling * (1 + 1e-12)) throw new StatsInputError(`the budget ${budget} is more than the channels' maximums allow (${ceiling})`);

  const total = (x: number[]) => x.reduce((s, spend, i) => s + channels[i]!.returnAt(spend), 0);
  const candidates = [improve(greedy(channels, budget), channels, budget)];
  const current = channels.map((c) => c.current);
  const currentFeasible = channels.every((c) => c.current >= c.min && c.current <= c.max) && Math.abs(current.reduce((s, x) => s + x, 0) - budget) <= 1e-9 * Math.max(1, budget);
  if (currentFeasible) candidates.push(improve(current, channels, budget));
  const proposed = candidates.reduce((best, x) => (total(x) > total(best) ? x : best));

  const rows = channels.map((c, i) => ({ name: c.name, current: c.current, proposed: proposed[i]!, currentReturn: c.returnAt(c.current), expectedReturn: c.returnAt(proposed[i]!) }));
  return { budget, channels: rows, currentReturn: total(current), expectedReturn: total(proposed) };
}

function greedy(channels: BudgetChannel[], budget: number): number[] {
  const x = channels.map((c) => c.min);
  let left = budget - x.reduce((s, v) => s + v, 0);
  const step = budget / 200;
  while (left > budget * 1e-12) {
    let best = -1;
    let bestGain = -Infinity;
    let bestAmount = 0;
    channels.forEach((c, i) => {
      const amount = Math.min(step, left, c.max - x[i]!);
      if (amount <= 0) return;
      const gain = (c.returnAt(x[i]! + amount) - c.returnAt(x[i]!)) / amount;
      if (gain > bestGain) [best, bestGain, bestAmount] = [i, gain, amount];
    });
    if (best < 0) break;
    x[best] = Math.min(channels[best]!.max, x[best]! + bestAmount);
    left -= bestAmount;
  }
  return x;
}

function improve(start: number[], channels: BudgetChannel[], budget: number): number[] {
  const x = [...start];
  for (let step = budget / 200; step > budget * 1e-7; step /= 2) {
    for (;;) {
      let move: { from: number; to: number; amount: number; gain: number } | null = null;
      for (let from = 0; from < channels.length; from++) {
        for (let to = 0; to < channels.length; to++) {
          if (from === to) continue;
          const amount = Math.min(step, x[from]! - channels[from]!.min, channels[to]!.max - x[to]!);
          if (amount <= 0) continue;
          const gain = channels[from]!.returnAt(x[from]! - amount) - channels[from]!.returnAt(x[from]!) + channels[to]!.returnAt(x[to]! + amount) - channels[to]!.returnAt(x[to]!);
          if (gain > (move?.gain ?? 1e-12 * Math.max(1, Math.abs(channels[to]!.returnAt(x[to]!))))) move = { from, to, amount, gain };
        }
      }
      if (!move) break;
      // Clamped, so rounding can never carry a channel past its bound.
      x[move.from] = Math.max(channels[move.from]!.min, x[move.from]! - move.amount);
      x[move.to] = Math.min(channels[move.to]!.max, x[move.to]! + move.amount);
    }
  }
  return x;
}
