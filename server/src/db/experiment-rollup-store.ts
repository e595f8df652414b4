import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { lockWorkspaceIngest } from './cdp-store';
import { heldOut, noVariant } from './experiment-store';
import { addToTotals, basisKey, decidedBy, eligible, metricsOf, targetsOf, uncountUnits, type Target } from './experiment-totals-store';
import type { HubSchema } from './schema';

/**
 * The experiment rollup (migration 0020): each experiment's exposed units
 * pre-aggregated from the events, kept up to date from the events and
 * merges written since a watermark (their `ingest_seq`). Its per-variant
 * totals, which results read, are in experiment-totals-store.ts. Totals
 * from it equal `experimentTotals` (the raw reference) exactly; see its
 * comment for the rules both follow.
 */
type Db = Kysely<HubSchema> | Transaction<HubSchema>;
type Tx = Transaction<HubSchema>;
// Ids and event names passed as JSON are read COLLATE "C", as the tables' keys are: a join across collations cannot use their indexes.

/**
 * What an experiment's rollup rows depend on: its variants in order
 * (positions) and its metrics in order (indexes); and what its totals
 * depend on besides: the target segment's membership version.
 */
export interface RollupShape {
  id: string;
  variantIds: readonly string[];
  metrics: readonly { event: string; valueProperty: string | null }[];
  target: Target;
}

/** The text stored with the rows: a definition whose shape text differs needs its rows built again. */
export function shapeKey(shape: RollupShape): string {
  return JSON.stringify({ variants: shape.variantIds, metrics: shape.metrics });
}

/**
 * A sequence number below which every event and merge of the workspace is
 * committed: read under the workspace's ingest lock (which every ingest
 * holds until it commits), then released at once.
 */
export async function rollupHorizon(db: Kysely<HubSchema>, workspaceId: string): Promise<string> {
  return db.transaction().execute(async (tx) => {
    await lockWorkspaceIngest(tx, workspaceId);
    const { rows } = await sql<{ seq: string }>`select nextval('ingest_seq')::text as seq`.execute(tx);
    return rows[0]!.seq;
  });
}

const rollupLockKey = (workspaceId: string) => sql`hashtextextended(${`experiment-rollup:${workspaceId}`}, 0)`;

/** One catch-up (or erasure of rollup rows) at a time per workspace. */
export async function lockRollup(tx: Tx, workspaceId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${rollupLockKey(workspaceId)})`.execute(tx);
}

/**
 * Runs a catch-up: holding the workspace's rollup lock, in one snapshot
 * (REPEATABLE READ). The snapshot matters for the totals: the customers a
 * catch-up takes out of them and those it puts back must be the same ones,
 * while ingest goes on (a merge committed between two statements would
 * otherwise move an event to a customer that was never taken out). The lock
 * is taken on the connection before the transaction begins, so the snapshot
 * already sees what the previous holder committed.
 */
export async function inRollupSnapshot<T>(db: Kysely<HubSchema>, workspaceId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${rollupLockKey(workspaceId)})`.execute(connection);
    try {
      return await connection.transaction().setIsolationLevel('repeatable read').execute(work);
    } finally {
      await sql`select pg_advisory_unlock(${rollupLockKey(workspaceId)})`.execute(connection);
    }
  });
}

/** For a catch-up's transaction: hash tables in memory for a first build's millions of units, and no JIT (compiling its plans costs more than running them). */
export async function tuneCatchUp(tx: Tx): Promise<void> {
  await sql`set local work_mem = '256MB'`.execute(tx);
  await sql`set local jit = off`.execute(tx);
}

export interface RollupState {
  shape: string;
  throughSeq: string;
  /** basisKey of the target the totals were counted for; null before they were. */
  totalsBasis: string | null;
}

export async function rollupStates(db: Db, workspaceId: string): Promise<Map<string, RollupState>> {
  const rows = await db.selectFrom('experiment_rollup_state').select(['experiment_id', 'shape', 'through_seq', 'totals_basis']).where('workspace_id', '=', workspaceId).execute();
  return new Map(rows.map((row) => [row.experiment_id, { shape: row.shape, throughSeq: String(row.through_seq), totalsBasis: row.totals_basis }]));
}

/** Records how far these experiments' rows got and the target their totals are counted for. */
export async function saveRollupStates(tx: Tx, options: { workspaceId: string; experiments: readonly RollupShape[]; throughSeq: string; now: Date }): Promise<void> {
  if (options.experiments.length === 0) return;
  await tx
    .insertInto('experiment_rollup_state')
    .values(options.experiments.map((e) => ({ workspace_id: options.workspaceId, experiment_id: e.id, shape: shapeKey(e), through_seq: options.throughSeq, built_at: options.now, totals_basis: basisKey(e.target) })))
    .onConflict((oc) =>
      oc.columns(['workspace_id', 'experiment_id']).doUpdateSet((eb) => ({
        shape: eb.ref('excluded.shape'),
        through_seq: eb.ref('excluded.through_seq'),
        built_at: eb.ref('excluded.built_at'),
        totals_basis: eb.ref('excluded.totals_basis'),
      })),
    )
    .execute();
}

const positionsOf = (experiments: readonly RollupShape[]) =>
  JSON.stringify(Object.fromEntries(experiments.map((e) => [e.id, Object.fromEntries(e.variantIds.slice(0, heldOut).map((variantId, position) => [variantId, position]))])));
/** A metric event's value as the raw totals read it: its numeric property, 0 for anything else. */
const valueOf = sql`case when jsonb_typeof(c.properties -> m.value_property) = 'number' then (c.properties ->> m.value_property)::float8 else 0 end`;

/** Folds the exposures in `range` (a condition on `e`) into the units: first time and smallest keys kept; a unit that is new or exposed earlier becomes stale. */
async function addExposures(tx: Tx, options: { workspaceId: string; experiments: readonly RollupShape[]; range: RawBuilder<unknown>; stale: boolean; counted: boolean }): Promise<void> {
  const { workspaceId } = options;
  // A first build counts each unit as it is written (see countUnits for the rule); later units are counted after.
  const counted = options.counted ? sql`case when ${decidedBy('x')} and ${eligible(workspaceId, 'x')} then (x.named_key % 32)::smallint end` : sql`null::smallint`;
  // Each exposure's variant position looked up in one object ({experiment: {variant: position}}): a join with a
  // list of variants was a nested loop over every pair once the planner took the new exposures for a handful.
  await sql`
    with targets as (${targetsOf(options.experiments)})
    insert into experiment_rollup as r (workspace_id, experiment_id, profile_id, first_at, named_key, unnamed_us, stale, counted)
    select ${workspaceId}, x.experiment_id, x.profile_id, x.first_at, x.named_key, x.unnamed_us, ${options.stale}, ${counted}
    from (
    select x.experiment_id, x.profile_id, min(x.occurred_at) as first_at, min(x.named_key) as named_key, min(x.unnamed_us) as unnamed_us
    from (
      select e.properties->>'experiment_id' as experiment_id, e.profile_id, e.occurred_at,
        case when coalesce(e.properties->>'variant_id', e.properties->>'variation_id') is not null then (extract(epoch from e.occurred_at) * 1000000)::bigint * 32
          + coalesce((${positionsOf(options.experiments)}::jsonb -> (e.properties->>'experiment_id') ->> coalesce(e.properties->>'variant_id', e.properties->>'variation_id'))::int, ${noVariant}) end as named_key,
        case when coalesce(e.properties->>'variant_id', e.properties->>'variation_id') is null then (extract(epoch from e.occurred_at) * 1000000)::bigint end as unnamed_us
      from events e
      where e.workspace_id = ${workspaceId} and e.name = 'Experiment Viewed' and e.properties->>'experiment_id' = any(${options.experiments.map((e) => e.id)}::text[]) and ${options.range}
    ) x
    group by x.experiment_id, x.profile_id
    ) x
    left join targets t on t.experiment_id = x.experiment_id
    on conflict (workspace_id, experiment_id, profile_id) do update set
      first_at = least(r.first_at, excluded.first_at),
      named_key = least(r.named_key, excluded.named_key),
      unnamed_us = least(r.unnamed_us, excluded.unnamed_us),
      stale = r.stale or excluded.first_at < r.first_at`.execute(tx);
}

/** Counts the outcomes of the units (all, or the stale ones) from every event below `below`, replacing what they had. */
async function countOutcomes(tx: Tx, options: { workspaceId: string; experiments: readonly RollupShape[]; below: string; which: 'all' | 'stale' }): Promise<void> {
  const { workspaceId, below } = options;
  const ids = options.experiments.map((e) => e.id);
  const stale = options.which === 'stale' ? sql`and r.stale` : sql``;
  if (options.which === 'stale') {
    await sql`delete from experiment_rollup_outcomes o using experiment_rollup r
      where r.workspace_id = ${workspaceId} and r.experiment_id = any(${ids}::text[]) and r.stale
        and o.workspace_id = ${workspaceId} and o.experiment_id = r.experiment_id and o.profile_id = r.profile_id`.execute(tx);
  }
  await sql`
    with metrics as (
      select * from jsonb_to_recordset(${metricsOf(options.experiments)}::jsonb) as m(experiment_id text collate "C", metric_index int, event text collate "C", value_property text)
    )
    insert into experiment_rollup_outcomes (workspace_id, experiment_id, profile_id, metric_index, events, value)
    select ${workspaceId}, r.experiment_id, r.profile_id, m.metric_index, count(*), sum(${valueOf})
    from experiment_rollup r
    join metrics m on m.experiment_id = r.experiment_id
    join events c on c.workspace_id = ${workspaceId} and c.name = m.event and c.profile_id = r.profile_id and c.occurred_at >= r.first_at and (c.ingest_seq is null or c.ingest_seq < ${below}::bigint)
    where r.workspace_id = ${workspaceId} and r.experiment_id = any(${ids}::text[]) ${stale}
    group by r.experiment_id, r.profile_id, m.metric_index`.execute(tx);
  if (options.which === 'stale') await sql`update experiment_rollup set stale = false where workspace_id = ${workspaceId} and experiment_id = any(${ids}::text[]) and stale`.execute(tx);
}

/** Builds the rows of these experiments again from every event below `below` (a new experiment, changed variants or metrics). */
export async function rebuildRollup(tx: Tx, options: { workspaceId: string; experiments: readonly RollupShape[]; below: string }): Promise<void> {
  const { workspaceId, below, experiments } = options;
  if (experiments.length === 0) return;
  const ids = experiments.map((e) => e.id);
  await tx.deleteFrom('experiment_rollup_outcomes').where('workspace_id', '=', workspaceId).where('experiment_id', 'in', ids).execute();
  await tx.deleteFrom('experiment_rollup').where('workspace_id', '=', workspaceId).where('experiment_id', 'in', ids).execute();
  await tx.deleteFrom('experiment_rollup_totals').where('workspace_id', '=', workspaceId).where('experiment_id', 'in', ids).execute();
  await addExposures(tx, { workspaceId, experiments, range: sql`(e.ingest_seq is null or e.ingest_seq < ${below}::bigint)`, stale: false, counted: true });
  await countOutcomes(tx, { workspaceId, experiments, below, which: 'all' });
  // The units were counted as they were written: their totals add up without touching them again.
  await sql`
    with units as (
      select r.experiment_id, r.profile_id, r.counted::int as position from experiment_rollup r
      where r.workspace_id = ${workspaceId} and r.experiment_id = any(${ids}::text[]) and r.counted is not null
    )
    ${addToTotals(workspaceId, 1)}`.execute(tx);
  // Many rows at once: without fresh statistics the planner takes the tables for tiny and reads them row by row.
  await sql`analyze experiment_rollup, experiment_rollup_outcomes`.execute(tx);
}

/**
 * Brings the rows of these experiments (complete below `after`) up to
 * `below`, reading only what was written in between:
 * 1. new exposures extend or create units;
 * 2. merges move the merged profiles' units to the profile their events now
 *    name, combined (earliest exposure, smallest keys), and make the
 *    survivors' units stale (their events and first exposure changed);
 * 3. new metric events add to the outcomes of units that are not stale;
 * 4. stale units have their outcomes counted again from all their events.
 */
export async function advanceRollup(tx: Tx, options: { workspaceId: string; experiments: readonly RollupShape[]; after: string; below: string }): Promise<void> {
  const { workspaceId, experiments, after, below } = options;
  if (experiments.length === 0) return;
  const ids = experiments.map((e) => e.id);
  await addExposures(tx, { workspaceId, experiments, range: sql`e.ingest_seq > ${after}::bigint and e.ingest_seq < ${below}::bigint`, stale: true, counted: false });

  const merges = await sql<{ merged_id: string; canonical: string; survivor: string }>`
    select m.merged_id, coalesce(p.merged_into, m.merged_id) as canonical, coalesce(s.merged_into, m.survivor_id) as survivor
    from profile_merges m
    left join profiles p on p.workspace_id = m.workspace_id and p.id = m.merged_id
    left join profiles s on s.workspace_id = m.workspace_id and s.id = m.survivor_id
    where m.workspace_id = ${workspaceId} and m.ingest_seq > ${after}::bigint and m.ingest_seq < ${below}::bigint`.execute(tx);
  if (merges.rows.length > 0) {
    const merged = merges.rows.map((m) => m.merged_id);
    const canonical = merges.rows.map((m) => m.canonical);
    await sql`
      with moved as (
        delete from experiment_rollup r using unnest(${merged}::text[], ${canonical}::text[]) as m(merged_id, canonical)
        where r.workspace_id = ${workspaceId} and r.experiment_id = any(${ids}::text[]) and r.profile_id = m.merged_id and m.canonical <> m.merged_id
        returning r.experiment_id, m.canonical, r.first_at, r.named_key, r.unnamed_us
      )
      insert into experiment_rollup as r (workspace_id, experiment_id, profile_id, first_at, named_key, unnamed_us, stale)
      select ${workspaceId}, experiment_id, canonical, min(first_at), min(named_key), min(unnamed_us), true from moved group by experiment_id, canonical
      on conflict (workspace_id, experiment_id, profile_id) do update set
        first_at = least(r.first_at, excluded.first_at), named_key = least(r.named_key, excluded.named_key), unnamed_us = least(r.unnamed_us, excluded.unnamed_us), stale = true`.execute(tx);
    await tx.deleteFrom('experiment_rollup_outcomes').where('workspace_id', '=', workspaceId).where('experiment_id', 'in', ids).where('profile_id', 'in', merged).execute();
    const touched = [...new Set([...canonical, ...merges.rows.map((m) => m.survivor)])];
    await tx.updateTable('experiment_rollup').set({ stale: true }).where('workspace_id', '=', workspaceId).where('experiment_id', 'in', ids).where('profile_id', 'in', touched).execute();
  }

  await sql`
    with metrics as (
      select * from jsonb_to_recordset(${metricsOf(experiments)}::jsonb) as m(experiment_id text collate "C", metric_index int, event text collate "C", value_property text)
    ),
    -- Only what was written since the watermark (found through the BRIN index), then the units it belongs to.
    fresh as materialized (
      select c.name, c.profile_id, c.occurred_at, c.properties from events c
      where c.workspace_id = ${workspaceId} and c.ingest_seq > ${after}::bigint and c.ingest_seq < ${below}::bigint
        and c.name = any(${[...new Set(experiments.flatMap((e) => e.metrics.map((m) => m.event)))]}::text[])
    ),
    -- Each event's customer's units through the profile index (see unitRows), before the metrics multiply the events.
    reached as materialized (
      select c.name, c.occurred_at, c.properties, r.experiment_id, r.profile_id from fresh c
      cross join lateral (
        select r.experiment_id, r.profile_id, r.stale, r.first_at from experiment_rollup r
        where r.workspace_id = ${workspaceId} and r.profile_id = c.profile_id
        offset 0
      ) r
      where not r.stale and c.occurred_at >= r.first_at
    )
    insert into experiment_rollup_outcomes as o (workspace_id, experiment_id, profile_id, metric_index, events, value)
    select ${workspaceId}, c.experiment_id, c.profile_id, m.metric_index, count(*), sum(${valueOf})
    from reached c
    join metrics m on m.experiment_id = c.experiment_id and m.event = c.name
    group by c.experiment_id, c.profile_id, m.metric_index
    on conflict (workspace_id, experiment_id, profile_id, metric_index) do update set events = o.events + excluded.events, value = o.value + excluded.value`.execute(tx);

  await countOutcomes(tx, { workspaceId, experiments, below, which: 'stale' });
}

/** For the data-subject eraser: the person's units and outcomes in every experiment go, and out of the totals. */
export async function deleteRollupOf(tx: Tx, workspaceId: string, profileIds: string[]): Promise<number> {
  if (profileIds.length === 0) return 0;
  await lockRollup(tx, workspaceId);
  const ids = (await tx.selectFrom('experiment_rollup').select('experiment_id').distinct().where('workspace_id', '=', workspaceId).where('profile_id', 'in', profileIds).execute()).map((row) => row.experiment_id);
  if (ids.length > 0) await uncountUnits(tx, { workspaceId, ids, units: sql`(select unnest(${profileIds}::text[]), '')` });
  await tx.deleteFrom('experiment_rollup_outcomes').where('workspace_id', '=', workspaceId).where('profile_id', 'in', profileIds).execute();
  const result = await tx.deleteFrom('experiment_rollup').where('workspace_id', '=', workspaceId).where('profile_id', 'in', profileIds).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * After retention removed the events before `cutoff`: experiments with a
 * unit first exposed before it are built again at the next catch-up (the
 * others are untouched, since everything they count is from later).
 */
export async function forgetRollupsBefore(db: Kysely<HubSchema>, workspaceId: string, cutoff: Date): Promise<number> {
  return db.transaction().execute(async (tx) => {
    await lockRollup(tx, workspaceId);
    const result = await sql`delete from experiment_rollup_state s where s.workspace_id = ${workspaceId}
      and exists (select 1 from experiment_rollup r where r.workspace_id = ${workspaceId} and r.experiment_id = s.experiment_id and r.first_at < ${cutoff})`.execute(tx);
    return Number(result.numAffectedRows ?? 0);
  });
}
