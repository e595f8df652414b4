import type { Kysely, Migration } from 'kysely';

/**
 * Preview clips of renders (issue 12): a few seconds of each finished render,
 * small, uploaded by Studio so the console can show what a render looks like.
 * One per render record; `etag` is the bytes' digest, for caching. A preview
 * goes with its render: a delete synced from Studio removes it.
 */
export const renderPreviews: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('render_previews')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('render_id', 'text', (c) => c.notNull())
      .addColumn('bytes', 'bytea', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('etag', 'text', (c) => c.notNull())
      .addColumn('uploaded_by', 'text', (c) => c.notNull())
      .addColumn('uploaded_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('render_previews_pkey', ['workspace_id', 'render_id'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('render_previews').execute();
  },
};
