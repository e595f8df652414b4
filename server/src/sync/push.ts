import type { Kysely } from 'kysely';
import type { AuditEvent } from '../../../src/shared/audit/hash-chain';
import type { OutboxMutation } from '../../../src/shared/sync/mutation';
import { deviceAuditEventSchema, hubRecordOf, isStoredRecordType, mergeMutation, writePermissionOf, type HistoryEntry, type PushResult, type StoredRecordType } from '../../../src/shared/sync/protocol';
import type { Permission } from '../auth/permissions';
import { appendAuditEventsIn } from '../db/audit-store';
import type { HubSchema } from '../db/schema';
import * as store from '../db/sync-store';
import { changeDigest } from '../http/access';
import { HubError } from '../http/errors';

export interface PushContext {
  workspaceId: string;
  /** Who pushes, as recorded in updatedBy (a user id, or `api-key:<id>`). */
  actorId: string;
  deviceId: string;
  /** Whether the caller holds a permission ('signed-in' always holds). */
  may(permission: Permission | 'signed-in'): boolean;
  now: Date;
  /** What every audit event of this request records about where it came from. */
  auditBase: Omit<AuditEvent, 'sequence' | 'action' | 'target' | 'changeDigest'>;
}

type Pending = Omit<AuditEvent, 'sequence'>;

/**
 * Applies a batch of outbox mutations in one transaction, exactly once each.
 *
 * - The workspace's change counter is locked first, so a second copy of the
 *   same batch (a retry racing the original) waits, then finds every id in
 *   `sync_applied_mutations` and gets the stored answers; nothing applies twice.
 * - Mutations apply in the order sent, so per record in outbox order; a record
 *   changed several times in a batch is written once, in its final state.
 * - The records, their history, the applied ids, the audit events and the
 *   counter are written with one statement each and commit together: a
 *   dropped connection before the commit leaves nothing, after it the retry
 *   is answered from the stored results.
 */
export async function applyPush(db: Kysely<HubSchema>, context: PushContext, mutations: readonly OutboxMutation[]): Promise<PushResult[]> {
  const { workspaceId, deviceId, now } = context;
  const nowIso = now.toISOString();
  return db.transaction().execute(async (tx) => {
    let lastSeq = await store.lockChangeCounter(tx, workspaceId);
    const answered = await store.appliedResults(tx, workspaceId, [...new Set(mutations.map((m) => m.id))]);
    const fresh = mutations.filter((m) => !answered.has(m.id));
    const records = await store.recordsByIds(tx, workspaceId, [...new Set(fresh.filter((m) => isStoredRecordType(m.recordType)).map((m) => m.recordId))]);
    const changed = new Map<string, store.SyncedRecord>();
    const history: { recordId: string; mutationId: string; entry: HistoryEntry }[] = [];
    const applied: { mutationId: string; deviceId: string; result: PushResult }[] = [];
    const events: Pending[] = [];

    const applyOne = (mutation: OutboxMutation): PushResult => {
      const { id } = mutation;
      if (!context.may(writePermissionOf[mutation.recordType])) return { id, status: 'conflict', reason: 'forbidden', current: null };
      if (!isStoredRecordType(mutation.recordType)) {
        const event = deviceAuditEventSchema.parse(mutation.changes);
        events.push({ ...context.auditBase, action: `studio.${event.action}`, target: event.target, changeDigest: event.changeDigest, deviceTime: mutation.deviceTime, deviceId });
        return { id, status: 'applied', version: 0, overwritten: [] };
      }
      const current = records.get(mutation.recordId);
      const outcome = mergeMutation({ current: current?.record, mutation: { ...mutation, recordType: mutation.recordType as StoredRecordType }, deviceId, userId: context.actorId, now: nowIso });
      if (outcome.status === 'conflict') return { id, status: 'conflict', reason: outcome.reason, current: current ? hubRecordOf(current.record, current.changeSeq) : null };
      if (outcome.changed) {
        const next = { record: outcome.record, changeSeq: ++lastSeq };
        records.set(mutation.recordId, next);
        changed.set(mutation.recordId, next);
        for (const entry of outcome.history) history.push({ recordId: mutation.recordId, mutationId: id, entry });
      }
      return { id, status: 'applied', version: outcome.record.version, overwritten: outcome.overwritten };
    };

    const results = mutations.map((mutation) => {
      const known = answered.get(mutation.id);
      if (known) return known;
      const result = applyOne(mutation);
      // The same id twice in one batch is one mutation: the copy gets the first answer.
      answered.set(mutation.id, result);
      applied.push({ mutationId: mutation.id, deviceId, result });
      return result;
    });

    if (applied.length === 0) return results;
    if ((await store.recordApplied(tx, workspaceId, applied, now)) !== applied.length) {
      // Cannot happen while the counter lock is held; if it ever does, apply nothing rather than twice.
      throw new HubError(409, 'Another push applied some of these mutations at the same moment; send the batch again.', 'push-race');
    }
    await store.saveRecords(tx, workspaceId, [...changed.values()]);
    await store.addHistory(tx, workspaceId, history, now);
    await store.setLastChange(tx, workspaceId, lastSeq);
    if (changed.size > 0) {
      const summary = applied.map((a) => ({ id: a.mutationId, status: a.result.status }));
      events.push({ ...context.auditBase, action: 'sync.pushed', target: { kind: 'device', id: deviceId }, changeDigest: changeDigest(summary), deviceId });
    }
    await appendAuditEventsIn(tx, workspaceId, events);
    return results;
  });
}
