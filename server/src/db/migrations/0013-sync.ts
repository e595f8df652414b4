import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Sync between Studio and the Hub (issue 9).
 *
 * - `sync_records`: the Hub's copy of each synced record (campaign,
 *   composition metadata, persona, script, render), its fields, and per field
 *   the version and device that last changed it (the merge rule reads these).
 *   `change_seq` orders the workspace's changes for pull cursors.
 * - `sync_sequences`: each workspace's last change number. Its row is locked
 *   by every push, so pushes to one workspace apply one at a time and change
 *   numbers become visible in order (a pull never skips a change committed late).
 * - `sync_record_history`: values that lost a same-field conflict and the
 *   fields a delete removed.
 * - `sync_applied_mutations`: every mutation applied, by its id, with the
 *   answer given: a mutation sent again gets the same answer and changes nothing.
 */
export const sync: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('sync_records')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('record_id', 'text', (c) => c.notNull())
      .addColumn('record_type', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('fields', 'jsonb', (c) => c.notNull())
      .addColumn('stamps', 'jsonb', (c) => c.notNull())
      .addColumn('deleted', 'boolean', (c) => c.notNull())
      .addColumn('created_device', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
      .addColumn('updated_by', 'text', (c) => c.notNull())
      .addColumn('change_seq', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_records_pkey', ['workspace_id', 'record_id'])
      .execute();
    await db.schema.createIndex('sync_records_changes').on('sync_records').columns(['workspace_id', 'change_seq']).unique().execute();
    await db.schema
      .createTable('sync_sequences')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id'))
      .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createTable('sync_record_history')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('record_id', 'text', (c) => c.notNull())
      .addColumn('mutation_id', 'text', (c) => c.notNull())
      .addColumn('entry', 'jsonb', (c) => c.notNull())
      .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('sync_record_history_record').on('sync_record_history').columns(['workspace_id', 'record_id']).execute();
    await db.schema
      .createTable('sync_applied_mutations')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('mutation_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('result', 'jsonb', (c) => c.notNull())
      .addColumn('applied_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('sync_applied_mutations_pkey', ['workspace_id', 'mutation_id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('sync_applied_mutations').execute();
    await db.schema.dropTable('sync_record_history').execute();
    await db.schema.dropTable('sync_sequences').execute();
    await db.schema.dropTable('sync_records').execute();
  },
};
