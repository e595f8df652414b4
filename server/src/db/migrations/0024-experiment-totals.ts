import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Experiment results from per-variant totals kept with the rollup (issue 13),
 * so that reading 100 experiments touches a few hundred rows instead of
 * every exposed customer.
 *
 * - `experiment_rollup.counted`: the variant position a unit is counted
 *   under in the totals, or null when it is not in them (no profiling
 *   consent, outside the target segment's version, or a first exposure that
 *   named no variant, whose variant depends on the weights in force and is
 *   worked out when results are read).
 * - `experiment_rollup_totals`: per experiment and position, the units
 *   counted (metric_index -1) and, per metric, the units with an outcome and
 *   the sums of their values and squares. Numeric, so that taking a unit out
 *   and putting it back leaves exactly what was there.
 * - `experiment_rollup_state.totals_basis`: the target segment version the
 *   totals were counted for (null: not counted yet); another version counts
 *   them again.
 * - `consent_history.ingest_seq`: every consent change is numbered like
 *   events and merges, so a catch-up finds the customers whose consent
 *   changed since its watermark. Added without a default first, then given
 *   one, so existing rows stay null instead of the table being rewritten.
 */
const up = [
  `alter table consent_history add column ingest_seq bigint`,
  `alter table consent_history alter column ingest_seq set default nextval('ingest_seq')`,
  `create index consent_history_ingest_seq on consent_history (workspace_id, ingest_seq)`,
  `alter table experiment_rollup add column counted smallint`,
  `create index experiment_rollup_unnamed on experiment_rollup (workspace_id, experiment_id) where unnamed_us is not null`,
  `alter table experiment_rollup_state add column totals_basis text`,
  `create table experiment_rollup_totals (
    workspace_id text collate "C" not null,
    experiment_id text collate "C" not null,
    position int not null,
    metric_index int not null,
    units bigint not null,
    value numeric not null,
    value_squares numeric not null,
    primary key (workspace_id, experiment_id, position, metric_index)
  )`,
];

const down = [
  `drop table experiment_rollup_totals`,
  `alter table experiment_rollup_state drop column totals_basis`,
  `drop index experiment_rollup_unnamed`,
  `alter table experiment_rollup drop column counted`,
  `drop index consent_history_ingest_seq`,
  `alter table consent_history drop column ingest_seq`,
];

export const experimentTotals: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of up) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const statement of down) await sql.raw(statement).execute(db);
  },
};
