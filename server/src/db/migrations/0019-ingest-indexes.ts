import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Less for ingest to write per event, in the part of its work that one
 * workspace's batches do one at a time:
 *
 * - Events by time (retention's cut-off, time-window scans) through a BRIN
 *   index instead of a B-tree: events arrive roughly in time order, so a
 *   summary per range of pages finds a window as well, and costs next to
 *   nothing to keep, where the B-tree took one more insert for every event.
 * - Consent and its history no longer check their workspace against
 *   workspaces row by row, like events, identities and profiles before them
 *   (0006): ingest writes them only under a workspace's write key, and
 *   workspaces are never deleted.
 */
const up = [
  `drop index events_occurred`,
  `create index events_occurred_brin on events using brin (occurred_at)`,
  `alter table consents drop constraint consents_workspace_id_fkey`,
  `alter table consent_history drop constraint consent_history_workspace_id_fkey`,
];

const down = [
  `alter table consent_history add constraint consent_history_workspace_id_fkey foreign key (workspace_id) references workspaces(id)`,
  `alter table consents add constraint consents_workspace_id_fkey foreign key (workspace_id) references workspaces(id)`,
  `drop index events_occurred_brin`,
  `create index events_occurred on events (workspace_id, occurred_at)`,
];

export const ingestIndexes: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of up) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const statement of down) await sql.raw(statement).execute(db);
  },
};
