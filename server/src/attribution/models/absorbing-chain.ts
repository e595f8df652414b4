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
 * Gaussian elimination with partial pivoting up to `denseLimit` states. Above it
 * (an order-3 chain over many channels), Gauss–Seidel sweeps run until no value
 * changes by more than 1e-15 of itself: Q is substochastic with every state
 * leaking to absorption, so the sweeps converge monotonically from 0 to the
 * exact solution, and this stops at floating-point precision.
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
    for (let col = 0; col < m; col++) {
      let pivot = col;
      for (let i = col + 1; i < m; i++) if (Math.abs(a[i * m + col]!) > Math.abs(a[pivot * m + col]!)) pivot = i;
      if (pivot !== col) {
        for (let j = col; j < m; j++) [a[col * m + j], a[pivot * m + j]] = [a[pivot * m + j]!, a[col * m + j]!];
        for (let r = 0; r < k; r++) [b[col * k + r], b[pivot * k + r]] = [b[pivot * k + r]!, b[col * k + r]!];
      }
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
