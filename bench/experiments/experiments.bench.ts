/**
 * Experiment results over ten million exposures: 100 running experiments in
 * one workspace of a real PostgreSQL (a fresh database, dropped at the end),
 * each with 100,000 "Experiment Viewed" events (50,000 customers seen twice),
 * drawn from one million customers of whom 95 % granted profiling consent,
 * and 200,000 "Order Completed" events with revenue. Seeded in SQL with
 * generate_series, then analysed. Then, through the Hub's own code:
 * - the experiment rollup catches up with everything (the first build, one
 *   row per experiment and customer), timed and printed on its own;
 * - 10,000 more exposures and 2,000 more orders arrive (some of them late,
 *   dated before the first ones), and the rollup catches up again (timed);
 * - every experiment's results are computed (resultsOf: the on-demand
 *   catch-up, the per-variant totals the rollup keeps plus any units no
 *   named variant decides, then the statistics, sample-ratio check,
 *   guardrails and decision per experiment), once cold and once again.
 *   Target: under 5 s each.
 * One experiment's totals are also computed from the raw events (the
 * reference) and must equal the rollup's. The exit code is 1 when the target
 * is missed or a count is wrong.
 * Run: npm run bench:experiments (KATA_BENCH_EXPOSURES, KATA_TEST_POSTGRES_URL)
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../../server/src/db/database';
import * as store from '../../server/src/db/experiment-store';
import { rollupTotals } from '../../server/src/db/experiment-totals-store';
import { catchUpRollup } from '../../server/src/experiments/rollup';
import { resultsOf } from '../../server/src/experiments/service';

const exposures = Number(process.env.KATA_BENCH_EXPOSURES ?? 10_000_000);
const experimentCount = 100;
const perExperiment = Math.floor(exposures / experimentCount);
const customersPerExperiment = Math.floor(perExperiment / 2);
const customerCount = 1_000_000;
const targetSeconds = 5;
const adminUrl = process.env.KATA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const workspaceId = 'bench-experiments';

const name = `kata_bench_experiments_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const database = await openDatabase({ url: url.toString() });
let failed = false;
const seconds = (since: number) => (performance.now() - since) / 1000;
try {
  const { db } = database;
  let started = performance.now();
  await db.insertInto('workspaces').values({ id: workspaceId, name: 'Bench', slug: 'bench-experiments' }).execute();
  const ids = Array.from({ length: experimentCount }, (_, e) => `exp-${e}`);
  for (const [e, id] of ids.entries()) {
    // A third of the experiments have three variants, the rest two; every tenth is a revenue-per-user test with a guardrail.
    const variants = (e % 3 === 0 ? ['a', 'b', 'c'] : ['a', 'b']).map((v) => ({ id: v, name: v, ref: { recordType: 'render', recordId: `render-${e}-${v}` }, weight: 1 }));
    const definition = {
      variants,
      primaryMetric: e % 10 === 0 ? { kind: 'mean', event: 'Order Completed', valueProperty: 'revenue' } : { kind: 'conversion-rate', event: 'Order Completed' },
      guardrails: e % 10 === 0 ? [{ name: 'Orders', metric: { kind: 'conversion-rate', event: 'Order Completed' }, direction: 'higher-is-better', tolerance: 0.05 }] : [],
    };
    await store.createExperiment(db, { workspace_id: workspaceId, id, campaign_id: `campaign-${e}`, name: id, definition, weights: Object.fromEntries(variants.map((v) => [v.id, 1 / variants.length])), created_by: 'bench', now: new Date() });
    await store.updateExperiment(db, workspaceId, id, { status: 'running', started_at: new Date(), now: new Date() });
  }
  // Customer k of experiment e is p<(e·20011 + k·37) mod 1,000,000>: distinct within an experiment, shared across them.
  await sql`insert into consents (workspace_id, profile_id, purpose, status, source, legal_basis, updated_at)
    select ${workspaceId}, 'p' || c, 'profiling', 'granted', 'bench', 'consent', timestamptz '2026-11-01' from generate_series(0, ${customerCount - 1}::int) c where c % 20 <> 0`.execute(db);
  // Seeded a tenth of the experiments per statement, so PostgreSQL's own progress shows in the log.
  for (let part = 0; part < 10; part++) {
    await sql`insert into events (workspace_id, message_id, type, name, profile_id, properties, context, occurred_at)
      select ${workspaceId}, 'x-' || e || '-' || i, 'track', 'Experiment Viewed', 'p' || ((e * 20011 + (i / 2) * 37) % ${customerCount}),
        jsonb_build_object('experiment_id', 'exp-' || e, 'variant_id', chr(97 + abs(hashtext(e || ':' || (i / 2)) % (case when e % 3 = 0 then 3 else 2 end)))),
        '{}', timestamptz '2026-11-10' + ((i % 2) * interval '1 hour') + (i / 2) * interval '1 second'
      from generate_series(${part * 10}::int, ${part * 10 + 9}::int) e, generate_series(0, ${customersPerExperiment * 2 - 1}::int) i`.execute(db);
    process.stdout.write(`\rseeding exposures: ${(part + 1) * 10}/100 experiments`);
  }
  await sql`insert into events (workspace_id, message_id, type, name, profile_id, properties, context, occurred_at)
    select ${workspaceId}, 'o-' || c, 'track', 'Order Completed', 'p' || c, jsonb_build_object('revenue', 10 + c % 90), '{}', timestamptz '2026-11-20'
    from generate_series(0, ${customerCount - 1}::int) c where c % 5 = 0`.execute(db);
  await sql`vacuum analyze events`.execute(db);
  await sql`vacuum analyze consents`.execute(db);
  const exposureRows = await sql<{ n: string }>`select count(*) as n from events where name = 'Experiment Viewed'`.execute(db);
  console.log(`\nseeded ${Number(exposureRows.rows[0]!.n).toLocaleString('en')} exposures of ${experimentCount} experiments in ${seconds(started).toFixed(1)} s`);

  started = performance.now();
  const built = await catchUpRollup(db, workspaceId);
  const buildSeconds = seconds(started);
  const rollupRows = await sql<{ n: string }>`select count(*) as n from experiment_rollup where workspace_id = ${workspaceId}`.execute(db);
  console.log(`rollup caught up with ${Number(exposureRows.rows[0]!.n).toLocaleString('en')} exposures (first build of ${built.rebuilt} experiments, ${Number(rollupRows.rows[0]!.n).toLocaleString('en')} units): ${buildSeconds.toFixed(1)} s`);

  // Newly arrived: 100 exposures per experiment (half of them new customers, half earlier than anything seen), and 2,000 orders.
  await sql`insert into events (workspace_id, message_id, type, name, profile_id, properties, context, occurred_at)
    select ${workspaceId}, 'late-' || e || '-' || i, 'track', 'Experiment Viewed', 'p' || ((e * 20011 + (${customersPerExperiment} + i) * 37 * (i % 2)) % ${customerCount}),
      jsonb_build_object('experiment_id', 'exp-' || e, 'variant_id', 'a'), '{}', timestamptz '2026-11-09' + i * interval '1 second'
    from generate_series(0, ${experimentCount - 1}::int) e, generate_series(0, 99) i`.execute(db);
  await sql`insert into events (workspace_id, message_id, type, name, profile_id, properties, context, occurred_at)
    select ${workspaceId}, 'late-o-' || c, 'track', 'Order Completed', 'p' || (c * 499 % ${customerCount}), jsonb_build_object('revenue', 5 + c % 50), '{}', timestamptz '2026-11-21'
    from generate_series(0, 1999) c`.execute(db);
  started = performance.now();
  const advanced = await catchUpRollup(db, workspaceId);
  console.log(`rollup caught up with 10,000 new exposures and 2,000 orders (${advanced.advanced} experiments advanced): ${seconds(started).toFixed(2)} s`);

  const rows = await store.listExperiments(db, workspaceId, { status: 'running' });
  for (const label of ['cold', 'again']) {
    started = performance.now();
    const results = await resultsOf(db, workspaceId, rows);
    const elapsed = seconds(started);
    // Every experiment's exposed customers are its consented ones: 95 % of 50,000 (customer ids are spread evenly mod 20).
    const units = [...results.values()].map((r) => r.variants.reduce((sum, v) => sum + v.n, 0));
    const expected = await sql<{ n: string }>`select count(distinct profile_id) as n from events e where workspace_id = ${workspaceId} and name = 'Experiment Viewed' and properties->>'experiment_id' = 'exp-7'
      and exists (select 1 from consents c where c.workspace_id = e.workspace_id and c.profile_id = e.profile_id and c.purpose = 'profiling' and c.status = 'granted')`.execute(db);
    const wrong = results.size !== experimentCount || units[rows.findIndex((r) => r.id === 'exp-7')] !== Number(expected.rows[0]!.n);
    const mismatches = [...results.values()].filter((r) => r.sampleRatio.mismatch).length;
    console.log(`results of ${results.size} experiments (${label}): ${elapsed.toFixed(2)} s, target ${targetSeconds} s, ratio ${(elapsed / targetSeconds).toFixed(2)}; ${units.reduce((a, b) => a + b, 0).toLocaleString('en')} customers counted, ${mismatches} sample-ratio flags${wrong ? '; COUNTS WRONG' : ''}`);
    if (wrong || elapsed > targetSeconds) failed = true;
  }
  // The rollup's totals of one experiment equal the raw reference's.
  const one = rows.filter((r) => r.id === 'exp-10');
  const definition = one[0]!.definition as { variants: { id: string }[] };
  const options = {
    workspaceId,
    experiments: one.map((r) => ({ id: r.id, variants: definition.variants.map((v, i, all) => ({ id: v.id, upper: i === all.length - 1 ? 2 : (i + 1) / all.length })), holdoutShare: 0, segment: null })),
    metrics: [
      { experimentId: 'exp-10', metricIndex: 0, event: 'Order Completed', valueProperty: 'revenue' },
      { experimentId: 'exp-10', metricIndex: 1, event: 'Order Completed', valueProperty: null },
    ],
  };
  started = performance.now();
  const raw = await store.experimentTotals(db, options);
  const rawSeconds = seconds(started);
  const fromRollup = await rollupTotals(db, options);
  const same = JSON.stringify(raw) === JSON.stringify(fromRollup);
  console.log(`exp-10 from the raw events (${rawSeconds.toFixed(1)} s) ${same ? 'equals' : 'DIFFERS FROM'} the rollup's totals`);
  if (!same) {
    console.log(JSON.stringify({ raw, fromRollup }));
    failed = true;
  }
} finally {
  await database.close();
  if (process.env.KATA_BENCH_KEEP_DATABASE) console.log(`kept the database ${name}`);
  else await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
}
process.exit(failed ? 1 : 0);
