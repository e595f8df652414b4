import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { HubSchema } from './schema';

/** Experiments, their weight history, and the totals their results are computed from; every query scoped by workspace. */
type Db = Kysely<HubSchema> | Transaction<HubSchema>;
export type ExperimentRow = Selectable<HubSchema['experiments']>;
export type ExperimentStatus = ExperimentRow['status'];

/** jsonb comes back parsed from PostgreSQL and as text from some PGlite paths: read both. */
function fromJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function toRow(row: ExperimentRow): ExperimentRow {
  return { ...row, definition: fromJson(row.definition), weights: fromJson(row.weights) };
}

export async function createExperiment(tx: Db, row: { workspace_id: string; id: string; campaign_id: string; name: string; definition: unknown; weights: Record<string, number>; created_by: string; now: Date }): Promise<void> {
  await tx
    .insertInto('experiments')
    .values({ workspace_id: row.workspace_id, id: row.id, campaign_id: row.campaign_id, name: row.name, status: 'draft', definition: JSON.stringify(row.definition), weights: JSON.stringify(row.weights), created_by: row.created_by, created_at: row.now, updated_at: row.now })
    .execute();
}

export async function getExperiment(db: Db, workspaceId: string, id: string): Promise<ExperimentRow | undefined> {
  const row = await db.selectFrom('experiments').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row && toRow(row);
}

/** For a change: the row locked until the transaction ends, so two changes of one experiment apply one after the other. */
export async function lockExperiment(tx: Transaction<HubSchema>, workspaceId: string, id: string): Promise<ExperimentRow | undefined> {
  const row = await tx.selectFrom('experiments').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).forUpdate().executeTakeFirst();
  return row && toRow(row);
}

export async function listExperiments(db: Db, workspaceId: string, filter: { campaignId?: string | undefined; status?: ExperimentStatus | undefined }): Promise<ExperimentRow[]> {
  let query = db.selectFrom('experiments').selectAll().where('workspace_id', '=', workspaceId);
  if (filter.campaignId) query = query.where('campaign_id', '=', filter.campaignId);
  if (filter.status) query = query.where('status', '=', filter.status);
  return (await query.orderBy('created_at', 'desc').orderBy('id').execute()).map(toRow);
}

export async function updateExperiment(tx: Db, workspaceId: string, id: string, change: { status?: ExperimentStatus; weights?: Record<string, number>; winner_variant_id?: string | null; started_at?: Date; ended_at?: Date; now: Date }): Promise<void> {
  const { now, weights, ...rest } = change;
  await tx
    .updateTable('experiments')
    .set({ ...rest, ...(weights && { weights: JSON.stringify(weights) }), updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

export async function recordWeights(tx: Db, entry: { workspaceId: string; experimentId: string; weights: Record<string, number>; reason: string; details: Record<string, unknown>; at: Date }): Promise<void> {
  await tx
    .insertInto('experiment_weights')
    .values({ workspace_id: entry.workspaceId, experiment_id: entry.experimentId, weights: JSON.stringify(entry.weights), reason: entry.reason, details: JSON.stringify(entry.details), recorded_at: entry.at })
    .execute();
}

export async function weightHistory(db: Db, workspaceId: string, experimentId: string): Promise<{ weights: Record<string, number>; reason: string; details: Record<string, unknown>; recordedAt: Date }[]> {
  const rows = await db.selectFrom('experiment_weights').select(['weights', 'reason', 'details', 'recorded_at']).where('workspace_id', '=', workspaceId).where('experiment_id', '=', experimentId).orderBy('id').execute();
  return rows.map((row) => ({ weights: fromJson(row.weights), reason: row.reason, details: fromJson(row.details), recordedAt: row.recorded_at }));
}

/** Running experiments of every workspace, for the scheduled bandit and auto-winner runs. */
export async function runningExperiments(db: Db): Promise<{ workspaceId: string; id: string }[]> {
  const rows = await db.selectFrom('experiments').select(['workspace_id', 'id']).where('status', '=', 'running').orderBy('workspace_id').orderBy('id').execute();
  return rows.map((row) => ({ workspaceId: row.workspace_id, id: row.id }));
}

/** A segment's current membership version, or null before its first snapshot (or for an unknown segment). */
export async function currentMembershipVersion(db: Db, workspaceId: string, segmentId: string): Promise<number | null> {
  const row = await db.selectFrom('segment_snapshots').select((eb) => eb.fn.max('version').as('version')).where('workspace_id', '=', workspaceId).where('segment_id', '=', segmentId).executeTakeFirst();
  return row?.version ?? null;
}

/** What assignment needs to know of each customer id: its live profile, profiling consent, and membership of the target segment. */
export async function assignmentEligibility(db: Db, options: { workspaceId: string; customerIds: readonly string[]; segment: { id: string; version: number | null } | null }): Promise<Map<string, { profileId: string; consented: boolean; targeted: boolean }>> {
  if (options.customerIds.length === 0) return new Map();
  const { workspaceId, segment } = options;
  const rows = await sql<{ customer_id: string; profile_id: string; consented: boolean; targeted: boolean }>`
    select i.customer_id, live.id as profile_id,
      exists (select 1 from consents c where c.workspace_id = ${workspaceId} and c.profile_id = live.id and c.purpose = 'profiling' and c.status = 'granted') as consented,
      ${segment ? sql`exists (select 1 from segment_members m where m.workspace_id = ${workspaceId} and m.segment_id = ${segment.id} and m.version = ${segment.version ?? -1} and m.profile_id = live.id)` : sql`true`} as targeted
    from unnest(${[...options.customerIds]}::text[]) as i(customer_id)
    join profiles p on p.workspace_id = ${workspaceId} and p.id = i.customer_id
    join profiles live on live.workspace_id = ${workspaceId} and live.id = coalesce(p.merged_into, p.id) and live.erased_at is null`.execute(db);
  return new Map(rows.rows.map((row) => [row.customer_id, { profileId: row.profile_id, consented: row.consented, targeted: row.targeted }]));
}

/** One metric of one experiment to total: the event counted, and the numeric property summed for a mean. */
export interface MetricToTotal {
  experimentId: string;
  metricIndex: number;
  event: string;
  valueProperty: string | null;
}

/** Sufficient statistics of one metric in one variant: exposed customers, those who converted, Σ value and Σ value² per customer. */
export interface VariantTotals {
  experimentId: string;
  metricIndex: number;
  /** As the exposure named it (variant_id, or Segment's variation_id); null when it named none, or none of the experiment's. */
  variantId: string | null;
  n: number;
  converted: number;
  sum: number;
  sumSquares: number;
}

/**
 * The reference the experiment rollup (experiment-rollup-store.ts) must
 * equal, and what its tests compare it with; the Hub reads results from the
 * rollup. Totals every metric of the given experiments of one workspace in one
 * statement, from the events, so that millions of exposures are read once
 * (the first exposure and its variant come from one hash aggregate, no sort):
 *
 * - a unit is a customer (events point at the live profile: merges move
 *   them) with an "Experiment Viewed" event naming the experiment; the unit
 *   belongs to the variant its FIRST exposure named (variant_id, or Segment's
 *   variation_id; a name the experiment does not have counts as none); an
 *   exposure that names no variant gets the one assignment by hash gives with
 *   the weights in force now (or the holdout). The
 *   first exposure's variant is found in the same pass as the first time:
 *   min(time in µs · 32 + variant's position), positions 0–30, 31 for none;
 * - only customers who granted the 'profiling' purpose count, and, for an
 *   experiment with a target segment, only members of its membership version given;
 * - a metric counts the unit's events of its name from the first exposure on:
 *   converted = at least one, value = Σ of its numeric property (non-numbers count 0).
 */
export async function experimentTotals(db: Db, options: { workspaceId: string; experiments: readonly ExperimentToTotal[]; metrics: readonly MetricToTotal[] }): Promise<VariantTotals[]> {
  if (options.experiments.length === 0 || options.metrics.length === 0) return [];
  if (!db.isTransaction) return db.transaction().execute((tx) => experimentTotals(tx, options));
  const { workspaceId } = options;
  const ids = options.experiments.map((e) => e.id);
  const variants = JSON.stringify(options.experiments.flatMap((e) => e.variants.slice(0, heldOut).map((variant, position) => ({ experiment_id: e.id, variant_id: variant.id, position, upper: variant.upper }))));
  const holdouts = JSON.stringify(options.experiments.map((e) => ({ experiment_id: e.id, holdout: e.holdoutShare })));
  const targets = JSON.stringify(options.experiments.filter((e) => e.segment).map((e) => ({ experiment_id: e.id, segment_id: e.segment!.id, version: e.segment!.version ?? -1 })));
  const metrics = JSON.stringify(options.metrics.map((m) => ({ experiment_id: m.experimentId, metric_index: m.metricIndex, event: m.event, value_property: m.valueProperty })));
  // Hash tables for a few million units instead of sorts spilling to disk; this transaction only.
  await sql`set local work_mem = '256MB'`.execute(db);
  const result = await sql<{ experiment_id: string; metric_index: number; position: number; n: number; converted: number; sum: number; sum_squares: number }>`
    with metrics as (
      select * from jsonb_to_recordset(${metrics}::jsonb) as m(experiment_id text, metric_index int, event text, value_property text)
    ),
    variants as (
      select * from jsonb_to_recordset(${variants}::jsonb) as v(experiment_id text, variant_id text, position int, upper float8)
    ),
    holdouts as (
      select * from jsonb_to_recordset(${holdouts}::jsonb) as h(experiment_id text, holdout float8)
    ),
    targets as (
      select * from jsonb_to_recordset(${targets}::jsonb) as t(experiment_id text, segment_id text, version int)
    ),
    exposures as (
      select e.properties->>'experiment_id' as experiment_id, e.profile_id, e.occurred_at,
        (extract(epoch from e.occurred_at) * 1000000)::bigint * 32 + coalesce(v.position, case when coalesce(e.properties->>'variant_id', e.properties->>'variation_id') is null then (
          -- No variant named: assigned as assignment.ts does, by hash with the weights in force.
          select case when a.u < h.holdout then ${heldOut} else (select min(w.position) from variants w where w.experiment_id = h.experiment_id and (a.u - h.holdout) / (1 - h.holdout) < w.upper) end
          from holdouts h, lateral (select ('x' || substr(encode(sha256(convert_to(h.experiment_id || ':' || e.profile_id, 'UTF8')), 'hex'), 1, 13))::bit(52)::bigint / 4503599627370496.0::float8 as u) a
          where h.experiment_id = e.properties->>'experiment_id'
        ) end, ${noVariant}) as first_key
      from events e
      left join variants v on v.experiment_id = e.properties->>'experiment_id' and v.variant_id = coalesce(e.properties->>'variant_id', e.properties->>'variation_id')
      where e.workspace_id = ${workspaceId} and e.name = 'Experiment Viewed' and e.properties->>'experiment_id' = any(${ids}::text[])
    ),
    units as (
      select x.experiment_id, x.profile_id, min(x.occurred_at) as first_at, (min(x.first_key) % 32)::int as position
      from exposures x
      group by x.experiment_id, x.profile_id
    ),
    counted as (
      select u.* from units u
      join consents c on c.workspace_id = ${workspaceId} and c.profile_id = u.profile_id and c.purpose = 'profiling' and c.status = 'granted'
      left join targets t on t.experiment_id = u.experiment_id
      where t.segment_id is null or exists (select 1 from segment_members s where s.workspace_id = ${workspaceId} and s.segment_id = t.segment_id and s.version = t.version and s.profile_id = u.profile_id)
    ),
    outcomes as (
      select u.experiment_id, u.profile_id, m.metric_index, count(*) as events,
        sum(case when jsonb_typeof(c.properties -> m.value_property) = 'number' then (c.properties ->> m.value_property)::float8 else 0 end) as value
      from counted u
      join metrics m on m.experiment_id = u.experiment_id
      join events c on c.workspace_id = ${workspaceId} and c.name = m.event and c.profile_id = u.profile_id and c.occurred_at >= u.first_at
      group by u.experiment_id, u.profile_id, m.metric_index
    )
    select u.experiment_id, m.metric_index, u.position, count(*)::int as n, count(o.events)::int as converted,
      coalesce(sum(o.value), 0)::float8 as sum, coalesce(sum(o.value * o.value), 0)::float8 as sum_squares
    from counted u
    join metrics m on m.experiment_id = u.experiment_id
    left join outcomes o on o.experiment_id = u.experiment_id and o.profile_id = u.profile_id and o.metric_index = m.metric_index
    group by u.experiment_id, m.metric_index, u.position
    order by u.experiment_id, m.metric_index, u.position`.execute(db);
  return totalsOfRows(options.experiments, result.rows);
}

/** A totals statement's rows (a variant by its position, or none, or the holdout) as VariantTotals; the rollup's statement gives the same rows. */
export function totalsOfRows(
  experiments: readonly ExperimentToTotal[],
  rows: readonly { experiment_id: string; metric_index: number; position: number; n: number; converted: number; sum: number; sum_squares: number }[],
): VariantTotals[] {
  const variantIdsOf = new Map(experiments.map((e) => [e.id, e.variants.map((v) => v.id)]));
  return rows.map((row) => ({
    experimentId: row.experiment_id,
    metricIndex: Number(row.metric_index),
    variantId: Number(row.position) === noVariant ? null : Number(row.position) === heldOut ? holdoutVariantId : variantIdsOf.get(row.experiment_id)![Number(row.position)]!,
    n: Number(row.n),
    converted: Number(row.converted),
    sum: Number(row.sum),
    sumSquares: Number(row.sum_squares),
  }));
}

/** The positions that stand for "no variant of this experiment" and "held out" in the totals' packed key (an experiment has at most 20 variants). */
export const noVariant = 31;
export const heldOut = 30;
/** How the totals name the held-out customers (no variant id can be written so). */
export const holdoutVariantId = '(holdout)';

/** An experiment to total: its variants in order with the upper end of each one's cumulative share (for exposures that name none), holdout and target. */
export interface ExperimentToTotal {
  id: string;
  variants: readonly { id: string; upper: number }[];
  holdoutShare: number;
  segment: { id: string; version: number | null } | null;
}
