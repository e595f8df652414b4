import { type Kysely, type Migration } from 'kysely';

/**
 * Back-channel logout from a workspace's OpenID Provider.
 *
 * - `sessions.oidc_sub` / `oidc_sid`: the provider's subject and session a Hub
 *   session was started from, so a logout token can find the sessions to end.
 * - `sessions.oidc_id_token`: that sign-in's ID token, sealed with the
 *   personal-data key, sent back as `id_token_hint` when the member signs out
 *   of the Hub so the provider ends its session too (RP-initiated logout).
 * - `users.oidc_sub`: the provider's subject a member first signed in as; a
 *   later sign-in with the same email but another subject is refused (an
 *   email that moved to another account at the provider is not the member).
 * - `oidc_configs.client_auth` / `client_signing_key`: how the Hub proves
 *   itself at the token endpoint (`client_secret`, or `private_key_jwt` with
 *   the workspace's own key pair, the private key sealed with the
 *   personal-data key; the public half is published for the provider).
 * - `oidc_logout_tokens`: the `jti` of logout tokens already used, kept until
 *   they would be too old anyway, so a captured token cannot be replayed.
 */
export const oidcSessions: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('sessions').addColumn('oidc_sub', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('oidc_sid', 'text').execute();
    await db.schema.alterTable('sessions').addColumn('oidc_id_token', 'text').execute();
    await db.schema.alterTable('users').addColumn('oidc_sub', 'text').execute();
    await db.schema.alterTable('oidc_configs').addColumn('client_auth', 'text', (c) => c.notNull().defaultTo('client_secret')).execute();
    await db.schema.alterTable('oidc_configs').addColumn('client_signing_key', 'text').execute();
    await db.schema
      .createTable('oidc_logout_tokens')
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('jti', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addPrimaryKeyConstraint('oidc_logout_tokens_pk', ['workspace_id', 'jti'])
      .execute();
    await db.schema.createIndex('sessions_oidc_sid').on('sessions').columns(['workspace_id', 'oidc_sid']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('sessions_oidc_sid').execute();
    await db.schema.dropTable('oidc_logout_tokens').execute();
    await db.schema.alterTable('oidc_configs').dropColumn('client_signing_key').execute();
    await db.schema.alterTable('oidc_configs').dropColumn('client_auth').execute();
    await db.schema.alterTable('users').dropColumn('oidc_sub').execute();
    await db.schema.alterTable('sessions').dropColumn('oidc_id_token').execute();
    await db.schema.alterTable('sessions').dropColumn('oidc_sid').execute();
    await db.schema.alterTable('sessions').dropColumn('oidc_sub').execute();
  },
};
