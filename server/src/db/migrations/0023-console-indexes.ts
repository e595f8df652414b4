import { sql, type Kysely, type Migration } from 'kysely';

/**
 * What the console reads at scale (bench/console): opening a customer looks
 * up the identity conflicts that name them on either side, which read the
 * whole of identity_conflicts without an index on each side (a bitmap of
 * the two answers it now). The audit log's pages and filters, and the
 * customers' pages and look-ups, already read straight off their indexes
 * (0003, 0004).
 */
const up = [
  `create index identity_conflicts_profile on identity_conflicts (workspace_id, profile_id)`,
  `create index identity_conflicts_other_profile on identity_conflicts (workspace_id, other_profile_id)`,
];

const down = [`drop index identity_conflicts_other_profile`, `drop index identity_conflicts_profile`];

export const consoleIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of up) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const statement of down) await sql.raw(statement).execute(db);
  },
};
