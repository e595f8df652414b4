import { sql, type Expression, type Kysely, type SqlBool, type Transaction } from 'kysely';
import type { HubSchema } from './schema';

/** One stored row of a chain, as the database has it (the event's content is not trusted yet). */
export interface AuditEventRow {
  sequence: number;
  event: unknown;
  previousHash: string;
  hash: string;
  recordedAt: Date;
}

export type CheckpointRow = HubSchema['audit_checkpoints'];
export type TombstoneRow = HubSchema['audit_tombstones'];

const eventColumns = ['sequence', 'event', 'previous_hash as previousHash', 'hash', 'recorded_at as recordedAt'] as const;

/** Up to `limit` events after `afterSequence` (and at most `throughSequence`), in chain order. */
export async function readAuditChainPage(db: Kysely<HubSchema>, workspaceId: string, page: { afterSequence: number; throughSequence?: number; limit: number }): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').select(eventColumns).where('workspace_id', '=', workspaceId).where('sequence', '>', page.afterSequence);
  if (page.throughSequence !== undefined) query = query.where('sequence', '<=', page.throughSequence);
  return query.orderBy('sequence').limit(page.limit).execute();
}

export async function readAuditEventAt(db: Kysely<HubSchema>, workspaceId: string, sequence: number): Promise<AuditEventRow | undefined> {
  return db.selectFrom('audit_events').select(eventColumns).where('workspace_id', '=', workspaceId).where('sequence', '=', sequence).executeTakeFirst();
}

/** Every workspace whose chain has events past its last checkpoint, with its head. */
export async function unsignedAuditHeads(db: Kysely<HubSchema>): Promise<{ workspaceId: string; sequence: number; hash: string }[]> {
  // One index probe per workspace (the newest event, the newest checkpoint), however long the chains are.
  const result = await sql<{ workspace_id: string; sequence: number; hash: string }>`
    select w.id as workspace_id, head.sequence, head.hash
    from workspaces w
    cross join lateral (select sequence, hash from audit_events e where e.workspace_id = w.id order by sequence desc limit 1) head
    left join lateral (select sequence from audit_checkpoints c where c.workspace_id = w.id order by sequence desc limit 1) signed on true
    where signed.sequence is null or head.sequence > signed.sequence
    order by w.id`.execute(db);
  return result.rows.map((row) => ({ workspaceId: row.workspace_id, sequence: row.sequence, hash: row.hash }));
}

export async function latestCheckpoint(db: Kysely<HubSchema>, workspaceId: string): Promise<CheckpointRow | undefined> {
  return db.selectFrom('audit_checkpoints').selectAll().where('workspace_id', '=', workspaceId).orderBy('sequence', 'desc').limit(1).executeTakeFirst();
}

/** Stores a checkpoint; one that another Hub process stored first for the same event stays. */
export async function insertCheckpoint(db: Kysely<HubSchema>, checkpoint: CheckpointRow): Promise<void> {
  await db.insertInto('audit_checkpoints').values(checkpoint).onConflict((c) => c.columns(['workspace_id', 'sequence']).doNothing()).execute();
}

/** Checkpoints after `afterSequence`, at most `throughSequence` when given, in order. */
export async function readCheckpoints(db: Kysely<HubSchema>, workspaceId: string, range: { afterSequence: number; throughSequence?: number }): Promise<CheckpointRow[]> {
  let query = db.selectFrom('audit_checkpoints').selectAll().where('workspace_id', '=', workspaceId).where('sequence', '>', range.afterSequence);
  if (range.throughSequence !== undefined) query = query.where('sequence', '<=', range.throughSequence);
  return query.orderBy('sequence').execute();
}

/** Every tombstone of the workspace, oldest first. */
export async function readTombstones(db: Kysely<HubSchema>, workspaceId: string): Promise<TombstoneRow[]> {
  return db.selectFrom('audit_tombstones').selectAll().where('workspace_id', '=', workspaceId).orderBy('through_sequence').execute();
}

/** Where the chain goes on after retention: the last event removed, if any was. */
export async function chainStartAfterRetention(db: Kysely<HubSchema>, workspaceId: string): Promise<{ sequence: number; hash: string } | null> {
  const row = await db.selectFrom('audit_tombstones').select(['through_sequence as sequence', 'through_hash as hash']).where('workspace_id', '=', workspaceId).orderBy('through_sequence', 'desc').limit(1).executeTakeFirst();
  return row ?? null;
}

/** Locks the workspace's chain for the transaction, as appends do; false if there is no such workspace. */
export async function lockWorkspaceAudit(tx: Transaction<HubSchema>, workspaceId: string): Promise<boolean> {
  const result = await sql<{ id: string }>`select id from workspaces where id = ${workspaceId} for update`.execute(tx);
  return result.rows.length > 0;
}

/**
 * The last sequence of the longest prefix of the chain recorded before
 * `cutoff`, or null when the first event is already too recent.
 */
export async function lastSequenceRecordedBefore(db: Kysely<HubSchema>, workspaceId: string, cutoff: Date): Promise<number | null> {
  // Concurrent appends may commit with recorded_at slightly out of order: the prefix stops at the first event that is still kept.
  const firstKept = await db.selectFrom('audit_events').select((eb) => eb.fn.min('sequence').as('sequence')).where('workspace_id', '=', workspaceId).where('recorded_at', '>=', cutoff).executeTakeFirst();
  const head = await db.selectFrom('audit_events').select(['sequence']).where('workspace_id', '=', workspaceId).orderBy('sequence', 'desc').limit(1).executeTakeFirst();
  if (!head) return null;
  const through = firstKept?.sequence != null ? Number(firstKept.sequence) - 1 : head.sequence;
  const first = await db.selectFrom('audit_events').select(['sequence']).where('workspace_id', '=', workspaceId).orderBy('sequence').limit(1).executeTakeFirst();
  return first && through >= first.sequence ? through : null;
}

/** Stores the tombstone and removes the events (and checkpoints) it covers; returns how many events went. */
export async function removeAuditPrefix(tx: Transaction<HubSchema>, tombstone: TombstoneRow): Promise<number> {
  await tx.insertInto('audit_tombstones').values(tombstone).execute();
  const removed = await tx.deleteFrom('audit_events').where('workspace_id', '=', tombstone.workspace_id).where('sequence', '<=', tombstone.through_sequence).executeTakeFirst();
  await tx.deleteFrom('audit_checkpoints').where('workspace_id', '=', tombstone.workspace_id).where('sequence', '<=', tombstone.through_sequence).execute();
  return Number(removed.numDeletedRows);
}

export async function setAuditRetention(db: Kysely<HubSchema>, workspaceId: string, days: number | null): Promise<void> {
  await db.updateTable('workspaces').set({ audit_retention_days: days }).where('id', '=', workspaceId).execute();
}

export async function workspaceExists(db: Kysely<HubSchema>, workspaceId: string): Promise<boolean> {
  return (await db.selectFrom('workspaces').select('id').where('id', '=', workspaceId).executeTakeFirst()) !== undefined;
}

/** Workspaces that have an audit trail to verify: events, checkpoints or tombstones. */
export async function auditedWorkspaceIds(db: Kysely<HubSchema>): Promise<string[]> {
  const rows = await db
    .selectFrom('workspaces as w')
    .select('w.id')
    .where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('audit_events as e').select('e.sequence').whereRef('e.workspace_id', '=', 'w.id')),
        eb.exists(eb.selectFrom('audit_checkpoints as c').select('c.sequence').whereRef('c.workspace_id', '=', 'w.id')),
        eb.exists(eb.selectFrom('audit_tombstones as t').select('t.through_sequence').whereRef('t.workspace_id', '=', 'w.id')),
      ]),
    )
    .orderBy('w.id')
    .execute();
  return rows.map((row) => row.id);
}

export interface AuditEventFilter {
  action?: string;
  actorId?: string;
  targetKind?: string;
  targetId?: string;
  /** Recorded at or after. */
  from?: Date;
  /** Recorded before. */
  to?: Date;
}

/**
 * A page of the workspace's events matching `filter`: newest first before a
 * sequence, or oldest first after one. The JSON expressions are the ones
 * migration 0003 indexes, so a filtered page reads straight off an index.
 */
export async function selectAuditEvents(
  db: Kysely<HubSchema>,
  workspaceId: string,
  filter: AuditEventFilter,
  page: { order: 'newest-first'; before?: number; limit: number } | { order: 'oldest-first'; after?: number; limit: number },
): Promise<AuditEventRow[]> {
  const conditions: Expression<SqlBool>[] = [];
  if (filter.action !== undefined) conditions.push(sql<SqlBool>`event->>'action' = ${filter.action}`);
  if (filter.actorId !== undefined) conditions.push(sql<SqlBool>`event->'actor'->>'id' = ${filter.actorId}`);
  if (filter.targetKind !== undefined) conditions.push(sql<SqlBool>`event->'target'->>'kind' = ${filter.targetKind}`);
  if (filter.targetId !== undefined) conditions.push(sql<SqlBool>`event->'target'->>'id' = ${filter.targetId}`);
  let query = db.selectFrom('audit_events').select(eventColumns).where('workspace_id', '=', workspaceId);
  for (const condition of conditions) query = query.where(condition);
  if (filter.from) query = query.where('recorded_at', '>=', filter.from);
  if (filter.to) query = query.where('recorded_at', '<', filter.to);
  if (page.order === 'newest-first') {
    if (page.before !== undefined) query = query.where('sequence', '<', page.before);
    return query.orderBy('sequence', 'desc').limit(page.limit).execute();
  }
  if (page.after !== undefined) query = query.where('sequence', '>', page.after);
  return query.orderBy('sequence').limit(page.limit).execute();
}

/** The workspace's retention in days (null: keep forever); undefined when there is no such workspace. */
export async function readAuditRetention(db: Kysely<HubSchema>, workspaceId: string): Promise<{ retentionDays: number | null } | undefined> {
  const row = await db.selectFrom('workspaces').select('audit_retention_days').where('id', '=', workspaceId).executeTakeFirst();
  return row && { retentionDays: row.audit_retention_days };
}
