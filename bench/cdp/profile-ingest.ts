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
 * Run: npx tsx bench/cdp/profile-ingest.ts (KATA_BENCH_SECONDS, KATA_BENCH_CONNECTIONS)
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { undoAll } from './clean-up';
import { admin, call } from '../hub/hub-under-test';
import { createPostgresDatabase, startHubUnderTest } from './hub-under-test';
import type { IngestLoadJob } from './ingest-load';
import { runInSecondProcess } from './second-process';

const seconds = Number(process.env.KATA_BENCH_SECONDS ?? 10);
const connections = Number(process.env.KATA_BENCH_CONNECTIONS ?? 8);
const file = process.env.KATA_PROFILE_FILE ?? 'ingest.cpuprofile';

async function main(): Promise<void> {
  const database = await createPostgresDatabase();
  if (process.env.KATA_PROFILE_EXPLAIN === '1') {
    const name = new URL(database.url).pathname.slice(1);
    for (const setting of [`session_preload_libraries = 'auto_explain'`, 'auto_explain.log_min_duration = 0', 'auto_explain.log_analyze = on', 'auto_explain.log_buffers = on', 'auto_explain.log_nested_statements = on']) await admin(`alter database ${name} set ${setting}`);
  }
  const hub = await startHubUnderTest({ databaseUrl: database.url });
  const created = (await call(hub.url, 'POST', '/v1/write-keys', { name: 'Profile' }, hub.accessToken)) as { writeKey: string };
  const job: IngestLoadJob = { url: hub.url, writeKey: created.writeKey, users: 50_000, connections, seconds: 3, warmupSeconds: 0 };
  await runInSecondProcess('ingest-load.ts', job);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  const result = await runInSecondProcess('ingest-load.ts', { ...job, seconds });
  const { profile } = await session.post('Profiler.stop');
  await writeFile(file, JSON.stringify(profile));
  const perBatch = (ms: number | null) => (ms === null ? '-' : (ms / result.batches).toFixed(2));
  console.log(`${result.eventsPerSecond.toFixed(0)} events/s, ${result.batches} batches; CPU ms per batch: Hub ${perBatch(result.here.processMs)}, PostgreSQL ${perBatch(result.here.postgresMs)}, sender ${perBatch(result.cpuMs)}; profile in ${file}`);
}

main()
  .then(undoAll, async (error: unknown) => {
    console.error(error);
    await undoAll();
    process.exitCode = 1;
  })
  .finally(() => process.exit());
