import { sql, type Kysely, type Migration } from 'kysely';

/**
 * CRM connectors (issue 11).
 *
 * - `connector_connections`: one CRM account a workspace connected (HubSpot,
 *   Salesforce), its base URLs, its credentials sealed with the personal-data
 *   key ring (`credentials_enc`), the field mapping, what a withdrawn consent
 *   does in the CRM, and the pull cursor (saved only after a page commits).
 * - `connector_segments`: the segments a connection pushes.
 * - `connector_records`: each customer pushed, by the CRM's own record id,
 *   with a keyed digest of the values sent (a changed value is pushed again)
 *   and its state: `active`, `withdrawn` (consent gone, CRM record updated),
 *   or `erase-pending` (an erasure asked for the CRM record to go).
 * - `connector_runs`: each sync's history and counts.
 * - `connector_dead_letters`: records that failed for good in a run, with the
 *   error; an admin retries them. No personal data: the profile id only.
 * - `connector_oauth_states`: Salesforce sign-ins under way (state digest).
 */
const statements = [
  `create table connector_connections (
    workspace_id text not null references workspaces(id),
    id text not null,
    kind text not null check (kind in ('hubspot', 'salesforce')),
    name text not null,
    status text not null check (status in ('awaiting-authorization', 'connected', 'failing')),
    settings jsonb not null,
    credentials_enc text,
    pull_cursor text,
    created_by text not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (workspace_id, id)
  )`,
  `create table connector_segments (
    workspace_id text not null references workspaces(id),
    connection_id text not null,
    segment_id text not null,
    primary key (workspace_id, connection_id, segment_id)
  )`,
  `create table connector_records (
    workspace_id text not null references workspaces(id),
    connection_id text not null,
    profile_id text not null,
    crm_id text not null,
    values_digest text not null,
    state text not null check (state in ('active', 'withdrawn', 'erase-pending')),
    pushed_at timestamptz not null,
    primary key (workspace_id, connection_id, profile_id)
  )`,
  `create index connector_records_profile on connector_records (workspace_id, profile_id)`,
  `create table connector_runs (
    workspace_id text not null references workspaces(id),
    id text not null,
    connection_id text not null,
    job_id text,
    status text not null check (status in ('running', 'completed', 'failed')),
    started_at timestamptz not null,
    finished_at timestamptz,
    pushed integer not null default 0,
    updated integer not null default 0,
    removed integer not null default 0,
    failed integer not null default 0,
    pulled integer not null default 0,
    rate_limited integer not null default 0,
    error text,
    primary key (workspace_id, id)
  )`,
  `create index connector_runs_connection on connector_runs (workspace_id, connection_id, started_at)`,
  `create table connector_dead_letters (
    workspace_id text not null references workspaces(id),
    id text not null,
    connection_id text not null,
    run_id text not null,
    profile_id text not null,
    operation text not null,
    error text not null,
    created_at timestamptz not null,
    primary key (workspace_id, id)
  )`,
  `create unique index connector_dead_letters_record on connector_dead_letters (workspace_id, connection_id, profile_id, operation)`,
  `create table connector_oauth_states (
    state_hash text primary key,
    workspace_id text not null references workspaces(id),
    connection_id text not null,
    expires_at timestamptz not null
  )`,
];

export const connectors: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['connector_oauth_states', 'connector_dead_letters', 'connector_runs', 'connector_records', 'connector_segments', 'connector_connections']) await sql.raw(`drop table ${table}`).execute(db);
  },
};
