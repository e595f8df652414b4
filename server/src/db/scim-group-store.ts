import { sql, type Kysely, type Selectable } from 'kysely';
import type { HubSchema } from './schema';

/** Queries for SCIM Groups and their members; every one scoped by workspace. */
type Db = Kysely<HubSchema>;
export type ScimGroupRow = Selectable<HubSchema['scim_groups']>;
/** A member as a group shows them: the user's id and display name. */
export interface ScimGroupMember {
  group_id: string;
  user_id: string;
  name: string;
}

export function listScimGroups(db: Db, workspaceId: string): Promise<ScimGroupRow[]> {
  return db.selectFrom('scim_groups').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
}

export function getScimGroup(db: Db, workspaceId: string, id: string): Promise<ScimGroupRow | undefined> {
  return db.selectFrom('scim_groups').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

/** The group whose display name is `displayName` regardless of case, to refuse a second one by name. */
export function findScimGroupByName(db: Db, workspaceId: string, displayName: string): Promise<ScimGroupRow | undefined> {
  return db.selectFrom('scim_groups').selectAll().where('workspace_id', '=', workspaceId).where(sql<string>`lower(display_name)`, '=', displayName.toLowerCase()).executeTakeFirst();
}

/** The members of the workspace's groups (all of them, or those of `groupIds`), ordered by when they joined, then by name; users deleted through SCIM are not members. */
export function listScimGroupMembers(db: Db, workspaceId: string, groupIds?: string[]): Promise<ScimGroupMember[]> {
  if (groupIds?.length === 0) return Promise.resolve([]);
  let query = db
    .selectFrom('scim_group_members as m')
    .innerJoin('users as u', (join) => join.onRef('u.id', '=', 'm.user_id').onRef('u.workspace_id', '=', 'm.workspace_id'))
    .select(['m.group_id', 'm.user_id', 'u.name'])
    .where('m.workspace_id', '=', workspaceId)
    .where('u.scim_deleted_at', 'is', null);
  if (groupIds) query = query.where('m.group_id', 'in', groupIds);
  return query.orderBy('m.added_at').orderBy('u.name').orderBy('m.user_id').execute();
}

/** Which of `userIds` are SCIM users of the workspace (deleted ones are not). */
export async function existingScimUserIds(db: Db, workspaceId: string, userIds: string[]): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const rows = await db.selectFrom('users').select('id').where('workspace_id', '=', workspaceId).where('id', 'in', userIds).where('scim_deleted_at', 'is', null).execute();
  return new Set(rows.map((row) => row.id));
}

/** What SCIM writes of a group. */
export interface ScimGroupFields {
  display_name: string;
  external_id: string | null;
}

export async function createScimGroup(db: Db, group: ScimGroupFields & { id: string; workspace_id: string; now: Date }): Promise<void> {
  const { now, ...fields } = group;
  await db.insertInto('scim_groups').values({ ...fields, created_at: now, updated_at: now }).execute();
}

export async function updateScimGroup(db: Db, workspaceId: string, id: string, change: ScimGroupFields & { updated_at: Date }): Promise<void> {
  await db.updateTable('scim_groups').set(change).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

export async function deleteScimGroup(db: Db, workspaceId: string, id: string): Promise<void> {
  await db.deleteFrom('scim_groups').where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

/** Adds and removes members of one group; the caller has checked that every added id is a user of the workspace. */
export async function changeScimGroupMembers(db: Db, workspaceId: string, groupId: string, change: { added: string[]; removed: string[]; now: Date }): Promise<void> {
  if (change.removed.length > 0) await db.deleteFrom('scim_group_members').where('workspace_id', '=', workspaceId).where('group_id', '=', groupId).where('user_id', 'in', change.removed).execute();
  if (change.added.length > 0) {
    await db
      .insertInto('scim_group_members')
      .values(change.added.map((userId) => ({ workspace_id: workspaceId, group_id: groupId, user_id: userId, added_at: change.now })))
      .onConflict((conflict) => conflict.columns(['group_id', 'user_id']).doNothing())
      .execute();
  }
}

/** Takes a user deleted through SCIM out of every group, so groups no longer list them. */
export async function removeUserFromScimGroups(db: Db, workspaceId: string, userId: string): Promise<void> {
  await db.deleteFrom('scim_group_members').where('workspace_id', '=', workspaceId).where('user_id', '=', userId).execute();
}

/** The groups each user of the workspace belongs to (for the User resource's read-only `groups`). */
export async function scimGroupsOfUsers(db: Db, workspaceId: string, userIds?: string[]): Promise<Map<string, { id: string; display_name: string }[]>> {
  const byUser = new Map<string, { id: string; display_name: string }[]>();
  if (userIds?.length === 0) return byUser;
  let query = db.selectFrom('scim_group_members as m').innerJoin('scim_groups as g', 'g.id', 'm.group_id').select(['m.user_id', 'g.id', 'g.display_name']).where('m.workspace_id', '=', workspaceId).where('g.workspace_id', '=', workspaceId);
  if (userIds) query = query.where('m.user_id', 'in', userIds);
  for (const row of await query.orderBy('g.display_name').orderBy('g.id').execute()) {
    const groups = byUser.get(row.user_id) ?? [];
    groups.push({ id: row.id, display_name: row.display_name });
    byUser.set(row.user_id, groups);
  }
  return byUser;
}
