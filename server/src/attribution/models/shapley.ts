/**
 * Shapley value attribution over key coalitions, the "simplified Shapley value" of
 * Zhao et al. (2018, "Shapley Value Methods for Attribution Modeling in Online
 * Advertising").
 *
 * Journeys are grouped by their SET of keys T (order and repeats do not matter);
 * c(T) is the conversions (and, separately, the value) of the journeys with set T.
 * The worth of a coalition S of keys is what the journeys using only keys of S earned:
 *     v(S) = Σ_{T ⊆ S} c(T)                                  (a zeta transform over subsets)
 * and key i is credited its Shapley value over the n keys seen on journeys:
 *     φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S)).
 * Efficiency gives Σ_i φ_i = v(N), the observed total. Up to `maxCoalitionKeys` keys this
 * is computed over all 2^n coalitions. Because v is a sum of unanimity games, it equals
 *     φ_i = Σ_{T ∋ i} c(T) / |T|
 * (each journey's credit split evenly over its distinct keys), which is exact for any
 * number of keys and is used above the limit (e.g. when crediting many campaign keys).
 */
import type { CreditTally } from './tally';
import type { Journey } from './types';

/** Above this many keys the closed form is used instead of enumerating 2^n coalitions. */
export const maxCoalitionKeys = 20;

interface SetCounts {
  keys: number[];
  conversions: number;
  value: number;
}

export function shapleyCredit(journeys: Iterable<Journey>, tally: CreditTally, options: { coalitions?: boolean } = {}): { keys: number; method: 'coalitions' | 'closed form' } {
  const sets = new Map<string, SetCounts>();
  for (const journey of journeys) {
    if (journey.touches.length === 0) continue;
    const keys = [...new Set(journey.touches.map((touch) => tally.index(touch.key)))].sort((a, b) => a - b);
    if (journey.conversions === 0 && journey.value === 0) continue;
    const id = keys.join(',');
    const counts = sets.get(id);
    if (counts) {
      counts.conversions += journey.conversions;
      counts.value += journey.value;
    } else sets.set(id, { keys, conversions: journey.conversions, value: journey.value });
  }
  const n = tally.keys.length;
  const useCoalitions = options.coalitions ?? n <= maxCoalitionKeys;
  if (useCoalitions && n > maxCoalitionKeys) throw new Error(`Shapley over coalitions is limited to ${maxCoalitionKeys} keys; these journeys have ${n}.`);
  const ordered = [...sets.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, counts]) => counts);
  if (useCoalitions) {
    const phi = coalitionShapley(ordered, n);
    for (let i = 0; i < n; i++) tally.add(i, phi.conversions[i]!, phi.value[i]!);
  } else {
    for (const set of ordered) for (const i of set.keys) tally.add(i, set.conversions / set.keys.length, set.value / set.keys.length);
  }
  return { keys: n, method: useCoalitions ? 'coalitions' : 'closed form' };
}

function coalitionShapley(sets: SetCounts[], n: number): { conversions: Float64Array; value: Float64Array } {
  const size = 1 << n;
  const worth = new Float64Array(size);
  const valueWorth = new Float64Array(size);
  for (const set of sets) {
    const mask = set.keys.reduce((m, i) => m | (1 << i), 0);
    worth[mask]! += set.conversions;
    valueWorth[mask]! += set.value;
  }
  // Zeta transform: afterwards worth[S] = Σ_{T ⊆ S} c(T).
  for (let i = 0; i < n; i++) {
    const bit = 1 << i;
    for (let mask = 0; mask < size; mask++) {
      if (mask & bit) {
        worth[mask]! += worth[mask ^ bit]!;
        valueWorth[mask]! += valueWorth[mask ^ bit]!;
      }
    }
  }
  // weight[s] = s! (n − s − 1)! / n! = 1 / (n · C(n − 1, s)).
  const weight = new Float64Array(n);
  let binomial = 1;
  for (let s = 0; s < n; s++) {
    weight[s] = 1 / (n * binomial);
    binomial = (binomial * (n - 1 - s)) / (s + 1);
  }
  const members = new Uint8Array(size);
  for (let mask = 1; mask < size; mask++) members[mask] = members[mask >> 1]! + (mask & 1);
  const conversions = new Float64Array(n);
  const value = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const bit = 1 << i;
    let phi = 0;
    let valuePhi = 0;
    for (let mask = 0; mask < size; mask++) {
      if (mask & bit) continue;
      const w = weight[members[mask]!]!;
      phi += w * (worth[mask | bit]! - worth[mask]!);
      valuePhi += w * (valueWorth[mask | bit]! - valueWorth[mask]!);
    }
    conversions[i] = phi;
    value[i] = valuePhi;
  }
  return { conversions, value };
}
