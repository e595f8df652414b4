import type { Kysely, Selectable } from 'kysely';
import type { SegmentRule } from '../../../src/shared/audience/segment-rule';
import type { HubSchema } from './schema';

/** Saved segments and their membership snapshots; every query scoped by workspace. */
type Db = Kysely<HubSchema>;
export type SegmentRow = Selectable<HubSchema['segments']>;
export type SnapshotRow = Selectable<HubSchema['segment_snapshots']>;

export async function createSegment(db: Db, segment: { workspace_id: string; id: string; name: string; purpose: string; rule: SegmentRule; created_by: string; now: Date }): Promise<void> {
  const { now, rule, ...rest } = segment;
  await db.insertInto('segments').values({ ...rest, rule: JSON.stringify(rule), created_at: now, updated_at: now }).execute();
}

/** A segment that is not deleted. */
export function getSegment(db: Db, workspaceId: string, id: string): Promise<SegmentRow | undefined> {
  return db.selectFrom('segments').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export function listSegments(db: Db, workspaceId: string): Promise<SegmentRow[]> {
  return db.selectFrom('segments').selectAll().where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute();
}

/** Returns whether a live segment of this workspace was changed. */
export async function updateSegment(db: Db, workspaceId: string, id: string, change: { name?: string; purpose?: string; rule?: SegmentRule }, now: Date): Promise<boolean> {
  const { rule, ...rest } = change;
  const result = await db
    .updateTable('segments')
    .set({ ...rest, ...(rule !== undefined && { rule: JSON.stringify(rule) }), updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Marks the segment deleted and removes its member lists (they are customer data with no further use). */
export async function deleteSegment(db: Db, workspaceId: string, id: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('segments').set({ deleted_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await db.deleteFrom('segment_members').where('workspace_id', '=', workspaceId).where('segment_id', '=', id).execute();
  await db.deleteFrom('segment_snapshots').where('workspace_id', '=', workspaceId).where('segment_id', '=', id).execute();
  return true;
}

/** The newest snapshot of each of these segments. */
export async function latestSnapshots(db: Db, workspaceId: string, segmentIds: string[]): Promise<Map<string, SnapshotRow>> {
  if (segmentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('segment_snapshots')
    .selectAll()
    .distinctOn('segment_id')
    .where('workspace_id', '=', workspaceId)
    .where('segment_id', 'in', segmentIds)
    .orderBy('segment_id')
    .orderBy('version', 'desc')
    .execute();
  return new Map(rows.map((row) => [row.segment_id, row]));
}

/** One snapshot version, or the newest when `version` is not given. */
export function getSnapshot(db: Db, workspaceId: string, segmentId: string, version?: number): Promise<SnapshotRow | undefined> {
  let query = db.selectFrom('segment_snapshots').selectAll().where('workspace_id', '=', workspaceId).where('segment_id', '=', segmentId);
  query = version === undefined ? query.orderBy('version', 'desc').limit(1) : query.where('version', '=', version);
  return query.executeTakeFirst();
}

export async function snapshotVersions(db: Db, workspaceId: string, segmentId: string): Promise<number[]> {
  const rows = await db.selectFrom('segment_snapshots').select('version').where('workspace_id', '=', workspaceId).where('segment_id', '=', segmentId).orderBy('version').execute();
  return rows.map((row) => row.version);
}

/**
 * A page of a snapshot's members in id order. Customers who since withdrew
 * consent for `purpose`, were erased or merged away are left out: an old
 * snapshot never hands out someone who may no longer be contacted.
 */
export async function snapshotMembersPage(db: Db, options: { workspaceId: string; segmentId: string; version: number; purpose: string; after?: string; limit: number }): Promise<string[]> {
  const { workspaceId, segmentId, version, purpose } = options;
  let query = db
    .selectFrom('segment_members as m')
    .select('m.profile_id')
    .where('m.workspace_id', '=', workspaceId)
    .where('m.segment_id', '=', segmentId)
    .where('m.version', '=', version)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('profiles as p')
          .select('p.id')
          .where('p.workspace_id', '=', workspaceId)
          .whereRef('p.id', '=', 'm.profile_id')
          .where('p.merged_into', 'is', null)
          .where('p.erased_at', 'is', null),
      ),
    )
    .where(({ exists, selectFrom }) =>
      exists(selectFrom('consents as c').select('c.profile_id').where('c.workspace_id', '=', workspaceId).whereRef('c.profile_id', '=', 'm.profile_id').where('c.purpose', '=', purpose).where('c.status', '=', 'granted')),
    )
    .orderBy('m.profile_id')
    .limit(options.limit);
  if (options.after !== undefined) query = query.where('m.profile_id', '>', options.after);
  return (await query.execute()).map((row) => row.profile_id);
}
