import { outboxMutationSchema, type OutboxMutation, type SyncedRecordType } from '../../shared/sync/mutation';
import type { KataDatabase, OutboxEntry } from './database';

export interface Clock {
  now(): Date;
  newId(): string;
}

export const systemClock: Clock = {
  now: () => new Date(),
  newId: () => crypto.randomUUID(),
};

/** The tables a write and its outbox entry share a transaction with (the base version is read from the synced versions). */
export const outboxTables = (db: KataDatabase) => [db.outbox, db.syncedVersions];

export const syncedVersionKey = (recordType: SyncedRecordType, recordId: string) => `${recordType}/${recordId}`;

/**
 * Adds a mutation to the outbox; call it inside the transaction that writes
 * the record, with `outboxTables(db)` in its scope. The base version is the
 * Hub version this device last synced the record at (0 for a create).
 */
export async function enqueueMutation(options: {
  db: KataDatabase;
  clock: Clock;
  recordType: SyncedRecordType;
  recordId: string;
  op: OutboxMutation['op'];
  changes: Record<string, unknown>;
}): Promise<OutboxEntry> {
  const { db, clock, ...rest } = options;
  const synced = rest.op === 'create' || rest.recordType === 'audit' ? undefined : await db.syncedVersions.get(syncedVersionKey(rest.recordType, rest.recordId));
  const mutation = outboxMutationSchema.parse({ id: clock.newId(), deviceTime: clock.now().toISOString(), baseRev: synced?.version ?? 0, ...rest });
  const seq = await db.outbox.add(mutation);
  return { ...mutation, seq };
}

/** Mutations not yet pushed, oldest first. */
export function pendingMutations(db: KataDatabase): Promise<OutboxEntry[]> {
  return db.outbox.orderBy('seq').toArray();
}
