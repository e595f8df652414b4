/**
 * CRM connector push on the real PostgreSQL: 100,000 consented segment
 * members pushed to the local HubSpot fake under a realistic rate limit (190
 * requests per rolling 10 seconds, a Professional/Enterprise private app,
 * with 40 ms of network latency per answer). Prints the wall time, records
 * per second, the 429s met, and the share of the rate limit used: per full
 * window of the limit's length, the requests sent over the requests allowed.
 * Targets: above 90 % of the allowed rate, every record in HubSpot, zero
 * records failed after retries. The database is dropped at the end; the exit
 * code is 1 when a target is missed.
 * Run: npm run bench:connectors (KATA_BENCH_MEMBERS, KATA_BENCH_HUBSPOT_MAX,
 * KATA_BENCH_HUBSPOT_INTERVAL_MS, KATA_BENCH_LATENCY_MS, KATA_BENCH_POSTGRES_URL)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { sealCredentials } from '../../server/src/connectors/credentials';
import { runConnectorSync } from '../../server/src/connectors/sync-run';
import { createConnection } from '../../server/src/db/connector-store';
import { openDatabase, type HubDatabase } from '../../server/src/db/database';
import { PersonalDataCipher } from '../../server/src/privacy/personal-data';
import { startFakeHubspot } from '../../server/test/fakes/hubspot';

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a number above 0, not "${process.env[name]}".`);
  return value;
};
const members = number('KATA_BENCH_MEMBERS', 100_000);
const max = number('KATA_BENCH_HUBSPOT_MAX', 190);
const intervalMs = number('KATA_BENCH_HUBSPOT_INTERVAL_MS', 10_000);
const latencyMs = number('KATA_BENCH_LATENCY_MS', 40);
const adminUrl = process.env.KATA_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const targetShare = 0.9;

async function withAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A workspace with `members` customers (sealed email and name, email-marketing consent) in one snapshotted segment bound to a connection. */
async function seed(database: HubDatabase, cipher: PersonalDataCipher, hubspot: { url: string; token: string }) {
  const { db } = database;
  const workspaceId = randomUUID();
  await db.insertInto('workspaces').values({ id: workspaceId, name: 'Connector bench', slug: `connector-bench-${workspaceId.slice(0, 8)}` }).execute();
  const segmentId = randomUUID();
  const at = new Date('2026-11-01T00:00:00Z');
  await db.insertInto('segments').values({ workspace_id: workspaceId, id: segmentId, name: 'Everyone', purpose: 'email-marketing', rule: JSON.stringify({ version: 1, match: { trait: 'plan', op: 'exists' } }), created_by: 'bench' }).execute();
  await db.insertInto('segment_snapshots').values({ workspace_id: workspaceId, segment_id: segmentId, version: 1, member_count: members, members_digest: 'bench', computed_at: at }).execute();
  for (let start = 0; start < members; start += 5000) {
    const ids = Array.from({ length: Math.min(5000, members - start) }, (_, i) => `p-${String(start + i).padStart(7, '0')}`);
    await db
      .insertInto('profiles')
      .values(ids.map((id) => ({ workspace_id: workspaceId, id, merged_into: null, email_enc: cipher.encrypt(`${id}@bench.example`), phone_enc: null, name_enc: cipher.encrypt(`Member ${id}`), traits: JSON.stringify({ plan: 'gold' }), first_seen_at: at, last_seen_at: at, erased_at: null })))
      .execute();
    await db.insertInto('consents').values(ids.map((id) => ({ workspace_id: workspaceId, profile_id: id, purpose: 'email-marketing', status: 'granted' as const, source: 'bench', legal_basis: 'consent', updated_at: at }))).execute();
    await db.insertInto('segment_members').values(ids.map((id) => ({ workspace_id: workspaceId, segment_id: segmentId, version: 1, profile_id: id }))).execute();
  }
  const connectionId = randomUUID();
  await createConnection(db, {
    workspace_id: workspaceId,
    id: connectionId,
    kind: 'hubspot',
    name: 'HubSpot (fake)',
    status: 'connected',
    // The connector starts from the documented Free/Starter limit and learns the account's from the headers.
    settings: { baseUrl: hubspot.url, fieldMapping: { email: 'email', firstname: 'firstName', lastname: 'lastName' }, onWithdrawal: 'delete', withdrawalProperties: {}, requestsPer10Seconds: 100 },
    credentials_enc: sealCredentials(cipher, { kind: 'hubspot-private-app', accessToken: hubspot.token }),
    created_by: 'bench',
    created_at: at,
    updated_at: at,
  });
  await db.insertInto('connector_segments').values({ workspace_id: workspaceId, connection_id: connectionId, segment_id: segmentId }).execute();
  // Statistics, as autovacuum keeps them on a live database (freshly loaded tables have none, and get poor plans).
  await sql`analyze`.execute(db);
  return { workspaceId, connectionId };
}

/** Per full window of the limit's length after the first request, the share of the allowed requests sent. */
function shareOfLimit(acceptedAt: number[]): { share: number; windows: number } {
  if (acceptedAt.length === 0) return { share: 0, windows: 0 };
  const first = acceptedAt[0]!;
  const windows = Math.floor((acceptedAt.at(-1)! - first) / intervalMs);
  if (windows === 0) return { share: acceptedAt.length / max, windows: 0 };
  const inFullWindows = acceptedAt.filter((t) => t < first + windows * intervalMs).length;
  return { share: inFullWindows / (windows * max), windows };
}

async function main(): Promise<number> {
  const name = `kata_bench_connectors_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await withAdmin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  const fake = await startFakeHubspot({ max, intervalMs, latencyMs });
  const dropAll = async () => {
    await fake.close().catch(() => undefined);
    await database.close().catch(() => undefined);
    await withAdmin(`drop database if exists ${name} with (force)`).catch(() => undefined);
  };
  process.once('SIGINT', () => void dropAll().then(() => process.exit(130)));
  try {
    const cipher = new PersonalDataCipher({ dataKeys: [{ id: 'bench', key: randomBytes(32) }], lookupKey: randomBytes(32) });
    console.log(`HubSpot connector push: ${members.toLocaleString('en')} members, fake HubSpot limit ${max} requests per ${intervalMs / 1000} s rolling, ${latencyMs} ms latency, Node ${process.version}`);
    const seeded = performance.now();
    const target = await seed(database, cipher, fake);
    console.log(`seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
    const started = performance.now();
    const run = await runConnectorSync({ db: database.db, cipher, now: () => new Date() }, { workspaceId: target.workspaceId, connectionId: target.connectionId });
    const seconds = (performance.now() - started) / 1000;
    const { share, windows } = shareOfLimit(fake.acceptedAt);
    const allowedPerSecond = max / (intervalMs / 1000);
    console.log(`wall time                 ${seconds.toFixed(1)} s (ideal at the limit: ${(Math.ceil(members / 100) / allowedPerSecond).toFixed(1)} s)`);
    console.log(`records per second        ${(members / seconds).toFixed(0)} (the limit allows ${(allowedPerSecond * 100).toFixed(0)} at 100 a batch)`);
    console.log(`requests                  ${fake.stats.accepted} accepted, ${fake.stats.rateLimited} answered 429, peak ${fake.stats.peakInWindow}/${max} in a window`);
    console.log(`share of rate limit used  ${(share * 100).toFixed(1)} % over ${windows} full windows (target above ${targetShare * 100} %)`);
    console.log(`pushed ${run.pushed}, failed ${run.failed}, in HubSpot ${fake.contacts.size}`);
    const problems = [
      ...(share <= targetShare ? [`share of the rate limit ${(share * 100).toFixed(1)} % is not above ${targetShare * 100} %`] : []),
      ...(run.failed > 0 ? [`${run.failed} records failed after their retries`] : []),
      ...(fake.contacts.size !== members ? [`HubSpot holds ${fake.contacts.size} contacts, not ${members}`] : []),
    ];
    for (const problem of problems) console.log(`MISSED: ${problem}`);
    return problems.length > 0 ? 1 : 0;
  } finally {
    await dropAll();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
