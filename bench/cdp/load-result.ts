/** What the Hub's ingest load and the direct-insert reference both report, each from a process of its own. */
export interface IngestLoadResult {
  /** Messages in batches answered 2xx (or inserted), per second of the measured run. */
  eventsPerSecond: number;
  batchesPerSecond: number;
  /** Latency of the 2xx answers (or inserts); null when there were none. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Answers (or inserts) in the measured run. */
  responses: number;
  /** Answers other than 2xx, warm-up included. */
  non2xx: number;
  /** Connection errors and timeouts (or failed inserts), warm-up included: no answer at all. */
  errors: number;
  /** Batches answered 2xx over warm-up and measured run: the store holds at least this many times 100 messages. */
  succeededInAll: number;
  /** Batches answered 2xx (or inserted) in the measured run. */
  batches: number;
  /** CPU time the runner itself spent in the measured run, building and sending batches. */
  cpuMs: number;
}

export function percentile(sorted: number[], q: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Tells the bench, which samples CPU time then, that the measured run starts ('measuring') or ends ('measured'). */
export function announce(phase: 'measuring' | 'measured'): void {
  process.send?.(phase);
}

/** Runs a runner's main function and prints its result as one line of JSON, which the bench reads. */
export function printResultOf(work: Promise<IngestLoadResult>): void {
  work
    .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
