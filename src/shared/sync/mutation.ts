import { z } from 'zod';

/** Record kinds that travel through the outbox (compositions travel as metadata only; 'audit' events are appended to the Hub's chain, never pulled). */
export const syncedRecordTypes = ['campaign', 'composition', 'persona', 'script', 'render', 'audit'] as const;
export type SyncedRecordType = (typeof syncedRecordTypes)[number];

/**
 * One change to synced data, written to the outbox in the same transaction as
 * the record itself. `id` is the idempotency key the Hub applies exactly once.
 */
export const outboxMutationSchema = z.object({
  id: z.uuid(),
  recordType: z.enum(syncedRecordTypes),
  // As long as the Hub's record routes accept (ids here are UUIDs).
  recordId: z.string().min(1).max(64),
  op: z.enum(['create', 'update', 'delete']),
  /** The record revision this change was made on (0 for a create). */
  baseRev: z.number().int().min(0),
  /** The fields that changed and their new values (the whole record for a create). */
  changes: z.record(z.string(), z.unknown()),
  deviceTime: z.iso.datetime(),
});
export type OutboxMutation = z.infer<typeof outboxMutationSchema>;
