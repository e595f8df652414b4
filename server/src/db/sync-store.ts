import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { HistoryEntry, PushResult, StoredRecord, StoredRecordType } from '../../../src/shared/sync/protocol';
import { deleteRenderPreviews } from './render-preview-store';
import type { HubSchema } from './schema';

/** Synced records, their history, and the mutations already applied; every query scoped by workspace. */
type Db = Kysely<HubSchema>;
type Tx = Transaction<HubSchema>;
type RecordRow = Selectable<HubSchema['sync_records']>;

/** A stored record and its place in the workspace's change order. */
export interface SyncedRecord {
  record: StoredRecord;
  changeSeq: number;
}

/** jsonb comes back parsed from PostgreSQL and as text from some PGlite paths: read both. */
function fromJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function toSynced(row: RecordRow): SyncedRecord {
  return {
    changeSeq: Number(row.change_seq),
    record: {
      recordType: row.record_type as StoredRecordType,
      recordId: row.record_id,
      version: row.version,
      fields: fromJson(row.fields),
      stamps: fromJson(row.stamps),
      deleted: row.deleted,
      createdDevice: row.created_device,
      updatedAt: row.updated_at.toISOString(),
      updatedBy: row.updated_by,
    },
  };
}

/**
 * Locks the workspace's change counter for the transaction and returns its
 * last change number: pushes to one workspace wait for each other here, so
 * change numbers commit in order and a pull cursor never passes a change
 * that commits later.
 */
export async function lockChangeCounter(tx: Tx, workspaceId: string): Promise<number> {
  await tx.insertInto('sync_sequences').values({ workspace_id: workspaceId }).onConflict((oc) => oc.column('workspace_id').doNothing()).execute();
  const row = await sql<{ last_seq: string }>`select last_seq from sync_sequences where workspace_id = ${workspaceId} for update`.execute(tx);
  return Number(row.rows[0]!.last_seq);
}

export async function setLastChange(tx: Tx, workspaceId: string, lastSeq: number): Promise<void> {
  await tx.updateTable('sync_sequences').set({ last_seq: lastSeq }).where('workspace_id', '=', workspaceId).execute();
}

/** The answers already given to the mutations among `ids` that were applied before. */
export async function appliedResults(tx: Tx, workspaceId: string, ids: readonly string[]): Promise<Map<string, PushResult>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.selectFrom('sync_applied_mutations').select(['mutation_id', 'result']).where('workspace_id', '=', workspaceId).where('mutation_id', 'in', ids).execute();
  return new Map(rows.map((row) => [row.mutation_id, fromJson<PushResult>(row.result)]));
}

/**
 * Records mutations as applied with their answers. The primary key
 * (workspace, mutation id) is the idempotency key: an id already there is
 * left alone, and the count of rows written tells the caller whether someone
 * else applied one of them first (then it must roll back).
 */
export async function recordApplied(tx: Tx, workspaceId: string, applied: readonly { mutationId: string; deviceId: string; result: PushResult }[], now: Date): Promise<number> {
  if (applied.length === 0) return 0;
  const rows = await tx
    .insertInto('sync_applied_mutations')
    .values(applied.map((a) => ({ workspace_id: workspaceId, mutation_id: a.mutationId, device_id: a.deviceId, result: JSON.stringify(a.result), applied_at: now })))
    .onConflict((oc) => oc.columns(['workspace_id', 'mutation_id']).doNothing())
    .returning('mutation_id')
    .execute();
  return rows.length;
}

export async function recordsByIds(db: Db | Tx, workspaceId: string, recordIds: readonly string[]): Promise<Map<string, SyncedRecord>> {
  if (recordIds.length === 0) return new Map();
  const rows = await db.selectFrom('sync_records').selectAll().where('workspace_id', '=', workspaceId).where('record_id', 'in', recordIds).execute();
  return new Map(rows.map((row) => [row.record_id, toSynced(row)]));
}

/**
 * Writes records (new or changed) with their new change numbers, in one
 * statement. The rows travel as one array per column (unnest) rather than a
 * VALUES list: a batch of 500 is 10 parameters instead of 5,500, which the
 * server parses and plans several times faster.
 */
export async function saveRecords(tx: Tx, workspaceId: string, records: readonly SyncedRecord[]): Promise<void> {
  if (records.length === 0) return;
  const column = <T>(value: (r: SyncedRecord) => T) => records.map(value);
  await sql`
    insert into sync_records (workspace_id, record_id, record_type, version, fields, stamps, deleted, created_device, updated_at, updated_by, change_seq)
    select ${workspaceId}, * from unnest(
      ${column((r) => r.record.recordId)}::text[], ${column((r) => r.record.recordType)}::text[], ${column((r) => r.record.version)}::integer[],
      ${column((r) => JSON.stringify(r.record.fields))}::jsonb[], ${column((r) => JSON.stringify(r.record.stamps))}::jsonb[], ${column((r) => r.record.deleted)}::boolean[],
      ${column((r) => r.record.createdDevice)}::text[], ${column((r) => r.record.updatedAt)}::timestamptz[], ${column((r) => r.record.updatedBy)}::text[], ${column((r) => r.changeSeq)}::bigint[])
    on conflict (workspace_id, record_id) do update set
      version = excluded.version, fields = excluded.fields, stamps = excluded.stamps, deleted = excluded.deleted,
      updated_at = excluded.updated_at, updated_by = excluded.updated_by, change_seq = excluded.change_seq`.execute(tx);
  // A render deleted in Studio takes its preview clip along.
  await deleteRenderPreviews(tx, workspaceId, records.filter((r) => r.record.recordType === 'render' && r.record.deleted).map((r) => r.record.recordId));
}

export async function addHistory(tx: Tx, workspaceId: string, entries: readonly { recordId: string; mutationId: string; entry: HistoryEntry }[], now: Date): Promise<void> {
  if (entries.length === 0) return;
  await tx
    .insertInto('sync_record_history')
    .values(entries.map((e) => ({ workspace_id: workspaceId, record_id: e.recordId, mutation_id: e.mutationId, entry: JSON.stringify(e.entry), recorded_at: now })))
    .execute();
}

/** A record's losing values and deleted states, oldest first. */
export async function recordHistory(db: Db, workspaceId: string, recordId: string): Promise<{ mutationId: string; entry: HistoryEntry; recordedAt: Date }[]> {
  const rows = await db.selectFrom('sync_record_history').select(['mutation_id', 'entry', 'recorded_at']).where('workspace_id', '=', workspaceId).where('record_id', '=', recordId).orderBy('id').execute();
  return rows.map((row) => ({ mutationId: row.mutation_id, entry: fromJson<HistoryEntry>(row.entry), recordedAt: row.recorded_at }));
}

/** Records of the given types changed after `after`, in change order. */
export async function changesAfter(db: Db, options: { workspaceId: string; after: number; recordTypes: readonly StoredRecordType[]; limit: number }): Promise<SyncedRecord[]> {
  if (options.recordTypes.length === 0) return [];
  const rows = await db
    .selectFrom('sync_records')
    .selectAll()
    .where('workspace_id', '=', options.workspaceId)
    .where('change_seq', '>', String(options.after))
    .where('record_type', 'in', options.recordTypes)
    .orderBy('change_seq')
    .limit(options.limit)
    .execute();
  return rows.map(toSynced);
}

/** The device id stamped on fields the Hub itself changes (an experiment's winner promoted): never a Studio device, so a device's own-change rule never hides it. */
export const hubDeviceId = 'hub';

/**
 * A change the Hub makes to a synced record on its own (not a device's push):
 * the fields are written with a fresh stamp (version + 1, device `hub`) and
 * the next change number, so Studio pulls it like any change, and a device's
 * later update of the same field made on an older version reports it as
 * overwritten, as the merge rule does for any other device. Returns null when
 * the record is missing or deleted.
 */
export async function applyHubChange(tx: Tx, change: { workspaceId: string; recordId: string; recordType: StoredRecordType; fields: Record<string, unknown>; updatedBy: string; now: Date }): Promise<SyncedRecord | null> {
  let lastSeq = await lockChangeCounter(tx, change.workspaceId);
  const current = (await recordsByIds(tx, change.workspaceId, [change.recordId])).get(change.recordId);
  if (!current || current.record.deleted || current.record.recordType !== change.recordType) return null;
  const version = current.record.version + 1;
  const updatedAt = change.now.toISOString();
  const stamp = { version, deviceId: hubDeviceId, updatedBy: change.updatedBy, updatedAt };
  const record: StoredRecord = {
    ...current.record,
    version,
    fields: { ...current.record.fields, ...change.fields },
    stamps: { ...current.record.stamps, ...Object.fromEntries(Object.keys(change.fields).map((field) => [field, stamp])) },
    updatedAt,
    updatedBy: change.updatedBy,
  };
  const next = { record, changeSeq: ++lastSeq };
  await saveRecords(tx, change.workspaceId, [next]);
  await setLastChange(tx, change.workspaceId, lastSeq);
  return next;
}
