import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Experiments on campaigns (issue 13).
 *
 * - `experiments`: one per test of a campaign's creatives: its status, its
 *   definition (variants naming Studio records, primary and guardrail
 *   metrics, holdout, engine, bandit settings) as checked JSON, the traffic
 *   weights in force, and the winner once decided.
 * - `experiment_weights`: every change of the weights (the bandit's runs, a
 *   start), with the totals they were computed from: the history an analyst
 *   needs to read a bandit's results.
 * - Assignment is computed by hash, never stored; exposures and conversions
 *   are read from `events` (no per-customer table here, so nothing for the
 *   erasers beyond what they already do to events).
 * - `events_experiment_exposures` finds an experiment's exposures ("Experiment
 *   Viewed" with `experiment_id`) in customer, then time, order.
 */
const statements = [
  `create table experiments (
    workspace_id text not null references workspaces(id),
    id text not null,
    campaign_id text not null,
    name text not null,
    status text not null check (status in ('draft', 'running', 'stopped', 'decided')),
    definition jsonb not null,
    weights jsonb not null,
    winner_variant_id text,
    created_by text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    started_at timestamptz,
    ended_at timestamptz,
    primary key (workspace_id, id)
  )`,
  `create index experiments_campaign on experiments (workspace_id, campaign_id)`,
  `create index experiments_running on experiments (status) where status = 'running'`,
  `create table experiment_weights (
    workspace_id text not null references workspaces(id),
    experiment_id text not null,
    id bigint generated always as identity primary key,
    weights jsonb not null,
    reason text not null,
    details jsonb not null default '{}',
    recorded_at timestamptz not null
  )`,
  `create index experiment_weights_experiment on experiment_weights (workspace_id, experiment_id, id)`,
  `create index events_experiment_exposures on events (workspace_id, (properties->>'experiment_id'), profile_id, occurred_at) where name = 'Experiment Viewed'`,
];

export const experiments: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const statement of ['drop index events_experiment_exposures', 'drop table experiment_weights', 'drop table experiments']) await sql.raw(statement).execute(db);
  },
};
