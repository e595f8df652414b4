/**
 * Rule-based attribution: each converting journey hands out its conversions
 * and value over its own touches by fixed weights that sum to 1. A key that
 * appears several times on a journey collects the weight of each of its touches.
 * One pass over the journeys, no aggregation needed.
 */
import { CreditTally } from './tally';
import type { Journey, ModelOptions, Touch } from './types';

export type RuleBasedModel = 'first' | 'last' | 'last-non-direct' | 'linear' | 'time-decay' | 'position';

/** Writes the weight of each touch of a journey with n ≥ 1 touches into `weights[0..n)`; they sum to 1. */
type Weights = (touches: readonly Touch[], weights: Float64Array) => void;

const dayMs = 86_400_000;

/** first: w_1 = 1. */
const first: Weights = (touches, weights) => {
  weights.fill(0, 0, touches.length);
  weights[0] = 1;
};

/** last: w_n = 1. */
const last: Weights = (touches, weights) => {
  weights.fill(0, 0, touches.length);
  weights[touches.length - 1] = 1;
};

/**
 * last-non-direct: w_j = 1 for the last touch j with `direct` not true; when every
 * touch is direct, the last touch (direct) keeps the credit, as Google Analytics does.
 */
const lastNonDirect: Weights = (touches, weights) => {
  weights.fill(0, 0, touches.length);
  let j = touches.length - 1;
  while (j > 0 && touches[j]!.direct === true) j--;
  if (touches[j]!.direct === true) j = touches.length - 1;
  weights[j] = 1;
};

/** linear: w_i = 1/n. */
const linear: Weights = (touches, weights) => {
  weights.fill(1 / touches.length, 0, touches.length);
};

/**
 * time-decay with half-life h days: w_i = 2^(-d_i/h) / Σ_j 2^(-d_j/h), with d_i the days
 * from touch i to the conversion. The conversion time cancels out of the normalised
 * weights, so they are computed against the last touch: w_i ∝ 2^(-(t_n - t_i)/(h·1 day)).
 * A journey where some touch has no time (path files) counts its touches one day
 * apart, the last touch on the day of the conversion: d_i = n - i (1-based i).
 */
function timeDecay(halfLifeDays: number): Weights {
  return (touches, weights) => {
    const n = touches.length;
    const timed = touches.every((t) => t.at !== undefined && Number.isFinite(t.at));
    const lastAt = timed ? touches[n - 1]!.at! : 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const daysBefore = timed ? (lastAt - touches[i]!.at!) / dayMs : n - 1 - i;
      const w = 2 ** (-Math.max(0, daysBefore) / halfLifeDays);
      weights[i] = w;
      sum += w;
    }
    for (let i = 0; i < n; i++) weights[i]! /= sum;
  };
}

/**
 * position (U-shaped), with weights f / m / l (default 0.4 / 0.2 / 0.4), normalised by
 * their sum s = f + m + l: one touch takes all; two touches get f/(f+l) and l/(f+l);
 * n ≥ 3 touches get f/s to the first, l/s to the last and m/(s·(n-2)) to each one between.
 */
function position(shares: { first: number; middle: number; last: number }): Weights {
  return (touches, weights) => {
    const n = touches.length;
    if (n === 1) {
      weights[0] = 1;
      return;
    }
    if (n === 2) {
      weights[0] = shares.first / (shares.first + shares.last);
      weights[1] = shares.last / (shares.first + shares.last);
      return;
    }
    const sum = shares.first + shares.middle + shares.last;
    weights.fill(shares.middle / sum / (n - 2), 1, n - 1);
    weights[0] = shares.first / sum;
    weights[n - 1] = shares.last / sum;
  };
}

export const defaultHalfLifeDays = 7;
export const defaultPosition = { first: 0.4, middle: 0.2, last: 0.4 };

function weightsFor(model: RuleBasedModel, options: ModelOptions): Weights {
  switch (model) {
    case 'first':
      return first;
    case 'last':
      return last;
    case 'last-non-direct':
      return lastNonDirect;
    case 'linear':
      return linear;
    case 'time-decay':
      return timeDecay(options.halfLifeDays ?? defaultHalfLifeDays);
    case 'position':
      return position(options.position ?? defaultPosition);
  }
}

/** Credit of `model` over journeys with at least one touch (callers skip the others). */
export function ruleBasedCredit(model: RuleBasedModel, journeys: Iterable<Journey>, options: ModelOptions, tally: CreditTally): void {
  const weigh = weightsFor(model, options);
  let weights = new Float64Array(64);
  for (const journey of journeys) {
    const n = journey.touches.length;
    if (n === 0) continue;
    if (n > weights.length) weights = new Float64Array(Math.max(n, weights.length * 2));
    if (journey.conversions === 0 && journey.value === 0) {
      for (const touch of journey.touches) tally.index(touch.key);
      continue;
    }
    weigh(journey.touches, weights);
    for (let i = 0; i < n; i++) {
      const w = weights[i]!;
      tally.add(tally.index(journey.touches[i]!.key), journey.conversions * w, journey.value * w);
    }
  }
}
