/**
 * Markov chain attribution by removal effect (Anderl et al. 2016), of order 1 to 3.
 *
 * Chain. Journeys with the same path are aggregated first. A path k1 > k2 > … > kn
 * observed by w = conversions + nulls journeys walks
 *     start → s1 → s2 → … → sn → conversion (weight: conversions) or null (weight: nulls),
 * with each step weighted w, where for order K the state at step i holds the last
 * min(K, i) keys (k_{i-K+1} … k_i): a path shorter than K keeps its shorter states.
 * Repeated keys are kept (at order 1 a repeat is a self-loop, which does not change any
 * absorption probability). Q_st = count(s → t) / count(s → anything).
 *
 * Conversion probability P = the probability of absorption into conversion from start,
 * solved exactly (see absorbing-chain.ts). Value: the chain also collects, on the
 * conversion step from s, the mean value of the conversions that ended at s; V is the
 * expected value collected from start (the value per journey). On an unchanged chain
 * P = total conversions / journeys and V = total value / journeys.
 *
 * Removal effect of key c: every state that contains c is redirected to null:
 *     RE_c = 1 − P_{−c} / P,    REV_c = 1 − V_{−c} / V.
 * Credit: conversions_c = C · RE_c / Σ_d RE_d and value_c = VAL · REV_c / Σ_d REV_d, with
 * C and VAL the observed conversions and value, so the credits sum to the observed totals
 * and value goes to the keys whose removal loses the most value (not merely the most
 * conversions).
 */
import { absorptionFromStart, type AbsorbingChain } from './absorbing-chain';
import type { CreditTally } from './tally';
import type { Journey } from './types';

interface PathCounts {
  keys: number[];
  conversions: number;
  value: number;
  nulls: number;
}

export interface MarkovDetail {
  order: number;
  /** Transient states of the chain, start excluded. */
  states: number;
  conversionProbability: number;
  valuePerJourney: number;
  removalEffects: { key: string; conversions: number; value: number }[];
}

/** Credits `tally` with the removal-effect shares; returns the chain's figures for `detail`. */
export function markovCredit(journeys: Iterable<Journey>, order: number, tally: CreditTally, totals: () => { conversions: number; value: number }, denseLimit?: number): MarkovDetail {
  const paths = new Map<string, PathCounts>();
  for (const journey of journeys) {
    if (journey.touches.length === 0) continue;
    const keys = journey.touches.map((touch) => tally.index(touch.key));
    const id = keys.join(',');
    const counts = paths.get(id);
    if (counts) {
      counts.conversions += journey.conversions;
      counts.value += journey.value;
      counts.nulls += journey.nulls;
    } else paths.set(id, { keys, conversions: journey.conversions, value: journey.value, nulls: journey.nulls });
  }

  const { chain, keysOfState } = buildChain(paths.values(), order);
  const [conversionProbability = 0, valuePerJourney = 0] = absorptionFromStart(chain, undefined, denseLimit);
  const keyCount = tally.keys.length;
  const removal = new Float64Array(keyCount);
  const valueRemoval = new Float64Array(keyCount);
  for (let c = 0; c < keyCount; c++) {
    const removed = new Uint8Array(chain.states);
    keysOfState.forEach((keys, s) => {
      if (keys.includes(c)) removed[s] = 1;
    });
    const [p = 0, v = 0] = absorptionFromStart(chain, removed, denseLimit);
    removal[c] = conversionProbability > 0 ? Math.max(0, 1 - p / conversionProbability) : 0;
    valueRemoval[c] = valuePerJourney > 0 ? Math.max(0, 1 - v / valuePerJourney) : 0;
  }
  const { conversions, value } = totals();
  const removalSum = removal.reduce((a, b) => a + b, 0);
  const valueRemovalSum = valueRemoval.reduce((a, b) => a + b, 0);
  for (let c = 0; c < keyCount; c++) {
    tally.add(c, removalSum > 0 ? (conversions * removal[c]!) / removalSum : 0, valueRemovalSum > 0 ? (value * valueRemoval[c]!) / valueRemovalSum : 0);
  }
  return {
    order,
    states: chain.states - 1,
    conversionProbability,
    valuePerJourney,
    removalEffects: tally.keys
      .map((key, c) => ({ key, conversions: removal[c]!, value: valueRemoval[c]! }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
  };
}

/** The absorbing chain of order `order` over aggregated paths; state 0 is the start. */
export function buildChain(paths: Iterable<PathCounts>, order: number): { chain: AbsorbingChain; keysOfState: number[][] } {
  const stateByKeys = new Map<string, number>();
  const keysOfState: number[][] = [[]];
  const transitions: Map<number, number>[] = [new Map()];
  const out = [0];
  const conversionsAt = [0];
  const valueAt = [0];
  const stateOf = (keys: number[]): number => {
    const id = keys.join(',');
    let state = stateByKeys.get(id);
    if (state === undefined) {
      state = keysOfState.length;
      stateByKeys.set(id, state);
      keysOfState.push(keys);
      transitions.push(new Map());
      out.push(0);
      conversionsAt.push(0);
      valueAt.push(0);
    }
    return state;
  };
  for (const path of paths) {
    const weight = path.conversions + path.nulls;
    if (weight === 0) continue;
    let from = 0;
    for (let i = 0; i < path.keys.length; i++) {
      const to = stateOf(path.keys.slice(Math.max(0, i + 1 - order), i + 1));
      transitions[from]!.set(to, (transitions[from]!.get(to) ?? 0) + weight);
      out[from]! += weight;
      from = to;
    }
    conversionsAt[from]! += path.conversions;
    valueAt[from]! += path.value;
    out[from]! += weight; // conversions (with their reward) and nulls (none) both leave the chain here
  }

  const states = keysOfState.length;
  const rowStart = new Int32Array(states + 1);
  transitions.forEach((row, s) => (rowStart[s + 1] = rowStart[s]! + row.size));
  const target = new Int32Array(rowStart[states]!);
  const probability = new Float64Array(rowStart[states]!);
  const conversionReward = new Float64Array(states);
  const valueReward = new Float64Array(states);
  transitions.forEach((row, s) => {
    let e = rowStart[s]!;
    // Rows in state order, so that the same journeys give the same chain whatever the order of the Map.
    for (const [t, count] of [...row].sort((a, b) => a[0] - b[0])) {
      target[e] = t;
      probability[e++] = count / out[s]!;
    }
    if (out[s]! > 0) {
      conversionReward[s] = conversionsAt[s]! / out[s]!;
      valueReward[s] = valueAt[s]! / out[s]!;
    }
  });
  return { chain: { states, rowStart, target, probability, rewards: [conversionReward, valueReward] }, keysOfState };
}
