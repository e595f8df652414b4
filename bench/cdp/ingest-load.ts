/**
 * The ingest load, run as its own process so that it never competes with the
 * Hub for the bench process's event loop: autocannon POSTs /v1/batch, every
 * request a fresh batch of 100 messages (bench/cdp/batches.ts) with the write
 * key as Basic auth. Takes one IngestLoadJob as JSON in argv[2], runs a
 * warm-up and then the measured run, and prints one IngestLoadResult as JSON.
 */
import autocannon from 'autocannon';
import { batchSource, messagesPerBatch } from './batches';
import { cpuSince, sampleCpu } from './cpu-usage';
import { announce, percentile, printResultOf, type IngestLoadResult } from './load-result';

export interface IngestLoadJob {
  /** The Hub's address, e.g. http://127.0.0.1:4123 */
  url: string;
  writeKey: string;
  users: number;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

function run(job: IngestLoadJob, seconds: number): Promise<{ result: autocannon.Result; latenciesMs: number[] }> {
  const batches = batchSource({ users: job.users });
  const latenciesMs: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: job.url,
        connections: job.connections,
        duration: seconds,
        // A batch takes longer than a GET; autocannon's default of 10 s would count a slow commit as an error.
        timeout: 60,
        requests: [
          {
            method: 'POST',
            path: '/v1/batch',
            headers: { 'content-type': 'application/json', 'user-agent': 'KataBench/1', authorization: `Basic ${Buffer.from(`${job.writeKey}:`).toString('base64')}` },
            // Called for every request, so no two requests carry the same message ids.
            setupRequest: (request) => ({ ...request, body: JSON.stringify({ batch: batches.next(), sentAt: new Date().toISOString() }) }),
          },
        ],
      },
      (error: unknown, result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve({ result, latenciesMs })),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) latenciesMs.push(responseTime);
    });
  });
}

async function load(job: IngestLoadJob): Promise<IngestLoadResult> {
  const warmup = job.warmupSeconds > 0 ? (await run(job, job.warmupSeconds)).result : undefined;
  announce('measuring');
  const cpu = sampleCpu();
  const { result: measured, latenciesMs } = await run(job, job.seconds);
  const cpuMs = cpuSince(cpu).processMs;
  announce('measured');
  const sorted = latenciesMs.sort((a, b) => a - b);
  const batchesPerSecond = measured['2xx'] / measured.duration;
  return {
    eventsPerSecond: batchesPerSecond * messagesPerBatch,
    batchesPerSecond,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    responses: measured['1xx'] + measured['2xx'] + measured['3xx'] + measured['4xx'] + measured['5xx'],
    non2xx: measured.non2xx + (warmup?.non2xx ?? 0),
    errors: measured.errors + (warmup?.errors ?? 0),
    succeededInAll: measured['2xx'] + (warmup?.['2xx'] ?? 0),
    batches: measured['2xx'],
    cpuMs,
  };
}

printResultOf(load(JSON.parse(process.argv[2]!) as IngestLoadJob));
