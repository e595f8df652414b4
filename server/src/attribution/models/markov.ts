/**
 * Markov chain attribution by removal effect (Anderl et al. 2016), of order 1 to 3.
 *
 * Chain. A path k1 > k2 > … > kn observed by w = conversions + nulls journeys walks
 *     start → s1 → s2 → … → sn → conversion (weight: conversions) or null (weight: nulls),
 * with each step weighted w, where for order K the state at step i holds the last
 * min(K, i) keys (k_{i-K+1} … k_i): a path shorter than K keeps its shorter states.
 * Repeated keys are kept (at order 1 a repeat is a self-loop, which does not change any
 * absorption probability). Q_st = count(s → t) / count(s → anything). The counts are summed
 * journey by journey straight into the chain (one map look-up per touch, no path strings),
 * so a million journeys cost little more than reading them.
 *
 * Conversion probability P = the probability of absorption into conversion from start,
 * solved exactly (see absorbing-chain.ts). Value: the chain also collects, on the
 * conversion step from s, the mean value of the conversions that ended at s; V is the
 * expected value collected from start (the value per journey). On an unchanged chain
 * P = total conversions / journeys and V = total value / journeys.
 *
 * Removal effect of key c: every state that contains c is redirected to null:
 *     RE_c = 1 − P_{−c} / P,    REV_c = 1 − V_{−c} / V.
 * At order 1 (up to 1,500 keys) all of them come from one inversion of I − Q; otherwise the
 * chain is solved again without each key's states.
 * Credit: conversions_c = C · RE_c / Σ_d RE_d and value_c = VAL · REV_c / Σ_d REV_d, with
 * C and VAL the observed conversions and value, so the credits sum to the observed totals
 * and value goes to the keys whose removal loses the most value (not merely the most
 * conversions).
 */
import { absorptionFromStart, absorptionWithoutEachState, type AbsorbingChain } from './absorbing-chain';
import type { CreditTally } from './tally';
import type { Journey } from './types';

/** At order 1 up to this many keys, all removal effects come from one matrix inversion (see absorbing-chain.ts). */
const maxInvertedStates = 1_500;

export interface MarkovDetail {
  order: number;
  /** Transient states of the chain, start excluded. */
  states: number;
  conversionProbability: number;
  valuePerJourney: number;
  removalEffects: { key: string; conversions: number; value: number }[];
}

/**
 * Credits `tally` with the removal-effect shares; returns the chain's figures for `detail`.
 * `denseLimit` is for tests: giving it also turns off the order-1 inversion, so both ways can be compared.
 */
export function markovCredit(journeys: Iterable<Journey>, order: number, tally: CreditTally, totals: () => { conversions: number; value: number }, denseLimit?: number): MarkovDetail {
  const counts = new ChainCounts(order);
  const keys: number[] = [];
  for (const journey of journeys) {
    keys.length = 0;
    for (const touch of journey.touches) keys.push(tally.index(touch.key));
    counts.add(keys, journey);
  }
  const { chain, keysOfState } = counts.chain();
  const keyCount = tally.keys.length;
  const removal = new Float64Array(keyCount);
  const valueRemoval = new Float64Array(keyCount);
  let conversionProbability: number;
  let valuePerJourney: number;
  const effect = (base: number, without: number) => (base > 0 ? Math.max(0, 1 - without / base) : 0);
  if (order === 1 && chain.states <= maxInvertedStates && denseLimit === undefined) {
    // Each key is one state: every removal from one inversion.
    const { base, without } = absorptionWithoutEachState(chain);
    [conversionProbability = 0, valuePerJourney = 0] = base;
    keysOfState.forEach((keys, s) => {
      if (s === 0) return;
      removal[keys[0]!] = effect(conversionProbability, without[0]![s]!);
      valueRemoval[keys[0]!] = effect(valuePerJourney, without[1]![s]!);
    });
  } else {
    [conversionProbability = 0, valuePerJourney = 0] = absorptionFromStart(chain, undefined, denseLimit);
    for (let c = 0; c < keyCount; c++) {
      const removed = new Uint8Array(chain.states);
      keysOfState.forEach((keys, s) => {
        if (keys.includes(c)) removed[s] = 1;
      });
      const [p = 0, v = 0] = absorptionFromStart(chain, removed, denseLimit);
      removal[c] = effect(conversionProbability, p);
      valueRemoval[c] = effect(valuePerJourney, v);
    }
  }
  const { conversions, value } = totals();
  const removalSum = removal.reduce((a, b) => a + b, 0);
  // Value only on journeys that neither converted nor failed (odd data) never enters the chain: share it like conversions,
  // and when nothing converted at all, equally over the keys seen, so that the credits still sum to the observed value.
  const valueShares = valueRemoval.some((e) => e > 0) ? valueRemoval : removal.some((e) => e > 0) ? removal : new Float64Array(keyCount).fill(1);
  const valueSharesSum = valueShares.reduce((a, b) => a + b, 0);
  for (let c = 0; c < keyCount; c++) {
    tally.add(c, removalSum > 0 ? (conversions * removal[c]!) / removalSum : 0, valueSharesSum > 0 ? (value * valueShares[c]!) / valueSharesSum : 0);
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

/** Keys are packed 16 bits each into a state's code, so a chain holds at most this many keys. */
export const maxMarkovKeys = 0xffff;
const keyBase = 0x10000;

/**
 * Transition counts, accumulated journey by journey with no allocation: a state is coded as a
 * number holding its (up to 3) key indices + 1 in 16-bit digits, so a shorter state at the start
 * of a path (leading zero digits) never meets a full one.
 */
class ChainCounts {
  private readonly stateByCode = new Map<number, number>();
  private readonly codes: number[] = [0];
  private readonly transitions: Map<number, number>[] = [new Map()];
  private readonly out: number[] = [0];
  private readonly conversionsAt: number[] = [0];
  private readonly valueAt: number[] = [0];
  private readonly carried: number;

  constructor(private readonly order: number) {
    this.carried = keyBase ** (order - 1);
  }

  add(keys: readonly number[], counts: { conversions: number; value: number; nulls: number }): void {
    const weight = counts.conversions + counts.nulls;
    if (keys.length === 0 || weight === 0) return;
    let from = 0;
    let code = 0;
    for (const key of keys) {
      if (key >= maxMarkovKeys) throw new Error(`The Markov model handles at most ${maxMarkovKeys} distinct keys.`);
      code = (code % this.carried) * keyBase + key + 1;
      const to = this.state(code);
      const row = this.transitions[from]!;
      row.set(to, (row.get(to) ?? 0) + weight);
      this.out[from]! += weight;
      from = to;
    }
    this.conversionsAt[from]! += counts.conversions;
    this.valueAt[from]! += counts.value;
    this.out[from]! += weight; // conversions (with their reward) and nulls (none) leave the chain here
  }

  private state(code: number): number {
    let state = this.stateByCode.get(code);
    if (state === undefined) {
      state = this.codes.length;
      this.stateByCode.set(code, state);
      this.codes.push(code);
      this.transitions.push(new Map());
      this.out.push(0);
      this.conversionsAt.push(0);
      this.valueAt.push(0);
    }
    return state;
  }

  chain(): { chain: AbsorbingChain; keysOfState: number[][] } {
    const states = this.codes.length;
    const keysOfState = this.codes.map((code) => {
      const keys: number[] = [];
      for (let rest = code; rest > 0; rest = Math.floor(rest / keyBase)) keys.unshift((rest % keyBase) - 1);
      return keys;
    });
    const rowStart = new Int32Array(states + 1);
    this.transitions.forEach((row, s) => (rowStart[s + 1] = rowStart[s]! + row.size));
    const target = new Int32Array(rowStart[states]!);
    const probability = new Float64Array(rowStart[states]!);
    const conversionReward = new Float64Array(states);
    const valueReward = new Float64Array(states);
    this.transitions.forEach((row, s) => {
      const out = this.out[s]!;
      let e = rowStart[s]!;
      // Each row in state order, whatever the order its transitions were first seen in.
      for (const [t, count] of [...row].sort((a, b) => a[0] - b[0])) {
        target[e] = t;
        probability[e++] = count / out;
      }
      if (out > 0) {
        conversionReward[s] = this.conversionsAt[s]! / out;
        valueReward[s] = this.valueAt[s]! / out;
      }
    });
    return { chain: { states, rowStart, target, probability, rewards: [conversionReward, valueReward] }, keysOfState };
  }
}

/** The absorbing chain of order `order` over paths of key indices; state 0 is the start. */
export function buildChain(paths: Iterable<{ keys: number[]; conversions: number; value: number; nulls: number }>, order: number): { chain: AbsorbingChain; keysOfState: number[][] } {
  const counts = new ChainCounts(order);
  for (const path of paths) counts.add(path.keys, path);
  return counts.chain();
}
