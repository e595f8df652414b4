import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Multi-touch attribution (issue 10), the data side.
 *
 * - `attribution_settings`: per workspace, the channel grouping (null: the
 *   defaults), which events count as conversions and where their value is,
 *   the lookback window and the reporting currency.
 * - `attribution_spend`: spend per day, channel and campaign ('' when the
 *   line is for the whole channel), in its currency; importing the same
 *   day/channel/campaign again replaces it.
 * - `attribution_runs`: a model run over a date range and its report
 *   (aggregates only: no customer ids).
 * - `attribution_holdouts`: a share of a segment withheld from a campaign.
 *   Who is withheld is computed from a stable hash, never stored.
 * - `attribution_tracking_links`: a campaign's tracking link and the one
 *   destination it may redirect to.
 * - `job_progress`: how far a running job got (any job may report it).
 */
const statements = [
  `create table attribution_settings (
    workspace_id text primary key references workspaces(id),
    channel_rules jsonb,
    conversion_events jsonb not null default '[]',
    lookback_days integer not null default 30 check (lookback_days between 1 and 365),
    reporting_currency text not null default 'USD',
    updated_at timestamptz not null default now()
  )`,
  `create table attribution_spend (
    workspace_id text not null references workspaces(id),
    day date not null,
    channel text not null,
    campaign text not null default '',
    currency text not null,
    amount numeric(20, 6) not null check (amount >= 0),
    source text not null,
    imported_at timestamptz not null,
    primary key (workspace_id, day, channel, campaign)
  )`,
  `create table attribution_runs (
    workspace_id text not null references workspaces(id),
    id text not null,
    models jsonb not null,
    model_options jsonb not null default '{}',
    grouping text not null check (grouping in ('channel', 'campaign')),
    from_at timestamptz not null,
    to_at timestamptz not null,
    status text not null check (status in ('queued', 'running', 'completed', 'failed')),
    job_id text,
    report jsonb,
    error text,
    requested_by text not null,
    created_at timestamptz not null,
    completed_at timestamptz,
    primary key (workspace_id, id)
  )`,
  `create index attribution_runs_created on attribution_runs (workspace_id, created_at)`,
  `create table attribution_holdouts (
    workspace_id text not null references workspaces(id),
    id text not null,
    name text not null,
    campaign_id text not null,
    segment_id text not null,
    share numeric(5, 4) not null check (share > 0 and share < 1),
    created_by text not null,
    created_at timestamptz not null,
    primary key (workspace_id, id)
  )`,
  `create table attribution_tracking_links (
    workspace_id text not null references workspaces(id),
    id text not null,
    campaign_id text not null,
    channel text not null,
    destination_url text not null,
    created_by text not null,
    created_at timestamptz not null,
    revoked_at timestamptz,
    primary key (workspace_id, id)
  )`,
  `create unique index attribution_tracking_links_id on attribution_tracking_links (id)`,
  `create table job_progress (
    workspace_id text not null references workspaces(id),
    job_id text not null,
    done bigint not null,
    total bigint,
    phase text,
    updated_at timestamptz not null,
    primary key (workspace_id, job_id)
  )`,
];

export const attribution: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['job_progress', 'attribution_tracking_links', 'attribution_holdouts', 'attribution_runs', 'attribution_spend', 'attribution_settings']) await sql.raw(`drop table ${table}`).execute(db);
  },
};
