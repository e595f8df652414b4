/**
 * The local database's schema history, oldest first.
 *
 * Upgrade policy (checked by schema.test.ts):
 * 1. A released entry is never edited. A change is a new entry whose version is
 *    the previous one plus one.
 * 2. A new entry lists only the tables whose indexes change; Dexie carries the
 *    others forward. `null` deletes a table, and only after its data has been
 *    moved by an `upgrade` of the same entry.
 * 3. `upgrade` moves data; it must keep every record (nothing the user made is
 *    lost) and may run on a database of any earlier version.
 * 4. Documents carry their own `version` and are upgraded when read (see
 *    src/shared/versioning.ts), so most model changes need no entry here.
 */
import type { Transaction } from 'dexie';

export interface SchemaVersion {
  version: number;
  stores: Record<string, string | null>;
  upgrade?: (tx: Transaction) => Promise<void>;
}

export const schemaHistory: readonly SchemaVersion[] = [
  {
    version: 1,
    stores: {
      campaigns: 'id, status, updatedAt',
      compositions: 'id, campaignId, updatedAt',
      assets: 'id, kind, contentHash, createdAt',
      personas: 'id, campaignId, updatedAt',
      scripts: 'id, personaId, updatedAt',
      segments: 'id, campaignId, syncedAt',
      outbox: '++seq, &id, recordType, recordId',
    },
  },
  {
    // Sync with the Hub (issue 9): the device id and pull cursor, the Hub version each record was last synced at,
    // and what the Hub's merge overwrote or refused, kept for the person to see.
    version: 2,
    stores: {
      syncState: 'key',
      syncedVersions: 'key, recordType',
      syncConflicts: '++seq, recordId, recordType, at',
    },
  },
  {
    // Render records (issue 12): what this Studio last wrote to the outbox for each render job, so a job's change
    // is written once however often the render queue repeats it (restarts, reconnects, progress).
    version: 3,
    stores: {
      renderRecords: 'id',
    },
  },
];

export const currentSchemaVersion = schemaHistory[schemaHistory.length - 1]!.version;
