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

/** Adds a mutation to the outbox; call it inside the transaction that writes the record. */
export async function enqueueMutation(options: {
  db: KataDatabase;
  clock: Clock;
  recordType: SyncedRecordType;
  recordId: string;
  op: OutboxMutation['op'];
  baseRev: number;
  changes: Record<string, unknown>;
}): Promise<OutboxEntry> {
  const { db, clock, ...rest } = options;
  const mutation = outboxMutationSchema.parse({ id: clock.newId(), deviceTime: clock.now().toISOString(), ...rest });
  const seq = await db.outbox.add(mutation);
  return { ...mutation, seq };
}

/** Mutations not yet pushed, oldest first. */
export function pendingMutations(db: KataDatabase): Promise<OutboxEntry[]> {
  return db.outbox.orderBy('seq').toArray();
}
