import type { Kysely } from 'kysely';
import { chainStartAfterRetention, lastSequenceRecordedBefore, lockWorkspaceAudit, readAuditEventAt, readAuditRetention, removeAuditPrefix, type TombstoneRow } from '../db/audit-integrity-store';
import type { HubSchema } from '../db/schema';
import { tombstoneRecord, type AuditTombstone } from './signed-records';
import { signAuditRecord, type AuditPublicKey, type AuditSigningKey } from './signing-key';
import { walkAuditChain, type AuditBreak } from './verify';

const DAY_MS = 24 * 60 * 60 * 1000;

export type RetentionOutcome =
  | { outcome: 'kept'; reason: 'kept-forever' | 'nothing-expired' }
  | { outcome: 'removed'; removedCount: number; tombstone: AuditTombstone }
  /** The events due for removal do not verify: removing them would destroy the evidence. */
  | { outcome: 'refused'; verification: AuditBreak };

/**
 * Removes the workspace's events recorded before now − its retention, as a
 * whole prefix of the chain (it stops at the first event still kept), and
 * stores a signed tombstone for them in the same transaction, so that the
 * chain verifies from the tombstone on. The prefix is verified first.
 */
export async function applyRetention(db: Kysely<HubSchema>, workspaceId: string, key: AuditSigningKey, now: Date, options: { previousKeys?: readonly AuditPublicKey[] } = {}): Promise<RetentionOutcome> {
  const workspace = await readAuditRetention(db, workspaceId);
  if (!workspace) throw new Error(`No workspace ${workspaceId}`);
  if (workspace.retentionDays === null) return { outcome: 'kept', reason: 'kept-forever' };
  const removedBefore = new Date(now.getTime() - workspace.retentionDays * DAY_MS);
  const through = await lastSequenceRecordedBefore(db, workspaceId, removedBefore);
  if (through === null) return { outcome: 'kept', reason: 'nothing-expired' };

  // Verified before the transaction, so that appends are not held up while a long prefix is read.
  const { verification, start, end } = await walkAuditChain(db, workspaceId, [key, ...(options.previousKeys ?? [])], { throughSequence: through });
  if (!verification.ok) return { outcome: 'refused', verification };

  return db.transaction().execute(async (tx): Promise<RetentionOutcome> => {
    await lockWorkspaceAudit(tx, workspaceId);
    if (((await chainStartAfterRetention(tx, workspaceId))?.sequence ?? 0) !== start.sequence) throw new Error(`Retention for workspace ${workspaceId} ran twice at once; run it again`);
    const last = await readAuditEventAt(tx, workspaceId, through);
    if (last?.hash !== end.hash) {
      return { outcome: 'refused', verification: { ok: false, checked: verification.checked, sequence: through, problem: 'changed', message: `event ${through} changed while retention was checking it` } };
    }
    const tombstone: TombstoneRow = {
      workspace_id: workspaceId,
      through_sequence: end.sequence,
      through_hash: end.hash,
      removed_count: end.sequence - start.sequence,
      removed_before: removedBefore,
      signed_at: now,
      key_id: key.keyId,
      signature: '',
    };
    tombstone.signature = signAuditRecord(key, tombstoneRecord(tombstone));
    const removed = await removeAuditPrefix(tx, tombstone);
    // Throwing rolls the removal back.
    if (removed !== tombstone.removed_count) throw new Error(`Retention for workspace ${workspaceId} found ${removed} events to remove where ${tombstone.removed_count} were verified`);
    return { outcome: 'removed', removedCount: removed, tombstone: tombstoneRecord(tombstone) };
  });
}
