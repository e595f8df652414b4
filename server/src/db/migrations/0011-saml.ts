import { sql, type Kysely, type Migration } from 'kysely';

/**
 * SAML 2.0 single sign-on, the Hub as service provider.
 *
 * - `saml_configs`: one identity provider per workspace. Nothing here is
 *   secret: the IdP's signing certificates are public by design.
 * - `saml_requests`: AuthnRequests under way, by their ID; the response's
 *   InResponseTo must name one, and claiming it deletes it (one use).
 * - `saml_seen_assertions`: assertion IDs already used, kept until the
 *   assertion would have expired anyway, so a captured one cannot be replayed.
 */
export const saml: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('saml_configs')
      .addColumn('workspace_id', 'text', (c) => c.primaryKey().references('workspaces.id'))
      .addColumn('idp_entity_id', 'text', (c) => c.notNull())
      .addColumn('idp_sso_url', 'text', (c) => c.notNull())
      .addColumn('idp_certificates', 'jsonb', (c) => c.notNull())
      .addColumn('allowed_email_domains', 'jsonb', (c) => c.notNull())
      .addColumn('role_attribute', 'text')
      .addColumn('role_mapping', 'jsonb', (c) => c.notNull())
      .addColumn('default_role', 'text', (c) => c.notNull())
      .addColumn('jit_provisioning', 'boolean', (c) => c.notNull())
      .addColumn('allow_idp_initiated', 'boolean', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await db.schema
      .createTable('saml_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('client', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('saml_requests_expiry').on('saml_requests').column('expires_at').execute();
    await db.schema
      .createTable('saml_seen_assertions')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('assertion_id', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('saml_seen_assertions_pkey', ['workspace_id', 'assertion_id'])
      .execute();
    await db.schema.createIndex('saml_seen_assertions_expiry').on('saml_seen_assertions').column('expires_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('saml_seen_assertions').execute();
    await db.schema.dropTable('saml_requests').execute();
    await db.schema.dropTable('saml_configs').execute();
  },
};
