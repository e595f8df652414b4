import type { HubRecord, StoredRecordType } from '../../shared/sync/protocol';
import type { KataDatabase, StoredRecord } from './database';
import { syncedCampaignFields } from './campaigns';
import { syncedVersionKey } from './outbox';

/** Every table a pulled record or a push answer may write, for the transaction that applies it. */
export const syncTables = (db: KataDatabase) => [db.campaigns, db.compositions, db.personas, db.scripts, db.outbox, db.syncedVersions, db.syncConflicts, db.syncState];

type Row = Record<string, unknown> & { id: string };

const later = (a: unknown, b: string) => (typeof a === 'string' && a > b ? a : b);
const without = (fields: Record<string, unknown>, pending: Set<string>) => Object.fromEntries(Object.entries(fields).filter(([field]) => !pending.has(field)));

/**
 * How a record the Hub holds becomes the local row of its table. `fields` are
 * the Hub's fields minus those this device has changed and not yet pushed
 * (those keep the local value until the Hub has them).
 */
const localShapes: Record<StoredRecordType, { table(db: KataDatabase): KataDatabase['personas'] | null; merge(local: Row | undefined, fields: Record<string, unknown>, record: HubRecord): Row | null }> = {
  campaign: {
    table: (db) => db.campaigns as unknown as KataDatabase['personas'],
    merge: (local, fields, record) => ({
      ...local,
      ...syncedCampaignFields(fields),
      id: record.recordId,
      // `rev` counts changes seen here; it never goes back.
      rev: Number(local?.rev ?? 0) + 1,
      updatedAt: later(local?.updatedAt, record.updatedAt),
    }),
  },
  // Only a composition's metadata travels: a composition made on another device has no document here to open.
  composition: {
    table: (db) => db.compositions,
    merge: (local, fields, record) => (local ? { ...local, ...('name' in fields && { name: fields.name }), ...('campaignId' in fields && { campaignId: fields.campaignId }), updatedAt: later(local.updatedAt, record.updatedAt) } : null),
  },
  persona: {
    table: (db) => db.personas,
    merge: (local, fields, record) => {
      const document: Record<string, unknown> = { ...(local?.document as Record<string, unknown> | undefined), ...fields, id: record.recordId };
      const brand = document.brand as { campaignId?: unknown } | undefined;
      return { ...local, id: record.recordId, campaignId: typeof brand?.campaignId === 'string' ? brand.campaignId : (local?.campaignId ?? null), updatedAt: later(local?.updatedAt, record.updatedAt), document };
    },
  },
  script: {
    table: (db) => db.scripts,
    merge: (local, fields, record) => {
      const document: Record<string, unknown> = { ...(local?.document as Record<string, unknown> | undefined), ...fields, id: record.recordId };
      return { ...local, id: record.recordId, personaId: document.personaId ?? local?.personaId ?? null, updatedAt: later(local?.updatedAt, record.updatedAt), document };
    },
  },
  // Render records are written by the Studio that rendered them (render-records.ts) and kept on the Hub for the team;
  // a pulled one has no local row: Studio's own render history lives in main.
  render: { table: () => null, merge: () => null },
};

/** The fields of a local row that sync with the Hub, as the Hub holds them (for comparing a device with the Hub). */
export function syncedFieldsOf(recordType: StoredRecordType, row: Row): Record<string, unknown> {
  if (recordType === 'persona' || recordType === 'script') return row.document as Record<string, unknown>;
  return recordType === 'campaign' ? syncedCampaignFields(row) : row;
}

/** The local row of a record, or undefined. */
export async function localRow(db: KataDatabase, recordType: StoredRecordType, recordId: string): Promise<Row | undefined> {
  return (await localShapes[recordType].table(db)?.get(recordId)) as Row | undefined;
}

/**
 * Applies the Hub's state of a record to the local database, rebased on this
 * device's unpushed changes: fields those change keep the local value, and a
 * record this device deleted stays deleted. Call inside a transaction over `syncTables`.
 */
export async function applyHubRecord(db: KataDatabase, record: HubRecord): Promise<void> {
  const pending = (await db.outbox.where('recordId').equals(record.recordId).toArray()).filter((m) => m.recordType === record.recordType);
  const pendingFields = new Set(pending.flatMap((m) => Object.keys(m.changes)));
  const deletedHere = pending.some((m) => m.op === 'delete');
  const shape = localShapes[record.recordType];
  const table = shape.table(db);
  if (table) {
    if (record.deleted) await table.delete(record.recordId);
    else if (!deletedHere) {
      const local = (await table.get(record.recordId)) as Row | undefined;
      const row = shape.merge(local, without(record.fields, pendingFields), record);
      if (row) await table.put(row as StoredRecord);
    }
  }
  await noteSyncedVersion(db, record.recordType, record.recordId, record.version);
}

/** Remembers the newest Hub version a record is known at (never going back). */
export async function noteSyncedVersion(db: KataDatabase, recordType: StoredRecordType, recordId: string, version: number): Promise<void> {
  const key = syncedVersionKey(recordType, recordId);
  const known = await db.syncedVersions.get(key);
  if (!known || known.version < version) await db.syncedVersions.put({ key, recordType, recordId, version });
}
