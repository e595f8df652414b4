import { sql, type Kysely, type Migration } from 'kysely';

/**
 * SCIM provisioning of users: the tokens identity providers call with, and
 * what a SCIM User holds beyond a member's email and name.
 *
 * - `external_id` is the identity provider's own id for the person.
 * - `given_name` / `family_name` keep SCIM's name parts, so what the provider
 *   wrote reads back the same; `name` stays the display name.
 * - `scim_managed` marks members the provider created (they have no password).
 * - `scim_deleted_at`: SCIM DELETE removes the member as the console does
 *   (deactivated, sessions ended) and hides the row from SCIM, which must
 *   answer 404 for it; the row stays for the audit log's history.
 * - `updated_at` is SCIM's meta.lastModified.
 */
export const scim: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('users')
      .addColumn('external_id', 'text')
      .addColumn('given_name', 'text')
      .addColumn('family_name', 'text')
      .addColumn('scim_managed', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('scim_deleted_at', 'timestamptz')
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('scim_tokens')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('last_used_at', 'timestamptz')
      .addColumn('revoked_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('scim_tokens_workspace').on('scim_tokens').column('workspace_id').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('scim_tokens').execute();
    await db.schema.alterTable('users').dropColumn('external_id').dropColumn('given_name').dropColumn('family_name').dropColumn('scim_managed').dropColumn('scim_deleted_at').dropColumn('updated_at').execute();
  },
};
