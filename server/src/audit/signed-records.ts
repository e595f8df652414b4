import type { CheckpointRow, TombstoneRow } from '../db/audit-integrity-store';

/** What a checkpoint signs: this workspace's chain had this hash at this event. */
export function checkpointRecord(row: CheckpointRow) {
  return { workspaceId: row.workspace_id, sequence: row.sequence, hash: row.hash, signedAt: row.signed_at.toISOString(), keyId: row.key_id };
}

/** What a tombstone signs: retention removed the chain up to this event (whose hash this was). */
export function tombstoneRecord(row: TombstoneRow) {
  return {
    workspaceId: row.workspace_id,
    throughSequence: row.through_sequence,
    throughHash: row.through_hash,
    removedCount: row.removed_count,
    removedBefore: row.removed_before.toISOString(),
    signedAt: row.signed_at.toISOString(),
    keyId: row.key_id,
  };
}

export type AuditTombstone = ReturnType<typeof tombstoneRecord>;
