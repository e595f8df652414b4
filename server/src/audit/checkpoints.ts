import type { Kysely } from 'kysely';
import { insertCheckpoint, unsignedAuditHeads, type CheckpointRow } from '../db/audit-integrity-store';
import type { HubSchema } from '../db/schema';
import { checkpointRecord } from './signed-records';
import { signAuditRecord, type AuditPublicKey, type AuditSigningKey } from './signing-key';
import { walkAuditChain, type AuditBreak } from './verify';

export interface CheckpointRun {
  signed: { workspaceId: string; sequence: number }[];
  /** Workspaces whose new events do not verify: signing them would vouch for tampering. */
  refused: { workspaceId: string; verification: AuditBreak }[];
}

/**
 * Signs the head (sequence and hash) of every workspace's chain that moved
 * since its last checkpoint, after checking the events since that checkpoint.
 * The periodic job calls this; `previousKeys` are keys from before a rotation
 * that older checkpoints were signed with.
 */
export async function signCheckpoints(db: Kysely<HubSchema>, key: AuditSigningKey, now: Date, options: { previousKeys?: readonly AuditPublicKey[] } = {}): Promise<CheckpointRun> {
  const keys = [key, ...(options.previousKeys ?? [])];
  const run: CheckpointRun = { signed: [], refused: [] };
  for (const head of await unsignedAuditHeads(db)) {
    const { verification, end } = await walkAuditChain(db, head.workspaceId, keys, { from: 'last-checkpoint', throughSequence: head.sequence });
    if (!verification.ok) {
      run.refused.push({ workspaceId: head.workspaceId, verification });
      continue;
    }
    const checkpoint: CheckpointRow = { workspace_id: head.workspaceId, sequence: end.sequence, hash: end.hash, signed_at: now, key_id: key.keyId, signature: '' };
    checkpoint.signature = signAuditRecord(key, checkpointRecord(checkpoint));
    await insertCheckpoint(db, checkpoint);
    run.signed.push({ workspaceId: head.workspaceId, sequence: end.sequence });
  }
  return run;
}
