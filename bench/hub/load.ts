/**
 * The load generator, run as its own process so that it never competes with
 * the Hub for the bench process's event loop. Takes one LoadJob as JSON in
 * argv[2], runs a warm-up and then the measured run, and prints one LoadResult
 * as JSON on stdout.
 */
import autocannon from 'autocannon';

export interface LoadJob {
  url: string;
  method: 'GET' | 'PATCH';
  headers: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  /** Latency of the 2xx answers; null when there were none. */
  p50Ms: number | null;
  p99Ms: number | null;
  responses: number;
  non2xx: number;
  /** Connection errors and timeouts: no answer at all. */
  errors: number;
  /** 2xx answers over warm-up and measured run together: for writes, how many events the audit log gained at least. */
  succeededInAll: number;
}

/** One autocannon run; also keeps each 2xx answer's latency, which autocannon's own histogram rounds to whole milliseconds. */
function run(job: LoadJob, seconds: number): Promise<{ result: autocannon.Result; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url: job.url, method: job.method, headers: job.headers, body: job.body, connections: job.connections, duration: seconds }, (error: unknown, result) =>
      error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve({ result, latenciesMs }),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime);
    });
  });
}

function percentile(sorted: number[], q: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function load(job: LoadJob): Promise<LoadResult> {
  const warmup = job.warmupSeconds > 0 ? (await run(job, job.warmupSeconds)).result : undefined;
  const { result: measured, latenciesMs } = await run(job, job.seconds);
  const sorted = latenciesMs.sort((a, b) => a - b);
  return {
    requestsPerSecond: measured.requests.average,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    responses: measured['1xx'] + measured['2xx'] + measured['3xx'] + measured['4xx'] + measured['5xx'],
    // Warm-up failures count too: a bench that answered errors while warming up measured the wrong thing.
    non2xx: measured.non2xx + (warmup?.non2xx ?? 0),
    errors: measured.errors + (warmup?.errors ?? 0),
    succeededInAll: measured['2xx'] + (warmup?.['2xx'] ?? 0),
  };
}

load(JSON.parse(process.argv[2]!) as LoadJob)
  .then((result) => process.stdout.write(`${JSON.stringify(result)}\n`))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
