import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Conversions that happen outside the Hub's event stream: closed-won deals and
 * opportunities pulled from a CRM (issue 11), or conversions posted through the
 * API. Attribution (issue 10) reads them beside the conversion events.
 *
 * - One row per conversion at its source (`source` + `external_id`), so pulling
 *   the same deal again updates it instead of counting it twice.
 * - `profile_id` is the customer it was linked to (by email or external id) when
 *   it was stored, or null when no customer matched; a later merge is followed
 *   through `profiles.merged_into` when journeys are stitched.
 * - `value` is the amount in `currency` (ISO 4217).
 */
const statements = [
  `create table external_conversions (
    workspace_id text not null references workspaces(id),
    source text not null,
    external_id text not null,
    profile_id text,
    name text not null,
    value numeric(20, 6) not null default 0,
    currency text not null,
    occurred_at timestamptz not null,
    properties jsonb not null default '{}',
    received_at timestamptz not null default now(),
    primary key (workspace_id, source, external_id)
  )`,
  `create index external_conversions_occurred on external_conversions (workspace_id, occurred_at)`,
  `create index external_conversions_profile on external_conversions (workspace_id, profile_id)`,
];

export const externalConversions: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw('drop table external_conversions').execute(db);
  },
};
