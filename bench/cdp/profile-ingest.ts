/**
 * Where the Hub's own CPU time goes under the ingest load, for work on
 * ingest speed (not part of `npm run bench`): the Hub on a fresh PostgreSQL
 * database, the load from a second process as in the bench, and a CPU
 * profile of the Hub's process over the measured run only, written to
 * KATA_PROFILE_FILE (default ingest.cpuprofile; open it in Chrome DevTools).
 * The CPU time of PostgreSQL's processes for the run is printed beside it.
 *
 * With KATA_PROFILE_EXPLAIN=1, PostgreSQL's auto_explain logs every
 * statement of the database's sessions with its plan and timings (to the
 * server's log), for the database's side of the same work.
 *
 * With KATA_PROFILE_TABLES=1, it prints what the run did to each table per
 * batch: rows inserted and updated, how many updates stayed on their page
 * (heap-only, no index touched), and the heap and index pages it visited;
 * counts that do not depend on how busy the machine is.
 *
 * Run, with the Node flags `npm run hub` gives the Hub:
 * npx tsx --max-semi-space-size=64 bench/cdp/profile-ingest.ts (KATA_BENCH_SECONDS, KATA_BENCH_WARMUP_SECONDS,
 * KATA_BENCH_CONNECTIONS, KATA_BENCH_USERS)
 */
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { Session } from 'node:inspector/promises';
import { undoAll } from './clean-up';
import { admin, call } from '../hub/hub-under-test';
import { createPostgresDatabase, startHubUnderTest } from './hub-under-test';
import type { IngestLoadJob } from './ingest-load';
import { runInSecondProcess } from './second-process';

const seconds = Number(process.env.KATA_BENCH_SECONDS ?? 10);
const connections = Number(process.env.KATA_BENCH_CONNECTIONS ?? 8);
const users = Number(process.env.KATA_BENCH_USERS ?? 50_000);
const warmupSeconds = Number(process.env.KATA_BENCH_WARMUP_SECONDS ?? 3);
const file = process.env.KATA_PROFILE_FILE ?? 'ingest.cpuprofile';

async function main(): Promise<void> {
  const database = await createPostgresDatabase();
  if (process.env.KATA_PROFILE_EXPLAIN === '1') {
    const name = new URL(database.url).pathname.slice(1);
    for (const setting of [`session_preload_libraries = 'auto_explain'`, 'auto_explain.log_min_duration = 0', 'auto_explain.log_analyze = on', 'auto_explain.log_buffers = on', 'auto_explain.log_nested_statements = on']) await admin(`alter database ${name} set ${setting}`);
  }
  const hub = await startHubUnderTest({ databaseUrl: database.url });
  const created = (await call(hub.url, 'POST', '/v1/write-keys', { name: 'Profile' }, hub.accessToken)) as { writeKey: string };
  const job: IngestLoadJob = { url: hub.url, writeKey: created.writeKey, users, connections, seconds: warmupSeconds, warmupSeconds: 0 };
  await runInSecondProcess('ingest-load.ts', job);
  // KATA_PROFILE_FILE=none: no CPU profile, for an outside profiler (perf) that the inspector's own sampling would disturb.
  const session = file === 'none' ? null : new Session();
  session?.connect();
  await session?.post('Profiler.enable');
  await session?.post('Profiler.setSamplingInterval', { interval: 200 });
  await session?.post('Profiler.start');
  const before = process.env.KATA_PROFILE_TABLES === '1' ? await tableCounts(database.url) : null;
  const result = await runInSecondProcess('ingest-load.ts', { ...job, seconds });
  if (before) printTableCounts(before, await tableCounts(database.url), result.batches);
  if (session) await writeFile(file, JSON.stringify((await session.post('Profiler.stop')).profile));
  const perBatch = (ms: number | null) => (ms === null ? '-' : (ms / result.batches).toFixed(2));
  console.log(`${result.eventsPerSecond.toFixed(0)} events/s, ${result.batches} batches; CPU ms per batch: Hub ${perBatch(result.here.processMs)}, PostgreSQL ${perBatch(result.here.postgresMs)}, sender ${perBatch(result.cpuMs)}${session ? `; profile in ${file}` : ''}`);
}

type Counts = Map<string, Record<string, number>>;

/** Per table: rows inserted and updated, heap-only updates, heap and index pages visited (after the backends report them). */
async function tableCounts(url: string): Promise<Counts> {
  // Backends report their counts when idle, at most once a second.
  await sleep(1500);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ relname: string; ins: string; upd: string; hot: string; heap: string; idx: string }>(
      `select t.relname, t.n_tup_ins as ins, t.n_tup_upd as upd, t.n_tup_hot_upd as hot, coalesce(s.heap_blks_hit, 0) + coalesce(s.heap_blks_read, 0) as heap, coalesce(s.idx_blks_hit, 0) + coalesce(s.idx_blks_read, 0) as idx
       from pg_stat_user_tables t join pg_statio_user_tables s using (relid) where t.relname in ('events', 'profiles', 'identities', 'consents', 'consent_history', 'profile_merges')`,
    );
    return new Map(rows.map((r) => [r.relname, { ins: Number(r.ins), upd: Number(r.upd), hot: Number(r.hot), heap: Number(r.heap), idx: Number(r.idx) }]));
  } finally {
    await client.end();
  }
}

function printTableCounts(before: Counts, after: Counts, batches: number): void {
  console.log(`per batch:${['inserted', 'updated', 'heap-only', 'heap pages', 'index pages'].map((h) => h.padStart(13)).join('')}`);
  for (const [table, now] of after) {
    const was = before.get(table) ?? { ins: 0, upd: 0, hot: 0, heap: 0, idx: 0 };
    const cells = (['ins', 'upd', 'hot', 'heap', 'idx'] as const).map((k) => ((now[k]! - (was[k] ?? 0)) / batches).toFixed(1).padStart(13));
    console.log(`${table.padEnd(10)}${cells.join('')}`);
  }
}

main()
  .then(undoAll, async (error: unknown) => {
    console.error(error);
    await undoAll();
    process.exitCode = 1;
  })
  .finally(() => process.exit());
