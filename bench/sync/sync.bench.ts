/**
 * Sync between a client and the Hub on loopback, on the real PostgreSQL:
 * push 10,000 outbox mutations (batches of 500, one after another, as
 * Studio's engine sends them) and pull them back (pages of 1,000), each way
 * against the target of under 5 s, and against a reference measured in the
 * same run: the same rows written straight into a plain table with one
 * multi-row INSERT per batch and read back in keyset pages, with no HTTP and
 * no Hub. The Hub's database is dropped at the end; the exit code is 1 when
 * an answer was wrong or a target was missed.
 * Run: npm run bench:sync (KATA_BENCH_MUTATIONS, KATA_BENCH_POSTGRES_URL)
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { OutboxMutation } from '../../src/shared/sync/mutation';
import { maxPullPage, maxPushBatch, type PullResponse, type PushResponse } from '../../src/shared/sync/protocol';
import { call, startHubUnderTest } from '../hub/hub-under-test';

const mutationCount = Number(process.env.KATA_BENCH_MUTATIONS ?? 10_000);
const targetSeconds = 5;

function campaignCreate(i: number): OutboxMutation {
  return {
    id: randomUUID(),
    recordType: 'campaign',
    recordId: `campaign-${String(i).padStart(6, '0')}`,
    op: 'create',
    baseRev: 0,
    changes: { name: `Campaign ${i}`, status: 'draft', budget: 1000 + i, channels: ['tiktok', 'reels'], startsOn: '2026-12-01', brief: 'Launch the spring line with three creators.' },
    deviceTime: new Date().toISOString(),
  };
}

function batchesOf<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

interface Leg {
  seconds: number;
  count: number;
}

async function pushAll(hub: { url: string; accessToken: string }, mutations: OutboxMutation[], deviceId: string): Promise<Leg & { problems: string[] }> {
  const problems: string[] = [];
  const started = performance.now();
  for (const batch of batchesOf(mutations, maxPushBatch)) {
    const { results } = (await call(hub.url, 'POST', '/v1/sync/push', { deviceId, mutations: batch }, hub.accessToken)) as PushResponse;
    const applied = results.filter((r) => r.status === 'applied' && r.version === 1).length;
    if (applied !== batch.length) problems.push(`a batch of ${batch.length} was answered with ${applied} applied creates`);
  }
  return { seconds: (performance.now() - started) / 1000, count: mutations.length, problems };
}

async function pullAll(hub: { url: string; accessToken: string }): Promise<Leg & { recordIds: string[] }> {
  const recordIds: string[] = [];
  const started = performance.now();
  let cursor: string | undefined;
  for (;;) {
    const page = (await call(hub.url, 'GET', `/v1/sync/pull?limit=${maxPullPage}${cursor ? `&cursor=${cursor}` : ''}`, undefined, hub.accessToken)) as PullResponse;
    for (const change of page.changes) recordIds.push(change.recordId);
    cursor = page.cursor;
    if (!page.more) break;
  }
  return { seconds: (performance.now() - started) / 1000, count: recordIds.length, recordIds };
}

/** The floor: the same rows into and out of a plain table on the same server, one statement per batch or page. */
async function reference(databaseUrl: string, mutations: OutboxMutation[]): Promise<{ push: Leg; pull: Leg }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('create table bench_sync_reference (record_id text primary key, fields jsonb not null, change_seq bigint not null unique)');
    let seq = 0;
    const pushStarted = performance.now();
    for (const batch of batchesOf(mutations, maxPushBatch)) {
      const values = batch.map((_, row) => `($${row * 3 + 1}, $${row * 3 + 2}, $${row * 3 + 3})`).join(', ');
      await client.query(`insert into bench_sync_reference (record_id, fields, change_seq) values ${values}`, batch.flatMap((m) => [m.recordId, JSON.stringify(m.changes), ++seq]));
    }
    const push = { seconds: (performance.now() - pushStarted) / 1000, count: mutations.length };
    const pullStarted = performance.now();
    let after = 0;
    let count = 0;
    for (;;) {
      const { rows } = await client.query<{ record_id: string; fields: unknown; change_seq: string }>('select record_id, fields, change_seq from bench_sync_reference where change_seq > $1 order by change_seq limit $2', [after, maxPullPage]);
      count += rows.length;
      if (rows.length < maxPullPage) break;
      after = Number(rows.at(-1)!.change_seq);
    }
    return { push, pull: { seconds: (performance.now() - pullStarted) / 1000, count } };
  } finally {
    await client.query('drop table if exists bench_sync_reference').catch(() => undefined);
    await client.end();
  }
}

const row = (cells: (string | number)[]) => cells.map((c, i) => String(c).padStart(i === 0 ? 0 : 12).padEnd(i === 0 ? 28 : 0)).join('');

async function main(): Promise<number> {
  console.log(`Sync between a client and the Hub on loopback, real PostgreSQL, Node ${process.version}: ${mutationCount} mutations, pushed in batches of ${maxPushBatch}, pulled in pages of ${maxPullPage}`);
  const hub = await startHubUnderTest('PostgreSQL');
  const problems: string[] = [];
  try {
    const mutations = Array.from({ length: mutationCount }, (_, i) => campaignCreate(i));
    const deviceId = randomUUID();
    const pushed = await pushAll(hub, mutations, deviceId);
    problems.push(...pushed.problems);
    const pulled = await pullAll(hub);
    if (pulled.count !== mutationCount || new Set(pulled.recordIds).size !== mutationCount) problems.push(`pulled ${pulled.count} changes (${new Set(pulled.recordIds).size} records) instead of ${mutationCount}`);
    // A resent batch must apply nothing.
    const replay = (await call(hub.url, 'POST', '/v1/sync/push', { deviceId, mutations: mutations.slice(0, maxPushBatch) }, hub.accessToken)) as PushResponse;
    if (replay.results.some((r) => r.status !== 'applied' || r.version !== 1)) problems.push('a resent batch was not answered with the first answers');
    if ((await pullAll(hub)).count !== mutationCount) problems.push('a resent batch changed the records');

    const floor = await reference(hub.databaseUrl!, mutations);
    console.log(row(['', 'seconds', 'mutations/s', 'target s', 'reference s', 'x reference']));
    for (const [label, leg, ref] of [['push (POST /v1/sync/push)', pushed, floor.push], ['pull (GET /v1/sync/pull)', pulled, floor.pull]] as const) {
      console.log(row([label, leg.seconds.toFixed(2), (leg.count / leg.seconds).toFixed(0), `< ${targetSeconds}`, ref.seconds.toFixed(3), (leg.seconds / ref.seconds).toFixed(1)]));
      if (leg.seconds >= targetSeconds) problems.push(`${label} took ${leg.seconds.toFixed(2)} s, over the target of ${targetSeconds} s`);
    }
  } finally {
    await hub.stop();
  }
  for (const problem of problems) console.error(`FAILED: ${problem}`);
  return problems.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
