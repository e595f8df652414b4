import Dexie, { type EntityTable } from 'dexie';
import type { Campaign } from '../../shared/campaign/campaign';
import type { OutboxMutation, SyncedRecordType } from '../../shared/sync/mutation';
import type { RenderRecord } from '../../shared/sync/render-record';
import type { StoredRecordType, SyncSegment } from '../../shared/sync/protocol';
import { schemaHistory } from './schema';

/** A stored record whose full model arrives with its own feature (compositions, personas, ...). */
export interface StoredRecord {
  id: string;
  updatedAt: string;
  [field: string]: unknown;
}

export interface OutboxEntry extends OutboxMutation {
  /** Local order of the outbox; the sync engine pushes in this order. */
  seq?: number;
}

/** The device id (made once), the pull cursor and the Hub workspace it belongs to, and why segments could not be read. */
export interface SyncStateEntry {
  key: 'deviceId' | 'cursor' | 'boundScope' | 'segmentsProblem';
  value: string;
}

/** The Hub version a local record was last synced at: the base version of its next change. */
export interface SyncedVersion {
  /** `<recordType>/<recordId>` */
  key: string;
  recordType: StoredRecordType;
  recordId: string;
  version: number;
}

/** Why a sync changed or refused what this device wrote, kept so the person can see it. */
export type SyncConflictKind = 'overwritten' | 'deleted' | 'exists' | 'forbidden' | 'unsendable';

export interface SyncConflict {
  seq?: number;
  /** When this device learned of it (ISO). */
  at: string;
  kind: SyncConflictKind;
  recordType: SyncedRecordType;
  recordId: string;
  mutationId: string;
  /** 'overwritten': the field and the value on the Hub this device's change replaced; else the change that was not applied. */
  field: string | null;
  value: unknown;
  /** Who wrote the value that lost, and at which Hub version (overwritten only). */
  version: number | null;
  updatedBy: string | null;
  updatedAt: string | null;
  message: string;
}

/** A segment pulled from the Hub; `members` only where the role allows, already consent-filtered there. */
export interface StoredSegment extends SyncSegment {
  members: string[] | null;
  /** Why there is no member list (e.g. the role may not export members). */
  membersProblem: string | null;
  syncedAt: string;
}

/** A render job's record as this Studio last wrote it to the outbox; `removed` once deleted from the history here. */
export interface WrittenRenderRecord {
  id: string;
  fields: RenderRecord;
  removed: boolean;
  writtenAt: string;
}

export class KataDatabase extends Dexie {
  campaigns!: EntityTable<Campaign, 'id'>;
  compositions!: EntityTable<StoredRecord, 'id'>;
  assets!: EntityTable<StoredRecord, 'id'>;
  personas!: EntityTable<StoredRecord, 'id'>;
  scripts!: EntityTable<StoredRecord, 'id'>;
  segments!: EntityTable<StoredSegment, 'id'>;
  outbox!: EntityTable<OutboxEntry, 'seq'>;
  syncState!: EntityTable<SyncStateEntry, 'key'>;
  syncedVersions!: EntityTable<SyncedVersion, 'key'>;
  syncConflicts!: EntityTable<SyncConflict, 'seq'>;
  renderRecords!: EntityTable<WrittenRenderRecord, 'id'>;

  constructor(name = 'kata-studio', options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options);
    for (const entry of schemaHistory) {
      const version = this.version(entry.version).stores(entry.stores);
      if (entry.upgrade) version.upgrade(entry.upgrade);
    }
  }
}

export class LocalDataError extends Error {
  override name = 'LocalDataError';
}

/** Opens the database, turning Dexie's failures into messages a user can act on. */
export async function openDatabase(db: KataDatabase): Promise<KataDatabase> {
  try {
    await db.open();
    return db;
  } catch (error) {
    if (error instanceof Dexie.VersionError) {
      throw new LocalDataError(
        'Your local data was saved by a newer Kata Studio. Update Kata Studio to open it; nothing has been changed.',
      );
    }
    if (error instanceof Dexie.MissingAPIError) {
      throw new LocalDataError('This browser does not offer IndexedDB, where Kata Studio keeps your work. Use a current Chromium, Chrome, Edge or Firefox.');
    }
    throw error;
  }
}
