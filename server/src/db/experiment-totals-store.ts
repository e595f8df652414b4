import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { RollupShape } from './experiment-rollup-store';
import { heldOut, noVariant, totalsOfRows, type ExperimentToTotal, type MetricToTotal, type VariantTotals } from './experiment-store';
import type { HubSchema } from './schema';

/**
 * The experiment rollup's per-variant totals (migration 0024): kept with the
 * rollup's rows (experiment-rollup-store.ts) as they change, and read with
 * the units no named variant decides. Totals from them equal
 * `experimentTotals` (the raw reference) exactly.
 */
type Db = Kysely<HubSchema> | Transaction<HubSchema>;
type Tx = Transaction<HubSchema>;

/** A target segment and its membership version (null: no snapshot yet, so nobody is in it), or no target. */
export type Target = { id: string; version: number | null } | null;

/** The text stored with the totals: another target or membership version needs them counted again. */
export function basisKey(target: Target): string {
  return JSON.stringify(target && { segment: target.id, version: target.version ?? -1 });
}

/** The experiments' metrics as JSON rows (experiment_id, metric_index, event, value_property), for jsonb_to_recordset. */
export const metricsOf = (experiments: readonly RollupShape[]) =>
  JSON.stringify(experiments.flatMap((e) => e.metrics.map((m, metricIndex) => ({ experiment_id: e.id, metric_index: metricIndex, event: m.event, value_property: m.valueProperty }))));

// Totals (migration 0024). They hold, per experiment and position, the sum over the units whose `counted` is that
// position of their outcome rows as they are now. So every change to a unit's outcomes, keys or eligibility is made
// between taking it out (`uncountUnits`) and counting it again (`countUnits`), in one snapshot.

/**
 * Adds (sign 1) or subtracts (sign -1) the contribution of the units the
 * CTE named `units` returns (experiment_id, profile_id, position) to the
 * totals: one for the unit under metric -1, and its outcome per metric.
 */
export function addToTotals(workspaceId: string, sign: 1 | -1): RawBuilder<unknown> {
  return sql`, contributions as (
      select u.experiment_id, u.position, -1 as metric_index, count(*)::bigint as units, 0::numeric as value, 0::numeric as value_squares
      from units u group by u.experiment_id, u.position
      union all
      select u.experiment_id, u.position, o.metric_index, count(*)::bigint, sum(o.value::numeric), sum((o.value * o.value)::numeric)
      from units u join experiment_rollup_outcomes o on o.workspace_id = ${workspaceId} and o.experiment_id = u.experiment_id and o.profile_id = u.profile_id
      group by u.experiment_id, u.position, o.metric_index
    )
    insert into experiment_rollup_totals as t (workspace_id, experiment_id, position, metric_index, units, value, value_squares)
    select ${workspaceId}, c.experiment_id, c.position, c.metric_index, ${sign} * c.units, ${sign} * c.value, ${sign} * c.value_squares from contributions c
    on conflict (workspace_id, experiment_id, position, metric_index) do update set
      units = t.units + excluded.units, value = t.value + excluded.value, value_squares = t.value_squares + excluded.value_squares`;
}

/** A unit (alias) whose variant its keys alone decide: no exposure naming none, or one naming a variant came strictly first. */
export const decidedBy = (alias: string) => sql`(${sql.ref(`${alias}.unnamed_us`)} is null or ${sql.ref(`${alias}.named_key`)} < ${sql.ref(`${alias}.unnamed_us`)} * 32)`;
const decided = decidedBy('r');

/** The experiments' target segments and versions, as rows `targets` (joined as `t`) for `eligible`. */
export function targetsOf(experiments: readonly RollupShape[]): RawBuilder<unknown> {
  const targets = JSON.stringify(experiments.filter((e) => e.target).map((e) => ({ experiment_id: e.id, segment_id: e.target!.id, version: e.target!.version ?? -1 })));
  return sql`select * from jsonb_to_recordset(${targets}::jsonb) as t(experiment_id text collate "C", segment_id text collate "C", version int)`;
}

/** A unit (alias) that counts: profiling consent granted now, and in its experiment's target (`t`, from targetsOf) if it has one. */
export function eligible(workspaceId: string, alias: string): RawBuilder<unknown> {
  const profile = sql.ref(`${alias}.profile_id`);
  return sql`exists (select 1 from consents c where c.workspace_id = ${workspaceId} and c.profile_id = ${profile} and c.purpose = 'profiling' and c.status = 'granted')
    and (t.segment_id is null or exists (select 1 from segment_members s where s.workspace_id = ${workspaceId} and s.segment_id = t.segment_id and s.version = t.version and s.profile_id = ${profile}))`;
}

/**
 * The rollup rows of these experiments (aliased `r`) that meet `condition`:
 * all of them, or those `units` names: a set of (profile_id, experiment_id)
 * where an empty experiment id stands for all of the customer's units (a
 * unit named both ways comes twice: the UPDATE … FROM that takes these rows
 * changes, and returns, each row once). Each
 * customer's rows are read through the profile index, as a catch-up touches
 * few of millions of rows. OFFSET 0 keeps the planner from flattening the
 * lookup into a hash of every row; the experiments are filtered outside it,
 * or it would probe the primary key once per experiment instead.
 */
function unitRows(options: { workspaceId: string; ids: readonly string[]; units: RawBuilder<unknown> | null; condition: RawBuilder<unknown> }): RawBuilder<unknown> {
  const { workspaceId, ids, units, condition } = options;
  if (!units) return sql`select r.* from experiment_rollup r where r.workspace_id = ${workspaceId} and r.experiment_id = any(${ids}::text[]) and ${condition}`;
  return sql`select r.* from ${units} as p(profile_id, experiment_id) cross join lateral (
      select r.* from experiment_rollup r where r.workspace_id = ${workspaceId} and r.profile_id = p.profile_id
      offset 0
    ) r
    where (p.experiment_id = '' or r.experiment_id = p.experiment_id) and r.experiment_id = any(${ids}::text[]) and ${condition}`;
}

/** Takes the units of these experiments (those `units` names, or all; see unitRows) out of the totals. */
export async function uncountUnits(tx: Tx, options: { workspaceId: string; ids: readonly string[]; units: RawBuilder<unknown> | null }): Promise<void> {
  const { workspaceId } = options;
  await sql`
    with was as (
      ${unitRows({ ...options, condition: sql`r.counted is not null` })}
    ),
    -- RETURNING gives the new value: the position it was counted under comes from the row as read.
    units as (
      update experiment_rollup r set counted = null from was
      where r.workspace_id = ${workspaceId} and r.experiment_id = was.experiment_id and r.profile_id = was.profile_id
      returning r.experiment_id, r.profile_id, was.counted::int as position
    )
    ${addToTotals(workspaceId, -1)}`.execute(tx);
}

/**
 * Counts the units of these experiments (those `units` names, or all; see
 * unitRows) that are out of the totals and belong in them: decided by their
 * keys, with profiling consent granted now, and in the target segment's
 * version.
 */
async function countUnits(tx: Tx, options: { workspaceId: string; experiments: readonly RollupShape[]; units: RawBuilder<unknown> | null }): Promise<void> {
  const { workspaceId, experiments } = options;
  await sql`
    with targets as (${targetsOf(experiments)}),
    eligible as (
      select r.experiment_id, r.profile_id, (r.named_key % 32)::smallint as position
      from (${unitRows({ workspaceId, ids: experiments.map((e) => e.id), units: options.units, condition: sql`r.counted is null and ${decided}` })}) r
      left join targets t on t.experiment_id = r.experiment_id
      where ${eligible(workspaceId, 'r')}
    ),
    units as (
      update experiment_rollup r set counted = e.position from eligible e
      where r.workspace_id = ${workspaceId} and r.experiment_id = e.experiment_id and r.profile_id = e.profile_id
      returning r.experiment_id, r.profile_id, r.counted::int as position
    )
    ${addToTotals(workspaceId, 1)}`.execute(tx);
}

/** Counts these experiments' totals again from all their units (rows built again, or another target version). */
export async function recountTotals(tx: Tx, options: { workspaceId: string; experiments: readonly RollupShape[] }): Promise<void> {
  const { workspaceId, experiments } = options;
  if (experiments.length === 0) return;
  const ids = experiments.map((e) => e.id);
  await tx.deleteFrom('experiment_rollup_totals').where('workspace_id', '=', workspaceId).where('experiment_id', 'in', ids).execute();
  await tx.updateTable('experiment_rollup').set({ counted: null }).where('workspace_id', '=', workspaceId).where('experiment_id', 'in', ids).where('counted', 'is not', null).execute();
  await countUnits(tx, { workspaceId, experiments, units: null });
  // Every unit's `counted` changed: without fresh statistics the planner takes them all for uncounted.
  await sql`analyze experiment_rollup`.execute(tx);
}

/**
 * Advances these experiments' rows (`advance`: advanceRollup) and their
 * totals with them: every unit something written between `after` and `below` may change
 * is taken out of the totals first and counted again after. Those are: the
 * unit an exposure names; the units a metric event reaches; every unit of
 * both sides of a merge and of a customer whose profiling consent changed
 * (by customer, as a merge may bring units the survivor did not have); and
 * any stale unit.
 */
export async function advanceWithTotals(tx: Tx, options: { workspaceId: string; experiments: readonly RollupShape[]; after: string; below: string }, advance: () => Promise<void>): Promise<void> {
  const { workspaceId, experiments, after, below } = options;
  if (experiments.length === 0) return;
  const ids = experiments.map((e) => e.id);
  const written = (alias: string) => sql`${sql.ref(`${alias}.ingest_seq`)} > ${after}::bigint and ${sql.ref(`${alias}.ingest_seq`)} < ${below}::bigint`;
  await sql`create temporary table rollup_touched (profile_id text collate "C", experiment_id text collate "C", primary key (profile_id, experiment_id)) on commit drop`.execute(tx);
  await sql`
    with metrics as (
      select * from jsonb_to_recordset(${metricsOf(experiments)}::jsonb) as m(experiment_id text collate "C", metric_index int, event text collate "C", value_property text)
    )
    insert into rollup_touched (profile_id, experiment_id)
    select e.profile_id, e.properties->>'experiment_id' from events e
      where e.workspace_id = ${workspaceId} and ${written('e')} and e.name = 'Experiment Viewed' and e.properties->>'experiment_id' = any(${ids}::text[])
    union
    select r.profile_id, r.experiment_id from events c
      cross join lateral (select r.profile_id, r.experiment_id from experiment_rollup r where r.workspace_id = ${workspaceId} and r.profile_id = c.profile_id offset 0) r
      join metrics m on m.experiment_id = r.experiment_id and m.event = c.name
      where c.workspace_id = ${workspaceId} and ${written('c')} and c.name = any(${[...new Set(experiments.flatMap((e) => e.metrics.map((m) => m.event)))]}::text[])
    union
    select unnest(array[m.merged_id, m.survivor_id, coalesce(p.merged_into, m.merged_id), coalesce(s.merged_into, m.survivor_id)]), '' from profile_merges m
      left join profiles p on p.workspace_id = m.workspace_id and p.id = m.merged_id
      left join profiles s on s.workspace_id = m.workspace_id and s.id = m.survivor_id
      where m.workspace_id = ${workspaceId} and ${written('m')}
    union
    select h.profile_id, '' from consent_history h where h.workspace_id = ${workspaceId} and ${written('h')} and h.purpose = 'profiling'
    union
    select r.profile_id, r.experiment_id from experiment_rollup r where r.workspace_id = ${workspaceId} and r.experiment_id = any(${ids}::text[]) and r.stale`.execute(tx);
  await sql`analyze rollup_touched`.execute(tx);
  const units = sql`rollup_touched`;
  await uncountUnits(tx, { workspaceId, ids, units });
  await advance();
  await countUnits(tx, { workspaceId, experiments, units });
  await sql`drop table rollup_touched`.execute(tx);
}

type TotalsRow = { experiment_id: string; metric_index: number; position: number; n: number; converted: number; sum: number; sum_squares: number };
type TotalsOptions = { workspaceId: string; experiments: readonly ExperimentToTotal[]; metrics: readonly MetricToTotal[] };

/**
 * Totals like `experimentTotals`, from the rollup (which the caller has
 * caught up). An experiment whose totals were counted for the target
 * version asked for reads them, plus its units that no named variant
 * decides (the hash assignment with the weights in force, counted now);
 * any other is counted from all its units. One snapshot for both.
 */
export async function rollupTotals(db: Db, options: TotalsOptions): Promise<VariantTotals[]> {
  if (options.experiments.length === 0 || options.metrics.length === 0) return [];
  if (!db.isTransaction) return db.transaction().setIsolationLevel('repeatable read').execute((tx) => rollupTotals(tx, options));
  const { workspaceId } = options;
  const bases = await totalsBases(db, workspaceId);
  const kept = options.experiments.filter((e) => bases.get(e.id) === basisKey(e.segment)).map((e) => e.id);
  const all = options.experiments.map((e) => e.id).filter((id) => !kept.includes(id));
  const [counted, stored] = await Promise.all([countedTotals(db, { ...options, all, undecided: kept }), storedTotals(db, workspaceId, kept)]);
  return totalsOfRows(options.experiments, combineTotals(options.metrics, counted, stored));
}

/** The target each experiment's kept totals were counted for (basisKey), if they were. */
async function totalsBases(db: Db, workspaceId: string): Promise<Map<string, string | null>> {
  const rows = await db.selectFrom('experiment_rollup_state').select(['experiment_id', 'totals_basis']).where('workspace_id', '=', workspaceId).execute();
  return new Map(rows.map((row) => [row.experiment_id, row.totals_basis]));
}

/** Stored totals rows of these experiments: units under metric -1, and per metric the units with an outcome and their sums. */
async function storedTotals(db: Db, workspaceId: string, ids: readonly string[]): Promise<StoredTotal[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('experiment_rollup_totals').select(['experiment_id', 'position', 'metric_index', 'units', 'value', 'value_squares']).where('workspace_id', '=', workspaceId).where('experiment_id', 'in', ids).execute();
  return rows.map((row) => ({ experiment_id: row.experiment_id, position: row.position, metric_index: row.metric_index, units: Number(row.units), value: Number(row.value), value_squares: Number(row.value_squares) }));
}

export type StoredTotal = { experiment_id: string; position: number; metric_index: number; units: number; value: number; value_squares: number };

/**
 * Adds up counted totals rows (each repeats its position's units on every
 * metric's row) and stored totals. Positions without units are left out,
 * as the raw totals leave them; sorted as they sort.
 */
export function combineTotals(metrics: readonly MetricToTotal[], counted: readonly TotalsRow[], stored: readonly StoredTotal[]): TotalsRow[] {
  const key = (...parts: (string | number)[]) => parts.join('\u0000');
  const units = new Map<string, number>();
  const countedUnits = new Map<string, number>();
  const outcomes = new Map<string, { converted: number; sum: number; sum_squares: number }>();
  const addOutcome = (at: string, converted: number, sum: number, squares: number) => {
    const was = outcomes.get(at) ?? { converted: 0, sum: 0, sum_squares: 0 };
    outcomes.set(at, { converted: was.converted + converted, sum: was.sum + sum, sum_squares: was.sum_squares + squares });
  };
  for (const row of counted) {
    countedUnits.set(key(row.experiment_id, row.position), row.n);
    addOutcome(key(row.experiment_id, row.metric_index, row.position), row.converted, row.sum, row.sum_squares);
  }
  for (const [at, n] of countedUnits) units.set(at, (units.get(at) ?? 0) + n);
  for (const row of stored) {
    if (row.metric_index === -1) units.set(key(row.experiment_id, row.position), (units.get(key(row.experiment_id, row.position)) ?? 0) + row.units);
    else addOutcome(key(row.experiment_id, row.metric_index, row.position), row.units, row.value, row.value_squares);
  }
  const combined: TotalsRow[] = [];
  for (const metric of metrics) {
    for (let position = 0; position < 32; position++) {
      const n = units.get(key(metric.experimentId, position)) ?? 0;
      if (n === 0) continue;
      const outcome = outcomes.get(key(metric.experimentId, metric.metricIndex, position)) ?? { converted: 0, sum: 0, sum_squares: 0 };
      combined.push({ experiment_id: metric.experimentId, metric_index: metric.metricIndex, position, n, ...outcome });
    }
  }
  return combined.sort((a, b) => (a.experiment_id < b.experiment_id ? -1 : a.experiment_id > b.experiment_id ? 1 : a.metric_index - b.metric_index || a.position - b.position));
}

/** Totals counted now from the units: all units of the experiments `all`, and the undecided units of the experiments `undecided`. */
async function countedTotals(db: Db, options: TotalsOptions & { all: readonly string[]; undecided: readonly string[] }): Promise<TotalsRow[]> {
  if (options.all.length === 0 && options.undecided.length === 0) return [];
  const { workspaceId } = options;
  const variants = JSON.stringify(options.experiments.flatMap((e) => e.variants.slice(0, heldOut).map((variant, position) => ({ experiment_id: e.id, position, upper: variant.upper }))));
  const holdouts = JSON.stringify(options.experiments.map((e) => ({ experiment_id: e.id, holdout: e.holdoutShare })));
  const targets = JSON.stringify(options.experiments.filter((e) => e.segment).map((e) => ({ experiment_id: e.id, segment_id: e.segment!.id, version: e.segment!.version ?? -1 })));
  const metrics = JSON.stringify(options.metrics.map((m) => ({ experiment_id: m.experimentId, metric_index: m.metricIndex })));
  await sql`set local work_mem = '256MB'`.execute(db);
  // Compiling this plan (JIT) costs seconds, several times what running it takes.
  await sql`set local jit = off`.execute(db);
  const result = await sql<TotalsRow>`
    with metrics as (
      select * from jsonb_to_recordset(${metrics}::jsonb) as m(experiment_id text collate "C", metric_index int)
    ),
    variants as (
      select * from jsonb_to_recordset(${variants}::jsonb) as v(experiment_id text collate "C", position int, upper float8)
    ),
    holdouts as (
      select * from jsonb_to_recordset(${holdouts}::jsonb) as h(experiment_id text collate "C", holdout float8)
    ),
    targets as (
      select * from jsonb_to_recordset(${targets}::jsonb) as t(experiment_id text collate "C", segment_id text collate "C", version int)
    ),
    units as (
      select r.experiment_id, r.profile_id, case when r.unnamed_us is null then (r.named_key % 32)::int else (least(r.named_key, r.unnamed_us * 32 + coalesce((
          -- The first exposure named no variant: assigned as assignment.ts does, by hash with the weights in force.
          select case when a.u < h.holdout then ${heldOut} else (select min(w.position) from variants w where w.experiment_id = h.experiment_id and (a.u - h.holdout) / (1 - h.holdout) < w.upper) end
          from holdouts h, lateral (select ('x' || substr(encode(sha256(convert_to(h.experiment_id || ':' || r.profile_id, 'UTF8')), 'hex'), 1, 13))::bit(52)::bigint / 4503599627370496.0::float8 as u) a
          where h.experiment_id = r.experiment_id
        ), ${noVariant})) % 32)::int end as position
      from experiment_rollup r
      where r.workspace_id = ${workspaceId} and (r.experiment_id = any(${options.all}::text[])
        or (r.experiment_id = any(${options.undecided}::text[]) and r.unnamed_us is not null and not coalesce(${decided}, false)))
    ),
    counted as materialized (
      select u.experiment_id, u.profile_id, u.position from units u
      join consents c on c.workspace_id = ${workspaceId} and c.profile_id = u.profile_id and c.purpose = 'profiling' and c.status = 'granted'
      left join targets t on t.experiment_id = u.experiment_id
      where t.segment_id is null or exists (select 1 from segment_members s where s.workspace_id = ${workspaceId} and s.segment_id = t.segment_id and s.version = t.version and s.profile_id = u.profile_id)
    ),
    -- Units counted once per variant (not once per metric), and outcomes, which only units with an event have, summed apart.
    sizes as (
      select experiment_id, position, count(*)::int as n from counted group by experiment_id, position
    ),
    outcomes as (
      select u.experiment_id, o.metric_index, u.position, count(*)::int as converted, sum(o.value)::float8 as sum, sum(o.value * o.value)::float8 as sum_squares
      from counted u
      join experiment_rollup_outcomes o on o.workspace_id = ${workspaceId} and o.experiment_id = u.experiment_id and o.profile_id = u.profile_id
      join metrics m on m.experiment_id = u.experiment_id and m.metric_index = o.metric_index
      group by u.experiment_id, o.metric_index, u.position
    )
    select s.experiment_id, m.metric_index, s.position, s.n, coalesce(o.converted, 0)::int as converted,
      coalesce(o.sum, 0)::float8 as sum, coalesce(o.sum_squares, 0)::float8 as sum_squares
    from sizes s
    join metrics m on m.experiment_id = s.experiment_id
    left join outcomes o on o.experiment_id = s.experiment_id and o.metric_index = m.metric_index and o.position = s.position
    order by s.experiment_id, m.metric_index, s.position`.execute(db);
  return result.rows;
}
