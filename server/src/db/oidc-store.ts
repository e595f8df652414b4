import type { Kysely, Selectable } from 'kysely';
import { revokeGrants } from './oauth-store';
import type { HubSchema } from './schema';

/** Queries for OIDC single sign-on: each workspace's provider, and sign-ins under way. */
type Db = Kysely<HubSchema>;
export type OidcConfigRow = Selectable<HubSchema['oidc_configs']>;
export type OidcSignInRow = Selectable<HubSchema['oidc_sign_ins']>;

export function getOidcConfig(db: Db, workspaceId: string): Promise<OidcConfigRow | undefined> {
  return db.selectFrom('oidc_configs').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

export interface OidcConfigValues {
  issuer: string;
  client_id: string;
  /** Already sealed; `undefined` keeps the secret saved before. */
  client_secret: string | null | undefined;
  scopes: string[];
  allowed_email_domains: string[];
  role_claim: string | null;
  role_mapping: Record<string, string>;
  default_role: string;
  jit_provisioning: boolean;
  client_auth: 'client_secret' | 'private_key_jwt';
  /** Already sealed; `undefined` keeps the key saved before. */
  client_signing_key?: string;
}

export async function saveOidcConfig(db: Db, workspaceId: string, config: OidcConfigValues, now: Date): Promise<void> {
  const values = {
    issuer: config.issuer,
    client_id: config.client_id,
    scopes: JSON.stringify(config.scopes),
    allowed_email_domains: JSON.stringify(config.allowed_email_domains),
    role_claim: config.role_claim,
    role_mapping: JSON.stringify(config.role_mapping),
    default_role: config.default_role,
    jit_provisioning: config.jit_provisioning,
    client_auth: config.client_auth,
    ...(config.client_signing_key !== undefined && { client_signing_key: config.client_signing_key }),
    updated_at: now,
    ...(config.client_secret !== undefined && { client_secret: config.client_secret }),
  };
  await db
    .insertInto('oidc_configs')
    .values({ workspace_id: workspaceId, client_secret: null, ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
}

export async function deleteOidcConfig(db: Db, workspaceId: string): Promise<boolean> {
  const result = await db.deleteFrom('oidc_configs').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function createOidcSignIn(db: Db, signIn: OidcSignInRow): Promise<void> {
  await db.insertInto('oidc_sign_ins').values(signIn).execute();
}

/** Takes a sign-in under way by its state, once: a second callback with the same state finds nothing. Expired ones are swept on the way. */
export async function claimOidcSignIn(db: Db, stateHash: string, now: Date): Promise<OidcSignInRow | undefined> {
  await db.deleteFrom('oidc_sign_ins').where('expires_at', '<', now).execute();
  return db.deleteFrom('oidc_sign_ins').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
}

/** Remembers a logout token's `jti`; false when it was already used (a replay). */
export async function recordLogoutToken(db: Db, token: { workspace_id: string; jti: string; expires_at: Date }, now: Date): Promise<boolean> {
  await db.deleteFrom('oidc_logout_tokens').where('expires_at', '<', now).execute();
  const inserted = await db.insertInto('oidc_logout_tokens').values(token).onConflict((oc) => oc.columns(['workspace_id', 'jti']).doNothing()).returning('jti').executeTakeFirst();
  return inserted !== undefined;
}

/**
 * Ends the live Hub sessions started from a provider session: by `sid` when
 * the logout token names one (and `sub` too when it names both), otherwise
 * every session of that `sub`, and revokes Studio grants allowed from them.
 * Returns the members whose sessions ended.
 */
export async function endProviderSessions(db: Db, workspaceId: string, from: { sub?: string; sid?: string }, now: Date): Promise<string[]> {
  await revokeGrants(db, { workspaceId, ...from }, now);
  let query = db.updateTable('sessions').set({ revoked_at: now }).where('workspace_id', '=', workspaceId).where('revoked_at', 'is', null);
  if (from.sid !== undefined) query = query.where('oidc_sid', '=', from.sid);
  if (from.sub !== undefined) query = query.where('oidc_sub', '=', from.sub);
  const ended = await query.returning('user_id').execute();
  return [...new Set(ended.map((row) => row.user_id))];
}

/** Binds a member to the provider account they signed in as, once (only while unbound, so a race cannot rebind). */
export async function bindOidcSubject(db: Db, workspaceId: string, userId: string, sub: string): Promise<void> {
  await db.updateTable('users').set({ oidc_sub: sub }).where('workspace_id', '=', workspaceId).where('id', '=', userId).where('oidc_sub', 'is', null).execute();
}

/** The sealed ID token a session was started with through the provider, if it was. */
export async function sessionIdToken(db: Db, tokenHash: string): Promise<string | null> {
  const row = await db.selectFrom('sessions').select('oidc_id_token').where('token_hash', '=', tokenHash).executeTakeFirst();
  return row?.oidc_id_token ?? null;
}
