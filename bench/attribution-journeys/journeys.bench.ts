/**
 * Stitching journeys at scale, on the real PostgreSQL: seeds customers
 * (default 1,000,000; KATA_BENCH_CUSTOMERS) with one to three touches each
 * and a conversion for about a third of them, straight into a fresh Hub
 * database with SQL, then runs one attribution report over them the way the
 * `attribution.run` job does (batches of customers, filtered in SQL, fed to
 * the model as an iterable). Prints the time, journeys per second, the peak
 * resident memory, and the ratio to the reference: a run of a million
 * journeys must finish well inside the job's one-hour timeout (reference:
 * 10 minutes). The model is last touch, the cheapest: the data side is what
 * is measured. The database is dropped at the end; the exit code is 1
 * when the report is wrong or the reference is missed.
 * Run: npx tsx bench/attribution-journeys/journeys.bench.ts (KATA_BENCH_CUSTOMERS, KATA_BENCH_POSTGRES_URL)
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { sql } from 'kysely';
import { runAttribution } from '../../server/src/attribution/run';
import { attributionSettingsOf } from '../../server/src/attribution/settings';
import { saveAttributionSettings } from '../../server/src/db/attribution-store';
import { openDatabase } from '../../server/src/db/database';
import { attribute } from '../../server/src/attribution/models';

const customers = Number(process.env.KATA_BENCH_CUSTOMERS ?? 1_000_000);
const adminUrl = process.env.KATA_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const referenceSeconds = 600;

async function main(): Promise<number> {
  const name = `kata_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const hub = await openDatabase({ url: url.toString() });
  try {
    const ws = 'bench';
    await hub.db.insertInto('workspaces').values({ id: ws, name: ws }).execute();
    await saveAttributionSettings(hub.db, ws, { channelRules: null, conversionEvents: [{ name: 'Order Completed', valueProperty: 'revenue', currencyProperty: 'currency' }], lookbackDays: 30, reportingCurrency: 'EUR' }, new Date());
    const seeded = performance.now();
    // Touch k (1..3) of customer i, for k ≤ 1 + i % 3, spread over June; customer i converts when i % 3 = 0, after its touches.
    await sql`
      insert into events (workspace_id, message_id, type, name, profile_id, properties, context, occurred_at)
      select ${ws}, 't-' || i || '-' || k, 'page', null, 'c-' || lpad(i::text, 8, '0'), '{}',
        jsonb_build_object('page', jsonb_build_object('url', 'https://shop.example/?utm_medium=' || (array['email', 'cpc', 'social', 'display', 'influencer'])[1 + (i + k) % 5], 'referrer', '')),
        timestamptz '2026-06-01T00:00:00Z' + ((i % 20) || ' days')::interval + (k || ' hours')::interval
      from generate_series(1, ${customers}) i, generate_series(1, 3) k where k <= 1 + i % 3`.execute(hub.db);
    await sql`
      insert into events (workspace_id, message_id, type, name, profile_id, properties, context, occurred_at)
      select ${ws}, 'o-' || i, 'track', 'Order Completed', 'c-' || lpad(i::text, 8, '0'), jsonb_build_object('revenue', 10 + i % 90, 'currency', 'EUR'), '{}',
        timestamptz '2026-06-01T00:00:00Z' + ((i % 20) || ' days')::interval + interval '5 hours'
      from generate_series(1, ${customers}) i where i % 3 = 0`.execute(hub.db);
    await sql`analyze events`.execute(hub.db);
    const seedSeconds = (performance.now() - seeded) / 1000;

    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const started = performance.now();
    const report = await runAttribution(
      hub.db,
      { workspaceId: ws, models: ['last'], grouping: 'channel', from: new Date('2026-06-01T00:00:00Z'), to: new Date('2026-06-30T23:59:59.999Z') },
      { settings: await attributionSettingsOf({ db: hub.db }, ws), attribute },
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const journeys = report.journeys.converted + report.journeys.notConverted;
    const expectedConverted = Math.floor(customers / 3);
    const problems: string[] = [];
    if (report.journeys.converted !== expectedConverted) problems.push(`expected ${expectedConverted} converted journeys, got ${report.journeys.converted}`);
    if (report.conversions.attributed !== expectedConverted) problems.push(`expected every conversion attributed, got ${report.conversions.attributed}`);
    console.log(`attribution journeys: ${customers.toLocaleString('en')} customers seeded in ${seedSeconds.toFixed(1)} s`);
    console.log(`  one report (last touch, by channel): ${journeys.toLocaleString('en')} journeys in ${seconds.toFixed(1)} s = ${Math.round(journeys / seconds).toLocaleString('en')} journeys/s`);
    console.log(`  peak resident memory: ${Math.round(peakRss / 1024 / 1024)} MB`);
    console.log(`  ratio to the reference (${referenceSeconds} s): ${(seconds / referenceSeconds).toFixed(3)}`);
    for (const problem of problems) console.log(`  WRONG: ${problem}`);
    return problems.length === 0 && seconds <= referenceSeconds ? 0 : 1;
  } finally {
    await hub.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
