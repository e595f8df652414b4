import { sql, type Kysely, type Selectable } from 'kysely';
import type { HubSchema } from './schema';
import { keyQueries } from './key-store';
import { revokeGrants } from './oauth-store';

/** Queries for workspaces, users, sessions, API keys, invitations and setup links; every one scoped by workspace. */
type Db = Kysely<HubSchema>;
export type UserRow = Selectable<HubSchema['users']>;
export type WorkspaceRow = Selectable<HubSchema['workspaces']>;
export type ApiKeyRow = Selectable<HubSchema['api_keys']>;
export type InvitationRow = Selectable<HubSchema['invitations']>;

// Workspaces

export async function createWorkspace(db: Db, workspace: { id: string; name: string; slug: string }): Promise<void> {
  await db.insertInto('workspaces').values(workspace).execute();
}

export function getWorkspace(db: Db, id: string): Promise<WorkspaceRow | undefined> {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).where('kind', '=', 'tenant').executeTakeFirst();
}

export function getWorkspaceBySlug(db: Db, slug: string): Promise<WorkspaceRow | undefined> {
  return db.selectFrom('workspaces').selectAll().where('slug', '=', slug).where('kind', '=', 'tenant').executeTakeFirst();
}

export async function countTenantWorkspaces(db: Db): Promise<number> {
  const row = await db.selectFrom('workspaces').select((eb) => eb.fn.countAll<string>().as('n')).where('kind', '=', 'tenant').executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateWorkspace(db: Db, id: string, change: { name?: string; mfa_required?: boolean; audit_retention_days?: number | null; event_retention_days?: number | null }): Promise<void> {
  if (Object.keys(change).length > 0) await db.updateTable('workspaces').set(change).where('id', '=', id).execute();
}

// Users

export async function createUser(db: Db, user: { id: string; workspace_id: string; email: string; name: string; role: string; password_hash: string | null; oidc_sub?: string | null }): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

/** Active users with this email: in one workspace, or in every workspace when none is named. */
export function findActiveUsersByEmail(db: Db, email: string, workspaceId?: string): Promise<UserRow[]> {
  let query = db.selectFrom('users').selectAll().where('email', '=', email).where('deactivated_at', 'is', null);
  if (workspaceId) query = query.where('workspace_id', '=', workspaceId);
  return query.execute();
}

/** The workspace's account for this email, active or removed. */
export function findUserByEmail(db: Db, workspaceId: string, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('workspace_id', '=', workspaceId).where('email', '=', email).executeTakeFirst();
}

export function getUser(db: Db, workspaceId: string, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

/**
 * A page of members, oldest first, after `after` (the last one of the page
 * before); `active` keeps only members not deactivated. Ordered by the join
 * time to the millisecond, as the page cursor holds it, so a time finer than
 * the cursor's neither repeats nor skips a member.
 */
export function listUsersPage(db: Db, workspaceId: string, page: { limit: number; after?: { at: Date; id: string }; active?: boolean }): Promise<UserRow[]> {
  const joined = sql<Date>`date_trunc('milliseconds', created_at)`;
  return db
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .$if(page.active === true, (query) => query.where('deactivated_at', 'is', null))
    .$if(page.after !== undefined, (query) => query.where((eb) => eb.or([eb(joined, '>', page.after!.at), eb.and([eb(joined, '=', page.after!.at), eb('id', '>', page.after!.id)])])))
    .orderBy(joined)
    .orderBy('id')
    .limit(page.limit)
    .execute();
}

export async function countActiveOwners(db: Db, workspaceId: string): Promise<number> {
  const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<string>().as('n')).where('workspace_id', '=', workspaceId).where('role', '=', 'owner').where('deactivated_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateUser(
  db: Db,
  workspaceId: string,
  id: string,
  change: Partial<Pick<UserRow, 'role' | 'name' | 'password_hash' | 'totp_secret' | 'totp_enabled' | 'failed_sign_ins' | 'locked_until' | 'deactivated_at'>> & { totp_last_step?: number | null },
): Promise<void> {
  await db.updateTable('users').set(change).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

/** Accepts a TOTP time step only if it is later than the last one used, so a code works once. */
export async function claimTotpStep(db: Db, workspaceId: string, id: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totp_last_step: step })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// Sessions and bearer tokens

export async function createSession(
  db: Db,
  session: { token_hash: string; workspace_id: string; user_id: string; kind: 'cookie' | 'bearer'; mfa_enrolment_required: boolean; ip: string | null; user_agent: string | null; expires_at: Date; oidc_sub?: string | null; oidc_sid?: string | null; oidc_id_token?: string | null; oidc_refresh_token?: string | null },
): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

/** A live session with its user, or nothing when expired, revoked, or the user was deactivated. */
export function findLiveSession(db: Db, tokenHash: string, now: Date) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', (join) => join.onRef('users.id', '=', 'sessions.user_id').onRef('users.workspace_id', '=', 'sessions.workspace_id'))
    .select(['sessions.token_hash', 'sessions.workspace_id', 'sessions.user_id', 'sessions.kind', 'sessions.mfa_enrolment_required', 'sessions.last_seen_at', 'users.role'])
    .where('sessions.token_hash', '=', tokenHash)
    .where('sessions.revoked_at', 'is', null)
    .where('sessions.expires_at', '>', now)
    .where('users.deactivated_at', 'is', null)
    .executeTakeFirst();
}

export async function touchSession(db: Db, tokenHash: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).execute();
}

export async function revokeSession(db: Db, tokenHash: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now }).where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).execute();
}

/** Ends a member's sessions and revokes their Studio grants (all but the one `except` is the session of). */
export async function revokeUserSessions(db: Db, workspaceId: string, userId: string, now: Date, options: { except?: string } = {}): Promise<void> {
  await revokeGrants(db, { workspaceId, userId, ...(options.except !== undefined && { except: options.except }) }, now);
  let query = db.updateTable('sessions').set({ revoked_at: now }).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (options.except) query = query.where('token_hash', '!=', options.except);
  await query.execute();
}

export async function clearMfaEnrolmentRequirement(db: Db, workspaceId: string, userId: string): Promise<void> {
  await db.updateTable('sessions').set({ mfa_enrolment_required: false }).where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
}

// API keys

/** List, find, touch and revoke API keys. */
export const apiKeys = keyQueries('api_keys');

export async function createApiKey(db: Db, key: { id: string; workspace_id: string; name: string; secret_hash: string; scopes: string[]; created_by: string }): Promise<void> {
  await db.insertInto('api_keys').values({ ...key, scopes: JSON.stringify(key.scopes) }).execute();
}

// Invitations

export async function createInvitation(db: Db, invitation: { id: string; workspace_id: string; email: string; role: string; token_hash: string; invited_by: string; expires_at: Date }): Promise<void> {
  await db.insertInto('invitations').values(invitation).execute();
}

export function listOpenInvitations(db: Db, workspaceId: string, now: Date): Promise<InvitationRow[]> {
  return db.selectFrom('invitations').selectAll().where('workspace_id', '=', workspaceId).where('accepted_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '>', now).orderBy('created_at', 'desc').execute();
}

export function findOpenInvitation(db: Db, tokenHash: string, now: Date): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).where('accepted_at', 'is', null).where('revoked_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
}

export async function closeInvitation(db: Db, workspaceId: string, id: string, how: 'accepted' | 'revoked', now: Date): Promise<boolean> {
  const result = await db
    .updateTable('invitations')
    .set(how === 'accepted' ? { accepted_at: now } : { revoked_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// The first-start link

export async function createSetupToken(db: Db, tokenHash: string, expiresAt: Date): Promise<void> {
  await db.insertInto('setup_tokens').values({ token_hash: tokenHash, expires_at: expiresAt }).execute();
}

/** Uses the link once, and only while no workspace exists yet. */
export async function consumeSetupToken(db: Db, tokenHash: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('setup_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('workspaces').select(sql`1`.as('one')).where('kind', '=', 'tenant'))))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Workspaces that keep audit events for a limited time. */
export async function workspacesWithAuditRetention(db: Db): Promise<string[]> {
  return (await db.selectFrom('workspaces').select('id').where('kind', '=', 'tenant').where('audit_retention_days', 'is not', null).orderBy('id').execute()).map((r) => r.id);
}
