import { sql, type Kysely, type Migration } from 'kysely';

/**
 * SCIM Groups (RFC 7643 §4.2): groups an identity provider keeps in a
 * workspace, and which of the workspace's users belong to each.
 *
 * - `display_name` is unique in the workspace regardless of case, so two
 *   pushes of the same group from Okta or Entra cannot make two groups.
 * - Members are rows of `users` in the same workspace; deleting a group
 *   deletes its memberships.
 */
export const scimGroups: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('scim_groups')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('external_id', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('scim_groups_workspace_display_name').on('scim_groups').expression(sql`workspace_id, lower(display_name)`).unique().execute();
    await db.schema
      .createTable('scim_group_members')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('group_id', 'text', (c) => c.notNull().references('scim_groups.id').onDelete('cascade'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('added_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint('scim_group_members_pk', ['group_id', 'user_id'])
      .execute();
    await db.schema.createIndex('scim_group_members_user').on('scim_group_members').columns(['workspace_id', 'user_id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('scim_group_members').execute();
    await db.schema.dropTable('scim_groups').execute();
  },
};
