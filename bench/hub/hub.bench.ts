/**
 * Requests per second and latency of the Hub under load from a second process
 * on loopback: an authenticated read and an audited write, each against the
 * reference of `GET /healthz` (no credentials, no database) in the same run,
 * on the embedded PGlite and on a real PostgreSQL.
 * Run: npm run bench:hub (KATA_BENCH_SECONDS, KATA_BENCH_WARMUP_SECONDS,
 * KATA_BENCH_CONNECTIONS, KATA_BENCH_ONLY=pglite|postgresql, KATA_BENCH_POSTGRES_URL)
 */
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { call, startHubUnderTest, type DatabaseKind, type HubUnderTest } from './hub-under-test';
import type { LoadJob, LoadResult } from './load';

const seconds = Number(process.env.KATA_BENCH_SECONDS ?? 8);
const warmupSeconds = Number(process.env.KATA_BENCH_WARMUP_SECONDS ?? 2);
const connections = Number(process.env.KATA_BENCH_CONNECTIONS ?? 10);
const databases: DatabaseKind[] = (['PGlite', 'PostgreSQL'] as const).filter((kind) => !process.env.KATA_BENCH_ONLY || process.env.KATA_BENCH_ONLY.toLowerCase() === kind.toLowerCase());

interface Endpoint {
  label: string;
  method: LoadJob['method'];
  path: string;
  signedIn: boolean;
  body?: unknown;
}

const reference: Endpoint = { label: 'reference: GET /healthz', method: 'GET', path: '/healthz', signedIn: false };
const endpoints: Endpoint[] = [
  reference,
  { label: 'authenticated read: GET /v1/members', method: 'GET', path: '/v1/members', signedIn: true },
  { label: 'audited write: PATCH /v1/workspace', method: 'PATCH', path: '/v1/workspace', signedIn: true, body: { name: 'Bench renamed' } },
];

/** Runs one load in a process of its own (bench/hub/load.ts) and reads its result from stdout. */
function loadFromSecondProcess(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // fork passes on this process's tsx loader, so the runner is TypeScript too.
    const runner = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    let stdout = '';
    runner.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    runner.once('error', reject);
    runner.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`The load runner exited with code ${code}.`));
      try {
        resolve(JSON.parse(stdout) as LoadResult);
      } catch {
        reject(new Error(`The load runner printed no result: ${stdout}`));
      }
    });
  });
}

function row(cells: (string | number)[]): string {
  const widths = [38, 10, 9, 9, 9, 12];
  return cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!))).join('');
}

/** Loads each endpoint in turn and prints its row; stops at the first error answer, so no figure measures failures. */
async function benchDatabase(kind: DatabaseKind, hub: HubUnderTest): Promise<void> {
  console.log(`${kind}: ${connections} connections, ${seconds} s per endpoint after ${warmupSeconds} s warm-up`);
  console.log(row(['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'x reference']));
  const eventsBefore = await verifiedAuditEvents(hub);
  let referenceRate = 0;
  let writes = 0;
  for (const endpoint of endpoints) {
    const result = await loadFromSecondProcess({
      url: `${hub.url}${endpoint.path}`,
      method: endpoint.method,
      headers: { 'user-agent': 'KataBench/1', ...(endpoint.signedIn && { authorization: `Bearer ${hub.accessToken}` }), ...(endpoint.body !== undefined && { 'content-type': 'application/json' }) },
      body: endpoint.body === undefined ? undefined : JSON.stringify(endpoint.body),
      connections,
      seconds,
      warmupSeconds,
    });
    if (endpoint === reference) referenceRate = result.requestsPerSecond;
    if (endpoint.method !== 'GET') writes += result.succeededInAll;
    console.log(row([endpoint.label, result.requestsPerSecond.toFixed(0), result.p50Ms?.toFixed(2) ?? '-', result.p99Ms?.toFixed(2) ?? '-', result.non2xx, (result.requestsPerSecond / referenceRate).toFixed(3)]));
    if (result.non2xx > 0 || result.errors > 0 || result.responses === 0) {
      throw new Error(`${kind}, ${endpoint.label}: ${result.non2xx} non-2xx answers and ${result.errors} connection errors (warm-up included), ${result.responses} answers in the measured run. These figures measure failures, not the Hub's work.`);
    }
  }
  const events = await verifiedAuditEvents(hub);
  // Every write the load saw succeed must be in the log; requests cut off at the end of a run may add a few more.
  if (events < eventsBefore + writes) throw new Error(`${kind}: the audit log verifies with ${events} events, but it had ${eventsBefore} and ${writes} writes succeeded since.`);
  console.log(`audit log after the writes: chain intact, ${events} events verified (${writes} writes answered 2xx)`);
}

/** The number of events in the workspace's audit log, which must verify. */
async function verifiedAuditEvents(hub: HubUnderTest): Promise<number> {
  const verification = (await call(hub.url, 'GET', '/v1/audit/verify', undefined, hub.accessToken)) as { ok: boolean; checked: number; message?: string };
  if (!verification.ok) throw new Error(`The audit log does not verify: ${verification.message ?? JSON.stringify(verification)}`);
  return verification.checked;
}

async function main(): Promise<void> {
  console.log(`Hub under load from a second process on loopback (autocannon), Node ${process.version}`);
  for (const kind of databases) {
    const started = performance.now();
    const hub = await startHubUnderTest(kind);
    console.log(`\n${kind}: the Hub started on a fresh database and the workspace was set up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // Ctrl+C still stops the Hub, which drops the bench's PostgreSQL database.
    const interrupted = () => void hub.stop().finally(() => process.exit(130));
    process.once('SIGINT', interrupted);
    try {
      await benchDatabase(kind, hub);
    } finally {
      process.off('SIGINT', interrupted);
      await hub.stop();
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
