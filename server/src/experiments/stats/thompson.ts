import beta from '@stdlib/random-base-beta';
import normal from '@stdlib/random-base-normal';
import { StatsInputError, sampleMoments, type MeanTotals, type ProportionTotals } from './moments';

/**
 * Multi-armed bandit traffic weights by Thompson sampling: each arm gets the
 * share of traffic equal to the posterior probability that it is the best arm,
 * estimated by drawing once from every arm's posterior, `draws` times, and
 * counting which arm's draw is highest.
 *
 *   conversions   Beta(1 + conversions, 1 + n − conversions)   (uniform prior)
 *   means         N(ȳ, s²/n)                                    (flat prior, normal approximation)
 *
 * Then two guards that a live experiment needs:
 *   - a minimum share m per arm, so no arm starves and its estimate keeps
 *     improving: w'ᵢ = m + (1 − k·m)·wᵢ (k arms; needs k·m ≤ 1);
 *   - no re-weighting until every arm has `minimumUnits` units: until then
 *     the weights stay as they were (equal by default), since a handful of
 *     early conversions would otherwise decide the traffic.
 *
 * The draws come from a seeded Mersenne Twister (stdlib), so the same totals
 * and seed always give the same weights.
 */

export type BanditArm = ({ name: string } & ProportionTotals) | ({ name: string } & MeanTotals);

export interface ThompsonOptions {
  /** The smallest share any arm gets, 0 ≤ m ≤ 1/k (e.g. 0.05). */
  minimumShare: number;
  /** Units every arm needs before the weights move from `currentWeights`. */
  minimumUnits: number;
  /** Monte Carlo draws; the weights' error is about √(w(1 − w)/draws). */
  draws: number;
  /** Any integer; the same seed and totals give the same weights. */
  seed: number;
  /** The weights in force now, kept while some arm has too few units; equal when left out. */
  currentWeights?: number[] | undefined;
}

export interface ThompsonWeights {
  /** Traffic shares, in the order of the arms, summing to 1. */
  weights: number[];
  /** P(arm is best) before the minimum share; null when not re-weighted yet. */
  chanceToBeBest: number[] | null;
  /** False while some arm has fewer than minimumUnits units. */
  reweighted: boolean;
}

export function thompsonWeights(arms: BanditArm[], options: ThompsonOptions): ThompsonWeights {
  const k = arms.length;
  if (k < 2) throw new StatsInputError('a bandit needs at least two arms');
  if (!(options.minimumShare >= 0 && options.minimumShare * k <= 1)) throw new StatsInputError(`minimumShare must be between 0 and 1/${k} for ${k} arms (got ${options.minimumShare})`);
  if (options.currentWeights && options.currentWeights.length !== k) throw new StatsInputError(`currentWeights has ${options.currentWeights.length} weights for ${k} arms`);
  const starved = arms.filter((arm) => arm.n < options.minimumUnits);
  if (starved.length > 0) return { weights: options.currentWeights ?? arms.map(() => 1 / k), chanceToBeBest: null, reweighted: false };

  // One stream per arm, from the seed and the arm's position: [seed, i] as a Mersenne Twister seed array.
  const samplers = arms.map((arm, i) => posteriorSampler(arm, [options.seed >>> 0, i]));
  const wins = arms.map(() => 0);
  const draw = arms.map(() => 0);
  for (let d = 0; d < options.draws; d++) {
    let best = 0;
    for (let i = 0; i < k; i++) {
      draw[i] = samplers[i]!();
      if (draw[i]! > draw[best]!) best = i;
    }
    wins[best]! += 1;
  }
  const chanceToBeBest = wins.map((w) => w / options.draws);
  const weights = chanceToBeBest.map((p) => options.minimumShare + (1 - k * options.minimumShare) * p);
  return { weights, chanceToBeBest, reweighted: true };
}

/** A seeded sampler of one arm's posterior. */
function posteriorSampler(arm: BanditArm, seed: number[]): () => number {
  if ('conversions' in arm) return beta.factory(1 + arm.conversions, 1 + arm.n - arm.conversions, { seed });
  if (arm.n < 2) throw new StatsInputError(`arm "${arm.name}" has ${arm.n} units: a mean needs at least 2 (raise minimumUnits)`);
  const { mean, variance } = sampleMoments(arm);
  // A constant metric has no spread to sample; a tiny one keeps ties broken at random.
  return normal.factory(mean, Math.sqrt(Math.max(variance, Number.EPSILON) / arm.n), { seed });
}
