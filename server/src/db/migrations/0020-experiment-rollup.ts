import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Experiment results from pre-aggregated units instead of raw events (issue 13).
 *
 * - `ingest_seq`: one sequence numbers every event and merge as it is written
 *   (under the workspace's ingest lock, so a number read under that lock
 *   bounds what is committed). Older rows keep null: the first build reads
 *   them all. Events get a BRIN index on it (events arrive in its order),
 *   which costs ingest next to nothing.
 * - `experiment_rollup`: one row per experiment and unit (the customer id
 *   its exposures name): the first exposure time, the smallest
 *   time·32 + variant position over the exposures that name a variant, and
 *   the first exposure that names none (its variant is given by hash and the
 *   weights in force, at read time). `stale` marks units whose outcomes must
 *   be counted again (a new unit, an earlier first exposure, a merge).
 * - `experiment_rollup_outcomes`: per unit and metric (primary = 0, then the
 *   guardrails), the events counted from the first exposure on and the sum
 *   of their value; only units with at least one such event have a row.
 * - `experiment_rollup_state`: per experiment, the definition parts the rows
 *   depend on (variants, metrics) and the sequence number they are complete
 *   below. Consent, target segment, holdout and weights are applied when
 *   results are read, so they never make the rollup stale.
 * Personal data: the customer id; the data-subject eraser removes the rows.
 * Keys compare byte by byte (COLLATE "C"), as the events' and consents'
 * do (0006): a join on keys of different collations cannot use their indexes.
 */
const up = [
  `create sequence ingest_seq`,
  `alter table events add column ingest_seq bigint`,
  `alter table events alter column ingest_seq set default nextval('ingest_seq')`,
  `create index events_ingest_seq_brin on events using brin (ingest_seq)`,
  `alter table profile_merges add column ingest_seq bigint`,
  `alter table profile_merges alter column ingest_seq set default nextval('ingest_seq')`,
  `create index profile_merges_ingest_seq on profile_merges (workspace_id, ingest_seq)`,
  `create table experiment_rollup (
    workspace_id text collate "C" not null,
    experiment_id text collate "C" not null,
    profile_id text collate "C" not null,
    first_at timestamptz not null,
    named_key bigint,
    unnamed_us bigint,
    stale boolean not null default false,
    primary key (workspace_id, experiment_id, profile_id)
  )`,
  `create index experiment_rollup_profile on experiment_rollup (workspace_id, profile_id)`,
  `create index experiment_rollup_stale on experiment_rollup (workspace_id, experiment_id) where stale`,
  `create table experiment_rollup_outcomes (
    workspace_id text collate "C" not null,
    experiment_id text collate "C" not null,
    profile_id text collate "C" not null,
    metric_index int not null,
    events int not null,
    value float8 not null,
    primary key (workspace_id, experiment_id, profile_id, metric_index)
  )`,
  `create index experiment_rollup_outcomes_profile on experiment_rollup_outcomes (workspace_id, profile_id)`,
  `create table experiment_rollup_state (
    workspace_id text collate "C" not null,
    experiment_id text collate "C" not null,
    shape text not null,
    through_seq bigint not null,
    built_at timestamptz not null,
    primary key (workspace_id, experiment_id)
  )`,
];

const down = [
  `drop table experiment_rollup_state`,
  `drop table experiment_rollup_outcomes`,
  `drop table experiment_rollup`,
  `drop index profile_merges_ingest_seq`,
  `alter table profile_merges drop column ingest_seq`,
  `drop index events_ingest_seq_brin`,
  `alter table events drop column ingest_seq`,
  `drop sequence ingest_seq`,
];

export const experimentRollup: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of up) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const statement of down) await sql.raw(statement).execute(db);
  },
};
