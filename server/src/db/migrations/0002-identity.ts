import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Who may sign in, and how: users (members of one workspace each, as SCIM
 * provisions them), their sessions and bearer tokens, API keys, invitations,
 * and the one-time link that creates the first workspace. Secrets are stored
 * only as SHA-256 digests (tokens) or argon2id hashes (passwords).
 */
export const identity: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('workspaces').addColumn('slug', 'text').execute();
    await db.schema.alterTable('workspaces').addColumn('kind', 'text', (c) => c.notNull().defaultTo('tenant')).execute();
    await db.schema.alterTable('workspaces').addColumn('mfa_required', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
    await db.schema.createIndex('workspaces_slug').on('workspaces').column('slug').unique().execute();
    // The Hub's own chain: sign-in attempts that name no known workspace are audited here.
    await sql`insert into workspaces (id, name, slug, kind) values ('hub', 'Kata Hub', null, 'system') on conflict do nothing`.execute(db);

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('totp_secret', 'text')
      .addColumn('totp_enabled', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('totp_last_step', 'bigint')
      .addColumn('failed_sign_ins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'timestamptz')
      .addColumn('deactivated_at', 'timestamptz')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema.createIndex('users_workspace_email').on('users').columns(['workspace_id', 'email']).unique().execute();
    await db.schema.createIndex('users_email').on('users').column('email').execute();

    await db.schema
      .createTable('sessions')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('mfa_enrolment_required', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('revoked_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('sessions_user').on('sessions').columns(['workspace_id', 'user_id']).execute();

    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('scopes', 'jsonb', (c) => c.notNull())
      .addColumn('created_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('last_used_at', 'timestamptz')
      .addColumn('revoked_at', 'timestamptz')
      .execute();
    await db.schema.createIndex('api_keys_workspace').on('api_keys').column('workspace_id').execute();

    await db.schema
      .createTable('invitations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('invited_by', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('accepted_at', 'timestamptz')
      .addColumn('revoked_at', 'timestamptz')
      .execute();

    await db.schema
      .createTable('setup_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('used_at', 'timestamptz')
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['setup_tokens', 'invitations', 'api_keys', 'sessions', 'users']) await db.schema.dropTable(table).execute();
    await sql`delete from workspaces where id = 'hub'`.execute(db);
    await db.schema.dropIndex('workspaces_slug').execute();
    for (const column of ['mfa_required', 'kind', 'slug']) await db.schema.alterTable('workspaces').dropColumn(column).execute();
  },
};
