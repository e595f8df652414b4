/**
 * Ingest throughput: events per second through `POST /v1/batch` (batches of
 * 100) from a second process, on a fresh PostgreSQL database, against the
 * reference of the same batches inserted straight into a plain table on the
 * same server; then once, shorter, on the embedded PGlite for information.
 */
import { cpus } from 'node:os';
import pg from 'pg';
import { call } from '../hub/hub-under-test';
import { messagesPerBatch } from './batches';
import { createPostgresDatabase, startHubUnderTest, type HubUnderTest } from './hub-under-test';
import type { IngestLoadJob } from './ingest-load';
import type { InsertReferenceJob } from './insert-reference';
import type { IngestLoadResult } from './load-result';
import { runInSecondProcess, type SecondProcessResult } from './second-process';

export interface IngestOptions {
  seconds: number;
  warmupSeconds: number;
  pgliteSeconds: number;
  connections: number;
  users: number;
  /** Events per second the Hub should reach on PostgreSQL. */
  target: number;
}

function row(cells: (string | number)[]): string {
  const widths = [44, 10, 10, 9, 9, 9, 12];
  return cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!))).join('');
}

const fixed = (value: number | null, digits: number) => (value === null ? '-' : value.toFixed(digits));
const printResult = (label: string, result: IngestLoadResult, reference?: IngestLoadResult) =>
  console.log(row([label, result.eventsPerSecond.toFixed(0), result.batchesPerSecond.toFixed(1), fixed(result.p50Ms, 1), fixed(result.p99Ms, 1), result.non2xx + result.errors, reference ? (result.eventsPerSecond / reference.eventsPerSecond).toFixed(3) : '-']));

/** Where the CPU time of the measured run went, per batch: the Hub (this process), PostgreSQL, the sender (the runner), and the rest of the machine. */
function printCpu(rows: { label: string; result: SecondProcessResult; hubInProcess: boolean }[]): void {
  const cells = (label: string, hub: string, postgres: string, rest: string, sender: string, busy: string) => `${label.padEnd(44)}${hub.padStart(12)}${postgres.padStart(12)}${rest.padStart(18)}${sender.padStart(10)}${busy.padStart(14)}`;
  console.log(`CPU ms per batch of ${messagesPerBatch} in the measured runs (${cpus().length} cores; PostgreSQL: its processes for the bench's databases and its writers; "machine, other": every other process):`);
  console.log(cells('', 'Hub (Node)', 'PostgreSQL', 'machine, other', 'sender', 'machine busy'));
  for (const { label, result, hubInProcess } of rows) {
    const perBatch = (ms: number) => (result.batches > 0 ? (ms / result.batches).toFixed(1) : '-');
    const { processMs, machineBusyMs, postgresMs } = result.here;
    const seconds = result.batches / result.batchesPerSecond;
    const rest = machineBusyMs === null ? '-' : perBatch(machineBusyMs - result.cpuMs - (hubInProcess ? processMs : 0) - (postgresMs ?? 0));
    const busy = machineBusyMs === null || !Number.isFinite(seconds) ? '-' : `${((100 * machineBusyMs) / (seconds * 1000 * cpus().length)).toFixed(0)} %`;
    console.log(cells(label, hubInProcess ? perBatch(processMs) : '-', postgresMs === null ? '-' : perBatch(postgresMs), rest, perBatch(result.cpuMs), busy));
  }
}

/** Problems that make these figures measure failures; empty when every batch was answered 2xx and stored. */
function problemsOf(label: string, result: IngestLoadResult): string[] {
  if (result.non2xx > 0 || result.errors > 0 || result.responses === 0) return [`${label}: ${result.non2xx} non-2xx answers and ${result.errors} errors (warm-up included), ${result.responses} answers in the measured run.`];
  return [];
}

async function createWriteKey(hub: HubUnderTest): Promise<string> {
  const created = (await call(hub.url, 'POST', '/v1/write-keys', { name: 'Bench website' }, hub.accessToken)) as { writeKey: string };
  return created.writeKey;
}

async function analyze(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('analyze');
  } finally {
    await client.end();
  }
}

/** Every batch answered 2xx must be stored; batches cut off at the end of each run (one per connection at most) may add a few more. */
async function checkStored(databaseUrl: string, workspaceId: string, runs: IngestLoadResult[], connections: number): Promise<{ summary: string; problems: string[] }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ events: string; profiles: string; identities: string; merges: string }>(
      `select (select count(*) from events where workspace_id = $1) as events, (select count(*) from profiles where workspace_id = $1) as profiles,
        (select count(*) from identities where workspace_id = $1) as identities, (select count(*) from profile_merges where workspace_id = $1) as merges`,
      [workspaceId],
    );
    const stored = { events: Number(rows[0]!.events), profiles: Number(rows[0]!.profiles), identities: Number(rows[0]!.identities), merges: Number(rows[0]!.merges) };
    const succeeded = runs.reduce((sum, run) => sum + run.succeededInAll, 0);
    const least = succeeded * messagesPerBatch;
    const most = (succeeded + runs.length * connections) * messagesPerBatch;
    return {
      summary: `the Hub stored ${stored.events.toLocaleString('en-US')} events (${succeeded.toLocaleString('en-US')} batches answered 2xx, warm-up included), ${stored.profiles.toLocaleString('en-US')} profiles, ${stored.identities.toLocaleString('en-US')} identities, ${stored.merges} merges`,
      problems: stored.events < least || stored.events > most ? [`PostgreSQL: ${stored.events} events stored, but ${succeeded} batches of ${messagesPerBatch} were answered 2xx (expected ${least} to ${most}).`] : [],
    };
  } finally {
    await client.end();
  }
}

/** The Hub on PostgreSQL: a warm-up, a run with the statistics of the empty database, ANALYZE, and the run that counts. */
async function loadHubOnPostgres(databaseUrl: string, options: IngestOptions): Promise<{ emptyStatistics: SecondProcessResult; analysed: SecondProcessResult; stored: string; problems: string[] }> {
  const hub = await startHubUnderTest({ databaseUrl });
  try {
    const job: IngestLoadJob = { url: hub.url, writeKey: await createWriteKey(hub), users: options.users, connections: options.connections, seconds: options.seconds, warmupSeconds: 0 };
    const warmup = options.warmupSeconds > 0 ? [await runInSecondProcess('ingest-load.ts', { ...job, seconds: options.warmupSeconds })] : [];
    // A new workspace runs with the empty database's statistics until autovacuum's first ANALYZE (a minute or so), and from then on with real ones.
    const emptyStatistics = await runInSecondProcess('ingest-load.ts', job);
    await analyze(databaseUrl);
    const analysed = await runInSecondProcess('ingest-load.ts', job);
    const runs = [...warmup, emptyStatistics, analysed];
    const stored = await checkStored(databaseUrl, hub.workspaceId, runs, options.connections);
    return { emptyStatistics, analysed, stored: stored.summary, problems: [...runs.flatMap((run) => problemsOf('PostgreSQL, Hub', run)), ...stored.problems] };
  } finally {
    await hub.stop();
  }
}

async function loadHubOnPGlite(options: IngestOptions): Promise<SecondProcessResult> {
  const hub = await startHubUnderTest({});
  try {
    const job: IngestLoadJob = { url: hub.url, writeKey: await createWriteKey(hub), users: options.users, connections: options.connections, seconds: options.pgliteSeconds, warmupSeconds: Math.min(options.warmupSeconds, 2) };
    return await runInSecondProcess('ingest-load.ts', job);
  } finally {
    await hub.stop();
  }
}

/** Prints the ingest figures; returns the problems found (non-2xx answers, events not stored). */
export async function benchIngest(options: IngestOptions): Promise<string[]> {
  console.log(`\nIngest: POST /v1/batch, ${messagesPerBatch} messages a request (10 % identify, 70 % track, 20 % page over ${options.users.toLocaleString('en-US')} users), ${options.connections} connections from a second process`);
  console.log(`Each run ${options.seconds} s after ${options.warmupSeconds} s warm-up; the Hub's is run twice: with the statistics of the empty database, then after ANALYZE.`);
  const database = await createPostgresDatabase();
  try {
    const hub = await loadHubOnPostgres(database.url, options);
    // With the Hub stopped, so that the two never share the machine.
    const referenceJob: InsertReferenceJob = { databaseUrl: database.url, users: options.users, connections: options.connections, seconds: options.seconds, warmupSeconds: options.warmupSeconds };
    const reference = await runInSecondProcess('insert-reference.ts', referenceJob);
    await database.drop();
    const embedded = await loadHubOnPGlite(options);

    console.log(row(['', 'events/s', 'batches/s', 'p50 ms', 'p99 ms', 'failed', 'x reference']));
    printResult('PostgreSQL reference: INSERT of 100 rows', reference, reference);
    printResult('PostgreSQL Hub, before the first ANALYZE', hub.emptyStatistics, reference);
    printResult('PostgreSQL Hub: POST /v1/batch', hub.analysed, reference);
    printResult(`PGlite Hub: POST /v1/batch (${options.pgliteSeconds} s, information)`, embedded, reference);
    const met = hub.analysed.eventsPerSecond >= options.target;
    console.log(`target ≥ ${options.target.toLocaleString('en-US')} events/s on PostgreSQL: ${met ? 'met' : 'MISSED'} (${hub.analysed.eventsPerSecond.toFixed(0)} events/s, ${(hub.analysed.eventsPerSecond / options.target).toFixed(2)} of the target)`);
    console.log(hub.stored);
    printCpu([
      { label: 'PostgreSQL reference: INSERT of 100 rows', result: reference, hubInProcess: false },
      { label: 'PostgreSQL Hub: POST /v1/batch', result: hub.analysed, hubInProcess: true },
      { label: 'PGlite Hub (the database runs in the Hub)', result: embedded, hubInProcess: true },
    ]);
    return [...hub.problems, ...problemsOf('PostgreSQL, reference', reference), ...problemsOf('PGlite, Hub', embedded)];
  } finally {
    await database.drop();
  }
}
