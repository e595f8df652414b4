/**
 * Segment evaluation over generated customers on a fresh PostgreSQL database:
 * the preview count (HTTP, `POST /v1/segments/preview`) and a snapshot (HTTP,
 * `POST /v1/segments/:id/snapshot`) of a three-condition segment, against the
 * reference of a hand-written SQL count of the same three conditions without
 * the consent filter, and a plain count(*) of the live profiles.
 */
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import pg from 'pg';
import type { SegmentRule } from '../../src/shared/audience/segment-rule';
import { openDatabase } from '../../server/src/db/database';
import type { HubSchema } from '../../server/src/db/schema';
import { resolveSegment, segmentMembersQuery } from '../../server/src/db/segment-query';
import { call } from '../hub/hub-under-test';
import { undoLater } from './clean-up';
import { generateCustomers } from './generated-customers';
import { createPostgresDatabase, startHubUnderTest, type HubUnderTest } from './hub-under-test';

export interface SegmentOptions {
  profiles: number;
  eventsPerProfile: number;
  /** Timed runs of each query; the median is reported. */
  runs: number;
  /** Print the Hub query's plan even when it meets the target. */
  explain: boolean;
  /** Milliseconds the preview should stay under. */
  targetMs: number;
}

const purpose = 'email-marketing';
const rule: SegmentRule = {
  version: 1,
  match: {
    all: [
      { trait: 'plan', op: 'in', value: ['pro', 'business'] },
      { trait: 'country', op: 'eq', value: 'DE' },
      { event: 'Order Completed', count: { op: 'gte', value: 1 }, within: { days: 30 } },
    ],
  },
};

/** The same three conditions as a person would write them, consent left out (with `consented`, put back, to check the Hub's count). */
function handWritten(consented: boolean): string {
  return `select count(*) as n from profiles p
    where p.workspace_id = $1 and p.merged_into is null and p.erased_at is null
      and p.traits ->> 'plan' in ('pro', 'business') and p.traits ->> 'country' = 'DE'
      and exists (select 1 from events e where e.workspace_id = $1 and e.profile_id = p.id and e.name = 'Order Completed' and e.type = 'track' and e.occurred_at >= now() - interval '30 days')
      ${consented ? `and exists (select 1 from consents c where c.workspace_id = $1 and c.profile_id = p.id and c.purpose = '${purpose}' and c.status = 'granted')` : ''}`;
}
const allProfiles = 'select count(*) as n from profiles p where p.workspace_id = $1 and p.merged_into is null and p.erased_at is null';

interface Timing {
  medianMs: number;
  firstMs: number;
  minMs: number;
  maxMs: number;
  result: number;
}

async function timed(runs: number, work: (run: number) => Promise<number>): Promise<Timing> {
  const times: number[] = [];
  let result = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    result = await work(run);
    times.push(performance.now() - started);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { medianMs, firstMs: times[0]!, minMs: sorted[0]!, maxMs: sorted.at(-1)!, result };
}

function row(cells: (string | number)[]): string {
  const widths = [58, 11, 10, 17, 10, 12];
  return cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!))).join('');
}
const printTiming = (label: string, timing: Timing, reference: Timing) =>
  console.log(row([label, timing.medianMs.toFixed(1), timing.firstMs.toFixed(1), `${timing.minMs.toFixed(1)}–${timing.maxMs.toFixed(1)}`, timing.result.toLocaleString('en-US'), (timing.medianMs / reference.medianMs).toFixed(2)]));

/** Prints the segment figures; returns the problems found (a count that disagrees with the hand-written one). */
export async function benchSegments(options: SegmentOptions): Promise<string[]> {
  console.log(`\nSegments: a three-condition segment (plan in [pro, business], country eq DE, 'Order Completed' at least once within 30 days; purpose ${purpose}) over ${options.profiles.toLocaleString('en-US')} generated profiles`);
  const problems: string[] = [];
  const database = await createPostgresDatabase();
  try {
    // Migrated by the Hub's own openDatabase; the Hub started next finds nothing left to migrate.
    const opened = await openDatabase({ url: database.url });
    const close = undoLater(() => opened.close());
    const hub = await startHubUnderTest({ databaseUrl: database.url });
    const client = new pg.Client({ connectionString: database.url });
    const disconnect = undoLater(() => client.end());
    try {
      await client.connect();
      await generateCustomers(opened.db, { workspaceId: hub.workspaceId, profiles: options.profiles, eventsPerProfile: options.eventsPerProfile, now: new Date(), sealed: hub.cipher.encrypt('someone@bench.example') });
      const count = async (statement: string) => Number((await client.query<{ n: string }>(statement, [hub.workspaceId])).rows[0]!.n);

      const preview = await timed(options.runs, async () => ((await call(hub.url, 'POST', '/v1/segments/preview', { purpose, rule }, hub.accessToken)) as { count: number }).count);
      const consentedByHand = await count(handWritten(true));
      const reference = await timed(options.runs, () => count(handWritten(false)));
      const everyone = await timed(options.runs, () => count(allProfiles));
      // A new segment for every run, so that each snapshot writes its members; then the last one again, which finds them unchanged.
      const segmentIds: string[] = [];
      for (let run = 1; run <= options.runs; run++) segmentIds.push(((await call(hub.url, 'POST', '/v1/segments', { name: `Bench ${run}`, purpose, rule }, hub.accessToken)) as { id: string }).id);
      const snapshotOf = async (id: string) => ((await call(hub.url, 'POST', `/v1/segments/${id}/snapshot`, {}, hub.accessToken)) as { memberCount: number }).memberCount;
      const snapshot = await timed(options.runs, (run) => snapshotOf(segmentIds[run]!));
      const again = await timed(options.runs, () => snapshotOf(segmentIds.at(-1)!));

      console.log(row(['', 'median ms', 'first ms', 'range ms', 'count', 'x reference']));
      printTiming('reference: hand-written SQL count, no consent filter', reference, reference);
      printTiming('reference: count(*) of live profiles', everyone, reference);
      printTiming('Hub preview: POST /v1/segments/preview (HTTP)', preview, reference);
      printTiming('Hub snapshot, new segment: POST …/snapshot (HTTP)', snapshot, reference);
      printTiming('Hub snapshot, members unchanged (HTTP)', again, reference);
      console.log(`counts: Hub ${preview.result.toLocaleString('en-US')}, hand-written with the consent filter ${consentedByHand.toLocaleString('en-US')}${preview.result === consentedByHand ? ' (equal)' : ''}`);
      // An event may cross the 30-day edge between the two queries; more than a few is a wrong count.
      if (Math.abs(preview.result - consentedByHand) > Math.max(2, preview.result * 0.001)) problems.push(`The Hub counts ${preview.result} members, the hand-written SQL with the consent filter ${consentedByHand}.`);
      const met = preview.medianMs < options.targetMs;
      console.log(`target < ${(options.targetMs / 1000).toFixed(0)} s for the preview over ${options.profiles.toLocaleString('en-US')} profiles: ${met ? 'met' : 'MISSED'} (median ${(preview.medianMs / 1000).toFixed(2)} s of ${options.runs} runs; snapshot median ${(snapshot.medianMs / 1000).toFixed(2)} s)`);
      if (!met || options.explain) await explainHubQuery(opened.db, client, hub);
    } finally {
      await disconnect();
      await hub.stop();
      await close();
    }
  } finally {
    await database.drop();
  }
  return problems;
}

/** The plan of the Hub's own count query, as countSegmentMembers sends it. */
async function explainHubQuery(db: Kysely<HubSchema>, client: pg.Client, hub: HubUnderTest): Promise<void> {
  const context = { workspaceId: hub.workspaceId, now: new Date() };
  const resolved = await resolveSegment(db, { workspaceId: hub.workspaceId, segment: { purpose, rule } });
  const query = segmentMembersQuery(db, resolved, context)
    .clearSelect()
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .compile();
  const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${query.sql}`, query.parameters as unknown[]);
  console.log(`EXPLAIN (ANALYZE, BUFFERS) of the Hub's preview query:\n${rows.map((r) => `  ${r['QUERY PLAN']}`).join('\n')}`);
}
