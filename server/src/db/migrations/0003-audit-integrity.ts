import { sql, type Kysely, type Migration } from 'kysely';

/**
 * What makes the audit log tamper-evident beyond its hash links: signed
 * checkpoints of each chain's head, signed tombstones for the events that
 * retention removed, a retention period per workspace, and the indexes the
 * log's filters and retention use.
 */
export const auditIntegrity: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audit_checkpoints')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('sequence', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('signed_at', 'timestamptz', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_checkpoints_pk', ['workspace_id', 'sequence'])
      .execute();
    await db.schema
      .createTable('audit_tombstones')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('through_sequence', 'integer', (c) => c.notNull())
      .addColumn('through_hash', 'text', (c) => c.notNull())
      .addColumn('removed_count', 'integer', (c) => c.notNull())
      .addColumn('removed_before', 'timestamptz', (c) => c.notNull())
      .addColumn('signed_at', 'timestamptz', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('signature', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('audit_tombstones_pk', ['workspace_id', 'through_sequence'])
      .execute();
    await db.schema
      .alterTable('workspaces')
      // Days the audit log keeps an event; null keeps it forever.
      // Days the audit log keeps an event; null keeps it forever.
      .addColumn('audit_retention_days', 'integer', (c) => c.check(sql`audit_retention_days > 0`))
      .execute();
    // The log's filters, each ending in sequence so that "newest first" pages read straight off the index.
    await sql`create index audit_events_action_idx on audit_events (workspace_id, (event->>'action'), sequence)`.execute(db);
    await sql`create index audit_events_actor_idx on audit_events (workspace_id, (event->'actor'->>'id'), sequence)`.execute(db);
    await sql`create index audit_events_target_idx on audit_events (workspace_id, (event->'target'->>'kind'), (event->'target'->>'id'), sequence)`.execute(db);
    // Time filters and retention.
    await sql`create index audit_events_recorded_at_idx on audit_events (workspace_id, recorded_at)`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    for (const index of ['audit_events_recorded_at_idx', 'audit_events_target_idx', 'audit_events_actor_idx', 'audit_events_action_idx']) {
      await db.schema.dropIndex(index).execute();
    }
    await db.schema.alterTable('workspaces').dropColumn('audit_retention_days').execute();
    await db.schema.dropTable('audit_tombstones').execute();
    await db.schema.dropTable('audit_checkpoints').execute();
  },
};
