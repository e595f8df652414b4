import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Studio's native sign-in: the Hub as OAuth 2.0 authorization server for
 * its one public client, Kata Studio (RFC 8252, PKCE).
 *
 * - `oauth_requests`: authorization requests under way (ten minutes), until
 *   the person allows or cancels on the confirm page (decided once).
 * - `oauth_grants`: what one Allow handed out. First a code (a digest; one
 *   use, sixty seconds, with the PKCE challenge and the redirect URI it was
 *   issued for), then the current refresh token (a digest; it expires thirty
 *   days after its last use) and the current access token (an ordinary
 *   bearer session). The provider fields are copied from the browser session
 *   that allowed it: back-channel logout finds grants by them, and a refresh
 *   first refreshes at the workspace's OpenID Provider with the sealed
 *   provider refresh token.
 * - `oauth_refresh_tokens`: every refresh token a grant ever had (digests),
 *   so that using a rotated one is recognised and revokes the grant.
 * - `sessions.oidc_refresh_token`: the provider's refresh token of an OIDC
 *   sign-in, sealed, when the workspace asks for offline_access.
 * - `oidc_sign_ins` / `saml_requests.authorization_request_id`: a single
 *   sign-on started from Studio's sign-in page returns to that request.
 */
export const oauth: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('oauth_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('code_challenge', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('decided_at', 'timestamptz')
      .execute();
    await db.schema
      .createTable('oauth_grants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('client_id', 'text', (c) => c.notNull())
      .addColumn('scope', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull().unique())
      .addColumn('code_challenge', 'text', (c) => c.notNull())
      .addColumn('redirect_uri', 'text', (c) => c.notNull())
      .addColumn('code_expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('code_used_at', 'timestamptz')
      .addColumn('refresh_hash', 'text')
      .addColumn('access_token_hash', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
      .addColumn('revoked_at', 'timestamptz')
      .addColumn('oidc_sub', 'text')
      .addColumn('oidc_sid', 'text')
      .addColumn('oidc_id_token', 'text')
      .addColumn('oidc_refresh_token', 'text')
      .execute();
    await db.schema.createIndex('oauth_grants_user').on('oauth_grants').columns(['workspace_id', 'user_id']).execute();
    await db.schema.createIndex('oauth_grants_access').on('oauth_grants').column('access_token_hash').execute();
    await db.schema
      .createTable('oauth_refresh_tokens')
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn('grant_id', 'text', (c) => c.notNull().references('oauth_grants.id'))
      .addColumn('issued_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.alterTable('sessions').addColumn('oidc_refresh_token', 'text').execute();
    await db.schema.alterTable('oidc_sign_ins').addColumn('authorization_request_id', 'text').execute();
    await db.schema.alterTable('saml_requests').addColumn('authorization_request_id', 'text').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('saml_requests').dropColumn('authorization_request_id').execute();
    await db.schema.alterTable('oidc_sign_ins').dropColumn('authorization_request_id').execute();
    await db.schema.alterTable('sessions').dropColumn('oidc_refresh_token').execute();
    await db.schema.dropTable('oauth_refresh_tokens').execute();
    await db.schema.dropTable('oauth_grants').execute();
    await db.schema.dropTable('oauth_requests').execute();
  },
};
