import type { KataDatabase } from './database';
import { enqueueMutation, systemClock, type Clock } from './outbox';

/** What Studio tells the Hub's audit log (travels in the outbox, appended to the hash chain on sync). */
export type AuditEventKind = 'script-safety-override' | 'render-exported' | 'persona-changed' | 'segment-exported' | 'sign-in';

/** Records an audit event with the time on this device; it reaches the Hub with the next sync. */
export async function recordAuditEvent(options: { db: KataDatabase; kind: AuditEventKind; subjectId: string; details: Record<string, unknown>; clock?: Clock }): Promise<void> {
  const { db } = options;
  await db.transaction('rw', db.outbox, () =>
    enqueueMutation({ db, clock: options.clock ?? systemClock, recordType: 'audit', recordId: options.subjectId, op: 'create', baseRev: 0, changes: { kind: options.kind, ...options.details } }),
  );
}
