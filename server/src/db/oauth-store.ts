import type { Kysely, Selectable } from 'kysely';
import type { HubSchema } from './schema';

/** Queries for Studio's sign-in: authorization requests under way, and the grants (code, refresh token, access session) they lead to. */
type Db = Kysely<HubSchema>;
export type AuthorizationRequestRow = Selectable<HubSchema['oauth_requests']>;
export type GrantRow = Selectable<HubSchema['oauth_grants']>;

/** Stores a request; expired ones are swept on the way. */
export async function createAuthorizationRequest(db: Db, request: Omit<AuthorizationRequestRow, 'created_at' | 'decided_at'>, now: Date): Promise<void> {
  await db.deleteFrom('oauth_requests').where('expires_at', '<', now).execute();
  await db.insertInto('oauth_requests').values(request).execute();
}

/** A request still waiting for the person's answer. */
export function findOpenAuthorizationRequest(db: Db, id: string, now: Date): Promise<AuthorizationRequestRow | undefined> {
  return db.selectFrom('oauth_requests').selectAll().where('id', '=', id).where('decided_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
}

/** Records the person's answer, once: false when it was already given or the request expired. */
export async function decideAuthorizationRequest(db: Db, id: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('oauth_requests').set({ decided_at: now }).where('id', '=', id).where('decided_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function createGrant(db: Db, grant: Omit<GrantRow, 'created_at' | 'code_used_at' | 'refresh_hash' | 'access_token_hash' | 'revoked_at'>): Promise<void> {
  await db.insertInto('oauth_grants').values(grant).execute();
}

/** Uses a code: the grant, and whether the code had been used before (a replay). */
export async function claimCode(db: Db, codeHash: string, now: Date): Promise<{ grant: GrantRow; replayed: boolean } | undefined> {
  const grant = await db.selectFrom('oauth_grants').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
  if (!grant) return undefined;
  const claimed = await db.updateTable('oauth_grants').set({ code_used_at: now }).where('id', '=', grant.id).where('code_used_at', 'is', null).executeTakeFirst();
  return { grant, replayed: Number(claimed.numUpdatedRows) !== 1 };
}

/** The grant a refresh token belongs to (current or rotated), and whether it is the current one. */
export async function findGrantByRefreshToken(db: Db, tokenHash: string): Promise<{ grant: GrantRow; current: boolean } | undefined> {
  const issued = await db.selectFrom('oauth_refresh_tokens').select('grant_id').where('token_hash', '=', tokenHash).executeTakeFirst();
  const grant = issued && (await db.selectFrom('oauth_grants').selectAll().where('id', '=', issued.grant_id).executeTakeFirst());
  return grant ? { grant, current: grant.refresh_hash === tokenHash } : undefined;
}

export function findGrantByAccessToken(db: Db, tokenHash: string): Promise<GrantRow | undefined> {
  return db.selectFrom('oauth_grants').selectAll().where('access_token_hash', '=', tokenHash).executeTakeFirst();
}

/**
 * Gives a live grant its next refresh token and access session, in place of
 * `previousRefreshHash` (null for the first, from the code); the previous
 * access session ends. False when the grant was revoked or rotated meanwhile.
 */
export async function rotateGrantTokens(db: Db, grant: GrantRow, next: { refreshHash: string; accessTokenHash: string; expiresAt: Date; previousRefreshHash: string | null }, now: Date): Promise<boolean> {
  let update = db
    .updateTable('oauth_grants')
    .set({ refresh_hash: next.refreshHash, access_token_hash: next.accessTokenHash, expires_at: next.expiresAt })
    .where('id', '=', grant.id)
    .where('revoked_at', 'is', null);
  update = next.previousRefreshHash === null ? update.where('refresh_hash', 'is', null) : update.where('refresh_hash', '=', next.previousRefreshHash);
  const result = await update.executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await db.insertInto('oauth_refresh_tokens').values({ token_hash: next.refreshHash, grant_id: grant.id, issued_at: now }).execute();
  if (grant.access_token_hash) await db.updateTable('sessions').set({ revoked_at: now }).where('token_hash', '=', grant.access_token_hash).where('revoked_at', 'is', null).execute();
  return true;
}

/** Keeps the provider's rotated refresh token (sealed). */
export async function saveProviderRefreshToken(db: Db, grantId: string, sealed: string): Promise<void> {
  await db.updateTable('oauth_grants').set({ oidc_refresh_token: sealed }).where('id', '=', grantId).execute();
}

/**
 * Revokes live grants and ends their access sessions: one grant by id, or a
 * member's (optionally all but the one whose access session is `except`), or
 * those started from a provider session (`sub` and/or `sid`).
 */
export async function revokeGrants(db: Db, which: { grantId: string } | { workspaceId: string; userId?: string; sub?: string; sid?: string; except?: string }, now: Date): Promise<number> {
  let query = db.updateTable('oauth_grants').set({ revoked_at: now }).where('revoked_at', 'is', null);
  if ('grantId' in which) query = query.where('id', '=', which.grantId);
  else {
    query = query.where('workspace_id', '=', which.workspaceId);
    if (which.userId !== undefined) query = query.where('user_id', '=', which.userId);
    if (which.sub !== undefined) query = query.where('oidc_sub', '=', which.sub);
    if (which.sid !== undefined) query = query.where('oidc_sid', '=', which.sid);
    const except = which.except;
    if (except !== undefined) query = query.where((eb) => eb.or([eb('access_token_hash', 'is', null), eb('access_token_hash', '!=', except)]));
  }
  const revoked = await query.returning('access_token_hash').execute();
  const sessions = revoked.map((row) => row.access_token_hash).filter((hash): hash is string => hash !== null);
  if (sessions.length > 0) await db.updateTable('sessions').set({ revoked_at: now }).where('token_hash', 'in', sessions).where('revoked_at', 'is', null).execute();
  return revoked.length;
}

/** What a browser session knows of the provider it came from, for a grant it allows. */
export function sessionProvider(db: Db, tokenHash: string) {
  return db.selectFrom('sessions').select(['oidc_sub', 'oidc_sid', 'oidc_id_token', 'oidc_refresh_token']).where('token_hash', '=', tokenHash).executeTakeFirst();
}
