import type { Kysely, Selectable } from 'kysely';
import type { HubSchema } from './schema';
import { keyQueries } from './key-store';

/** Queries for SCIM provisioning: identity providers' tokens and the users they manage; every one scoped by workspace. */
type Db = Kysely<HubSchema>;
export type ScimTokenRow = Selectable<HubSchema['scim_tokens']>;
export type ScimUserRow = Selectable<HubSchema['users']>;

// Tokens

/** List, find, touch and revoke SCIM tokens. */
export const scimTokens = keyQueries('scim_tokens');

export async function createScimToken(db: Db, token: { id: string; workspace_id: string; name: string; secret_hash: string; created_by: string }): Promise<void> {
  await db.insertInto('scim_tokens').values(token).execute();
}

// Users as SCIM resources: every member of the workspace except those deleted through SCIM.

export function listScimUsers(db: Db, workspaceId: string): Promise<ScimUserRow[]> {
  return db.selectFrom('users').selectAll().where('workspace_id', '=', workspaceId).where('scim_deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute();
}

export function getScimUser(db: Db, workspaceId: string, id: string): Promise<ScimUserRow | undefined> {
  return db.selectFrom('users').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).where('scim_deleted_at', 'is', null).executeTakeFirst();
}

/** What SCIM writes of a user. */
export interface ScimUserFields {
  email: string;
  name: string;
  given_name: string | null;
  family_name: string | null;
  external_id: string | null;
}

export async function createScimUser(db: Db, user: ScimUserFields & { id: string; workspace_id: string; role: string; now: Date }): Promise<void> {
  const { now, ...fields } = user;
  await db.insertInto('users').values({ ...fields, password_hash: null, scim_managed: true, created_at: now, updated_at: now }).execute();
}

/**
 * Makes a row deleted through SCIM a new SCIM user again: same id (so the
 * audit log's history stays theirs), but nothing of the old sign-in.
 */
export async function reviveScimUser(db: Db, workspaceId: string, id: string, user: ScimUserFields & { role: string; now: Date }): Promise<void> {
  const { now, ...fields } = user;
  await db
    .updateTable('users')
    .set({ ...fields, password_hash: null, totp_secret: null, totp_enabled: false, totp_last_step: null, failed_sign_ins: 0, locked_until: null, deactivated_at: null, scim_deleted_at: null, scim_managed: true, updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

export async function updateScimUser(db: Db, workspaceId: string, id: string, change: Partial<ScimUserFields> & { deactivated_at?: Date | null; scim_deleted_at?: Date; updated_at: Date }): Promise<void> {
  await db.updateTable('users').set(change).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}
