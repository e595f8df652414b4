import { sql, type Kysely, type Migration } from 'kysely';

/**
 * OIDC single sign-on, the Hub as relying party.
 *
 * - `oidc_configs`: one identity provider per workspace. `client_secret` is
 *   sealed with the personal-data key (a copy of the database alone cannot
 *   sign in to the provider as the Hub).
 * - `oidc_sign_ins`: sign-ins under way, kept in the database so a restart or
 *   another Hub instance can finish them; found by a digest of `state`,
 *   deleted when the callback claims them (one use), short-lived.
 */
export const oidc: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('oidc_configs')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id'))
      .addColumn('issuer', 'text', (c) => c.notNull())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('client_secret', 'text')
      .addColumn('scopes', 'jsonb', (c) => c.notNull())
      .addColumn('allowed_email_domains', 'jsonb', (c) => c.notNull())
      .addColumn('role_claim', 'text')
      .addColumn('role_mapping', 'jsonb', (c) => c.notNull())
      .addColumn('default_role', 'text', (c) => c.notNull())
      .addColumn('jit_provisioning', 'boolean', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('oidc_sign_ins')
      .addColumn('state_hash', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('code_verifier', 'text', (c) => c.notNull())
      .addColumn('client', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('oidc_sign_ins_expiry').on('oidc_sign_ins').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('oidc_sign_ins').execute();
    await db.schema.dropTable('oidc_configs').execute();
  },
};
