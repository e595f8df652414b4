import Dexie, { type EntityTable } from 'dexie';
import type { Campaign } from '../../shared/campaign/campaign';
import type { OutboxMutation } from '../../shared/sync/mutation';
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

export class KataDatabase extends Dexie {
  campaigns!: EntityTable<Campaign, 'id'>;
  compositions!: EntityTable<StoredRecord, 'id'>;
  assets!: EntityTable<StoredRecord, 'id'>;
  personas!: EntityTable<StoredRecord, 'id'>;
  scripts!: EntityTable<StoredRecord, 'id'>;
  segments!: EntityTable<StoredRecord, 'id'>;
  outbox!: EntityTable<OutboxEntry, 'seq'>;

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
