import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Indexes for evaluating segments as one set-based query: each condition
 * becomes a semi-join whose side can be read from an index alone (events by
 * name or view type within a time window, identities by kind, traits by
 * containment), instead of probing every profile one at a time.
 */
const indexes = [
  `create index events_name_time on events (workspace_id, name, occurred_at) include (profile_id, type) where name is not null`,
  `create index events_view_time on events (workspace_id, type, occurred_at) include (profile_id) where type in ('page', 'screen')`,
  `create index identities_kind_profile on identities (workspace_id, kind, profile_id)`,
  `create index profiles_traits on profiles using gin (traits jsonb_path_ops)`,
];

export const segmentIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of indexes) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const name of ['profiles_traits', 'identities_kind_profile', 'events_view_time', 'events_name_time']) await sql.raw(`drop index ${name}`).execute(db);
  },
};
