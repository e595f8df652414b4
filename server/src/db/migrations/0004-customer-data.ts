import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The customer data platform: write keys for ingest, events (append-only),
 * profiles with an identity graph and its merges, consent per purpose with
 * history, segments with versioned membership snapshots, and data-subject
 * requests. Email, phone and name are stored encrypted (`*_enc`), found by a
 * keyed hash (`*_hash`); every row carries its workspace.
 */
const statements = [
  `create table write_keys (
    id text primary key,
    workspace_id text not null references workspaces(id),
    name text not null,
    secret_hash text not null,
    created_by text not null,
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz
  )`,
  `create index write_keys_workspace on write_keys (workspace_id)`,
  `alter table workspaces add column consent_purposes jsonb not null default '["email-marketing","sms-marketing","ads-personalisation","analytics","profiling"]'`,
  `alter table workspaces add column event_retention_days integer check (event_retention_days is null or event_retention_days > 0)`,
  `create table profiles (
    workspace_id text not null references workspaces(id),
    id text not null,
    merged_into text,
    email_enc text,
    phone_enc text,
    name_enc text,
    traits jsonb not null default '{}',
    first_seen_at timestamptz not null,
    last_seen_at timestamptz not null,
    event_count integer not null default 0,
    created_at timestamptz not null default now(),
    erased_at timestamptz,
    primary key (workspace_id, id)
  )`,
  `create index profiles_live on profiles (workspace_id, id) where merged_into is null`,
  `create table identities (
    workspace_id text not null references workspaces(id),
    kind text not null,
    value_hash text not null,
    value_enc text not null,
    profile_id text not null,
    first_seen_at timestamptz not null,
    primary key (workspace_id, kind, value_hash)
  )`,
  `create index identities_profile on identities (workspace_id, profile_id)`,
  `create table profile_merges (
    workspace_id text not null references workspaces(id),
    id text not null,
    survivor_id text not null,
    merged_id text not null,
    identifier_kind text not null,
    identifier_hash text not null,
    message_id text,
    merged_at timestamptz not null,
    primary key (workspace_id, id)
  )`,
  `create index profile_merges_survivor on profile_merges (workspace_id, survivor_id)`,
  `create table identity_conflicts (
    workspace_id text not null references workspaces(id),
    id text not null,
    profile_id text not null,
    other_profile_id text not null,
    identifier_kind text not null,
    identifier_hash text not null,
    message_id text,
    seen_at timestamptz not null,
    primary key (workspace_id, id)
  )`,
  `create table events (
    workspace_id text not null references workspaces(id),
    message_id text not null,
    type text not null,
    name text,
    profile_id text not null,
    properties jsonb not null default '{}',
    context jsonb not null default '{}',
    occurred_at timestamptz not null,
    received_at timestamptz not null default now(),
    primary key (workspace_id, message_id)
  )`,
  `create index events_profile_name_time on events (workspace_id, profile_id, name, occurred_at)`,
  `create index events_occurred on events (workspace_id, occurred_at)`,
  `create table consents (
    workspace_id text not null references workspaces(id),
    profile_id text not null,
    purpose text not null,
    status text not null check (status in ('granted', 'denied')),
    source text not null,
    legal_basis text not null,
    updated_at timestamptz not null,
    primary key (workspace_id, profile_id, purpose)
  )`,
  `create index consents_purpose on consents (workspace_id, purpose, profile_id) where status = 'granted'`,
  `create table consent_history (
    workspace_id text not null references workspaces(id),
    id bigint generated always as identity primary key,
    profile_id text not null,
    purpose text not null,
    status text not null check (status in ('granted', 'denied', 'unknown')),
    source text not null,
    legal_basis text not null,
    message_id text,
    recorded_at timestamptz not null
  )`,
  `create index consent_history_profile on consent_history (workspace_id, profile_id, recorded_at)`,
  `create table segments (
    workspace_id text not null references workspaces(id),
    id text not null,
    name text not null,
    purpose text not null,
    rule jsonb not null,
    created_by text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz,
    primary key (workspace_id, id)
  )`,
  `create table segment_snapshots (
    workspace_id text not null references workspaces(id),
    segment_id text not null,
    version integer not null,
    member_count integer not null,
    members_digest text not null,
    computed_at timestamptz not null,
    primary key (workspace_id, segment_id, version)
  )`,
  `create table segment_members (
    workspace_id text not null references workspaces(id),
    segment_id text not null,
    version integer not null,
    profile_id text not null,
    primary key (workspace_id, segment_id, version, profile_id)
  )`,
  `create index segment_members_profile on segment_members (workspace_id, profile_id)`,
  `create table privacy_requests (
    workspace_id text not null references workspaces(id),
    id text not null,
    kind text not null check (kind in ('export', 'erase')),
    subject_kind text not null,
    subject_hash text not null,
    status text not null check (status in ('pending', 'running', 'completed', 'failed')),
    requested_by text not null,
    created_at timestamptz not null default now(),
    completed_at timestamptz,
    result jsonb,
    error text,
    primary key (workspace_id, id)
  )`,
];

export const customerData: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['privacy_requests', 'segment_members', 'segment_snapshots', 'segments', 'consent_history', 'consents', 'events', 'identity_conflicts', 'profile_merges', 'identities', 'profiles', 'write_keys']) await sql.raw(`drop table ${table}`).execute(db);
    await sql.raw('alter table workspaces drop column event_retention_days, drop column consent_purposes').execute(db);
  },
};
