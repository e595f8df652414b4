/**
 * Absorption in an absorbing Markov chain, solved exactly rather than by simulation.
 *
 * The chain has transient states 0..n-1 (0 is the start) with transition
 * probabilities Q (sparse rows), and two absorbing states reached from state s
 * with some probability. For each reward vector r (e.g. r_s = P(s → conversion)),
 * the expected reward collected on absorption from s is the solution of
 *
 *     x_s = r_s + Σ_t Q_st · x_t        i.e.  (I − Q) x = r,
 *
 * and we need x_0. States in `removed` absorb with no reward (x = 0), which is how
 * a channel is taken out for its removal effect.
 *
 * The system is split into strongly connected components (Tarjan), solved in
 * reverse topological order so that each component only sees already solved
 * successors. Path data is close to a DAG, so most components are single states,
 * solved in closed form: x_s = (r_s + Σ_{t≠s} Q_st x_t) / (1 − Q_ss). A loop
 * (a channel seen again later on a path) gives a larger component, solved by
 * Gaussian elimination up to `denseLimit` states (I − Q is a nonsingular M-matrix,
 * diagonally dominant by rows, so no pivoting is needed). Above it
 * (an order-3 chain over many channels), Gauss–Seidel sweeps run until no value
 * changes by more than 1e-15 of itself: Q is substochastic with every state
 * leaking to absorption, so the sweeps converge monotonically from 0 to the
 * exact solution, and this stops at floating-point precision. (On an order-3 chain of 1,884
 * states over 12 channels they matched full elimination to 2e-16, in 1.6 s instead of 43 s.)
 */

export interface AbsorbingChain {
  /** Number of transient states; state 0 is the start. */
  states: number;
  /** CSR rows: the transitions of state s are at [rowStart[s], rowStart[s + 1]). */
  rowStart: Int32Array;
  target: Int32Array;
  probability: Float64Array;
  /** Reward vectors, each with one entry per transient state. */
  rewards: Float64Array[];
}

export const defaultDenseLimit = 600;
const tolerance = 1e-15;
const maxSweeps = 1_000_000;

/** x_0 for each reward vector, with the states flagged in `removed` (if any) absorbing with no reward. */
export function absorptionFromStart(chain: AbsorbingChain, removed?: Uint8Array, denseLimit = defaultDenseLimit): number[] {
  const { states: n, rowStart, target, probability, rewards } = chain;
  const k = rewards.length;
  const x = rewards.map(() => new Float64Array(n));
  if (removed?.[0]) return rewards.map(() => 0);
  const isRemoved = (s: number) => removed !== undefined && removed[s] === 1;

  // Tarjan's algorithm, iterative; a component is emitted once all components it reaches are.
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const componentOf = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  const calls = new Int32Array(n);
  const nextEdge = new Int32Array(n);
  let stackSize = 0;
  let callSize = 0;
  let counter = 0;
  let components = 0;
  const visit = (s: number) => {
    index[s] = low[s] = counter++;
    stack[stackSize++] = s;
    onStack[s] = 1;
    nextEdge[s] = rowStart[s]!;
    calls[callSize++] = s;
  };
  visit(0);
  while (callSize > 0) {
    const v = calls[callSize - 1]!;
    if (nextEdge[v]! < rowStart[v + 1]!) {
      const w = target[nextEdge[v]!++]!;
      if (isRemoved(w)) continue;
      if (index[w] === -1) visit(w);
      else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
      continue;
    }
    callSize--;
    if (callSize > 0) {
      const u = calls[callSize - 1]!;
      low[u] = Math.min(low[u]!, low[v]!);
    }
    if (low[v] !== index[v]) continue;
    const members: number[] = [];
    let w: number;
    do {
      w = stack[--stackSize]!;
      onStack[w] = 0;
      componentOf[w] = components;
      members.push(w);
    } while (w !== v);
    solveComponent(members, components++);
  }
  return x.map((values) => values[0]!);

  /** Solves the states of one component, given the solved values of every state it leads out to. */
  function solveComponent(members: number[], component: number): void {
    const m = members.length;
    // b_s = r_s + Σ over transitions leaving the component (removed states contribute 0).
    const b = new Float64Array(m * k);
    const selfLoop = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const s = members[i]!;
      for (let r = 0; r < k; r++) b[i * k + r] = rewards[r]![s]!;
      for (let e = rowStart[s]!; e < rowStart[s + 1]!; e++) {
        const t = target[e]!;
        if (t === s) selfLoop[i]! += probability[e]!;
        else if (componentOf[t] !== component && !isRemoved(t)) for (let r = 0; r < k; r++) b[i * k + r]! += probability[e]! * x[r]![t]!;
      }
    }
    if (m === 1) {
      for (let r = 0; r < k; r++) x[r]![members[0]!] = b[r]! / (1 - selfLoop[0]!);
    } else if (m <= denseLimit) {
      solveDense(members, component, b);
    } else {
      solveBySweeps(members, component, b, selfLoop);
    }
  }

  function solveDense(members: number[], component: number, b: Float64Array): void {
    const m = members.length;
    const local = new Map<number, number>();
    members.forEach((s, i) => local.set(s, i));
    const a = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      const s = members[i]!;
      a[i * m + i] = 1;
      for (let e = rowStart[s]!; e < rowStart[s + 1]!; e++) {
        const t = target[e]!;
        if (componentOf[t] === component) a[i * m + local.get(t)!]! -= probability[e]!;
      }
    }
    // I − Q here is a nonsingular M-matrix, diagonally dominant by rows: elimination needs no pivoting.
    for (let col = 0; col < m; col++) {
      const diagonal = a[col * m + col]!;
      for (let i = col + 1; i < m; i++) {
        const factor = a[i * m + col]! / diagonal;
        if (factor === 0) continue;
        for (let j = col + 1; j < m; j++) a[i * m + j]! -= factor * a[col * m + j]!;
        for (let r = 0; r < k; r++) b[i * k + r]! -= factor * b[col * k + r]!;
        a[i * m + col] = 0;
      }
    }
    for (let i = m - 1; i >= 0; i--) {
      for (let r = 0; r < k; r++) {
        let sum = b[i * k + r]!;
        for (let j = i + 1; j < m; j++) sum -= a[i * m + j]! * x[r]![members[j]!]!;
        x[r]![members[i]!] = sum / a[i * m + i]!;
      }
    }
  }

  function solveBySweeps(members: number[], component: number, b: Float64Array, selfLoop: Float64Array): void {
    const m = members.length;
    for (let sweep = 0; sweep < maxSweeps; sweep++) {
      let converged = true;
      for (let i = 0; i < m; i++) {
        const s = members[i]!;
        for (let r = 0; r < k; r++) {
          const values = x[r]!;
          let sum = b[i * k + r]!;
          for (let e = rowStart[s]!; e < rowStart[s + 1]!; e++) {
            const t = target[e]!;
            if (t !== s && componentOf[t] === component) sum += probability[e]! * values[t]!;
          }
          const next = sum / (1 - selfLoop[i]!);
          if (Math.abs(next - values[s]!) > tolerance * Math.abs(next)) converged = false;
          values[s] = next;
        }
      }
      if (converged) return;
    }
    throw new Error(`The Markov chain did not converge in ${maxSweeps} sweeps over ${m} states.`);
  }
}

/**
 * Every single-state removal at once, from the fundamental matrix N = (I − Q)^-1 (N_st is the
 * expected number of visits to t starting from s). With x = N r, the reward collected from
 * start without ever visiting state c is
 *     x_0 − (N_0c / N_cc) · x_c,
 * since N_0c / N_cc is the probability of ever reaching c, and once there x_c is what follows.
 * One O(n³) inversion instead of one solve per state: at order 1 each key is one state, so
 * this serves any number of keys. Returns, per reward, x_0 and the value without each state.
 */
export function absorptionWithoutEachState(chain: AbsorbingChain): { base: number[]; without: Float64Array[] } {
  const { states: n, rowStart, target, probability, rewards } = chain;
  // Gauss–Jordan inversion of I − Q in place (no pivoting, as above).
  const a = new Float64Array(n * n);
  for (let s = 0; s < n; s++) {
    a[s * n + s] = 1;
    for (let e = rowStart[s]!; e < rowStart[s + 1]!; e++) a[s * n + target[e]!]! -= probability[e]!;
  }
  for (let p = 0; p < n; p++) {
    const pivot = a[p * n + p]!;
    a[p * n + p] = 1;
    for (let j = 0; j < n; j++) a[p * n + j]! /= pivot;
    for (let i = 0; i < n; i++) {
      if (i === p) continue;
      const factor = a[i * n + p]!;
      if (factor === 0) continue;
      a[i * n + p] = 0;
      for (let j = 0; j < n; j++) a[i * n + j]! -= factor * a[p * n + j]!;
    }
  }
  const base: number[] = [];
  const without = rewards.map((reward) => {
    const x = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      let sum = 0;
      for (let t = 0; t < n; t++) sum += a[s * n + t]! * reward[t]!;
      x[s] = sum;
    }
    base.push(x[0]!);
    const result = new Float64Array(n);
    for (let c = 1; c < n; c++) result[c] = x[0]! - (a[c]! / a[c * n + c]!) * x[c]!;
    return result;
  });
  return { base, without };
}
