import type { Kysely } from 'kysely';
import { auditEventSchema, ChainWalk, GENESIS_HASH, type ChainProblem } from '../../../src/shared/audit/hash-chain';
import { latestCheckpoint, readAuditChainPage, readAuditEventAt, readCheckpoints, readTombstones, type AuditEventRow, type CheckpointRow } from '../db/audit-integrity-store';
import type { HubSchema } from '../db/schema';
import { checkpointRecord, tombstoneRecord, type AuditTombstone } from './signed-records';
import { checkAuditSignature, type AuditPublicKey } from './signing-key';

export type AuditProblem = ChainProblem | 'signature' | 'tombstone';
export type AuditBreak = { ok: false; checked: number; sequence: number; problem: AuditProblem; message: string };
export type AuditVerification =
  | {
      ok: true;
      /** Events checked (those after the latest tombstone). */
      checked: number;
      /** The last event a valid signature vouches for (checkpoint or tombstone); null when nothing is signed yet. */
      signedThrough: number | null;
      /** The latest retention tombstone, where the chain now starts. */
      tombstone?: AuditTombstone;
    }
  | AuditBreak;

/** Events read per query: 100,000 events never sit in memory at once. */
export const VERIFY_PAGE_SIZE = 5_000;
/** Below any sequence, so that junk rows at 0 or below are read too. */
const BEFORE_ALL = -2_147_483_648;

/**
 * Verifies a workspace's audit log as stored: every tombstone's signature,
 * the hash chain from the latest tombstone on (a changed, missing, inserted,
 * reordered or relinked event), and every checkpoint, whose signature must
 * hold and whose hash must be the stored event's, which is what shows a tail
 * of the chain rewritten with recomputed hashes. Reports the first break.
 */
export async function verifyWorkspaceAudit(db: Kysely<HubSchema>, workspaceId: string, publicKeys: readonly AuditPublicKey[], options: { pageSize?: number } = {}): Promise<AuditVerification> {
  return (await walkAuditChain(db, workspaceId, publicKeys, options)).verification;
}

export interface AuditWalk {
  verification: AuditVerification;
  /** Where the walk started: the latest tombstone, the latest checkpoint, or the genesis. */
  start: { sequence: number; hash: string };
  /** The last event that extended the chain. */
  end: { sequence: number; hash: string };
}

/**
 * The walk behind verifyWorkspaceAudit. `from: 'last-checkpoint'` checks
 * only what came after the latest checkpoint (before signing a new one);
 * `throughSequence` stops early (before retention removes a prefix).
 */
export async function walkAuditChain(
  db: Kysely<HubSchema>,
  workspaceId: string,
  keys: readonly AuditPublicKey[],
  options: { from?: 'retention' | 'last-checkpoint'; throughSequence?: number; pageSize?: number } = {},
): Promise<AuditWalk> {
  const pageSize = options.pageSize ?? VERIFY_PAGE_SIZE;
  let start = { sequence: 0, hash: GENESIS_HASH };
  let signedThrough: number | null = null;
  const result = (verification: AuditVerification, walk?: ChainWalk): AuditWalk => ({ verification, start, end: walk ? { sequence: walk.lastSequence, hash: walk.lastHash } : start });
  const broken = (checked: number, sequence: number, problem: AuditProblem, message: string): AuditWalk => result({ ok: false, checked, sequence, problem, message });

  const tombstones = await readTombstones(db, workspaceId);
  for (const tombstone of tombstones) {
    const through = tombstone.through_sequence;
    const signature = checkAuditSignature(keys, tombstone.key_id, tombstoneRecord(tombstone), tombstone.signature);
    if (signature === 'unknown-key') return broken(0, through, 'tombstone', `the retention record for events up to ${through} is signed with key ${tombstone.key_id}, which this Hub does not trust`);
    if (signature === 'invalid') return broken(0, through, 'tombstone', `the retention record for events up to ${through} was forged or changed: its signature does not verify`);
  }
  const tombstone = tombstones.at(-1);
  if (tombstone) {
    start = { sequence: tombstone.through_sequence, hash: tombstone.through_hash };
    signedThrough = tombstone.through_sequence;
    const leftover = await readAuditChainPage(db, workspaceId, { afterSequence: BEFORE_ALL, throughSequence: start.sequence, limit: 1 });
    if (leftover[0]) return broken(0, leftover[0].sequence, 'inserted', `event ${leftover[0].sequence} is in the log, but the retention record says events up to ${start.sequence} were removed`);
  }

  if (options.from === 'last-checkpoint') {
    const checkpoint = await latestCheckpoint(db, workspaceId);
    if (checkpoint && checkpoint.sequence > start.sequence) {
      const stored = await readAuditEventAt(db, workspaceId, checkpoint.sequence);
      const problem = checkpointProblem(keys, checkpoint, stored?.hash, start.sequence);
      if (problem) return broken(0, checkpoint.sequence, problem.problem, problem.message);
      start = { sequence: checkpoint.sequence, hash: checkpoint.hash };
      signedThrough = checkpoint.sequence;
    }
  } else {
    // Checkpoints retention left behind: each must still be signed, and one at the tombstone must agree with it.
    for (const checkpoint of await readCheckpoints(db, workspaceId, { afterSequence: BEFORE_ALL, throughSequence: start.sequence })) {
      const problem = checkpointProblem(keys, checkpoint, checkpoint.sequence === start.sequence ? start.hash : checkpoint.hash, 0);
      if (problem) return broken(0, checkpoint.sequence, problem.problem, problem.message);
    }
  }

  const walk = new ChainWalk({ startHash: start.hash, startSequence: start.sequence });
  let after = start.sequence;
  for (;;) {
    const rows = await readAuditChainPage(db, workspaceId, { afterSequence: after, throughSequence: options.throughSequence, limit: pageSize });
    if (rows.length === 0) break;
    const checkpoints = await readCheckpoints(db, workspaceId, { afterSequence: after, throughSequence: rows.at(-1)!.sequence });
    let next = 0;
    for (const row of rows) {
      const problem = eventProblem(walk, row, workspaceId);
      if (problem) return broken(walk.checked, problem.sequence, problem.problem, problem.message);
      for (; next < checkpoints.length && checkpoints[next]!.sequence <= row.sequence; next++) {
        const checkpoint = checkpoints[next]!;
        const signed = checkpointProblem(keys, checkpoint, checkpoint.sequence === row.sequence ? row.hash : undefined, signedThrough ?? start.sequence);
        if (signed) return broken(walk.checked, checkpoint.sequence, signed.problem, signed.message);
        signedThrough = checkpoint.sequence;
      }
    }
    after = rows.at(-1)!.sequence;
    if (rows.length < pageSize) break;
  }

  // Signed events past the end of the log were cut off it.
  const end = walk.lastSequence;
  const [beyond] = await readCheckpoints(db, workspaceId, { afterSequence: end, throughSequence: options.throughSequence });
  if (beyond) {
    const problem = checkpointProblem(keys, beyond, beyond.hash, 0);
    if (problem) return broken(walk.checked, beyond.sequence, problem.problem, problem.message);
    return broken(walk.checked, end + 1, 'missing', `events ${end + 1} to ${beyond.sequence} are missing: they were signed on ${day(beyond.signed_at)}, but the log ends at event ${end}`);
  }
  if (options.throughSequence !== undefined && end < options.throughSequence) return broken(walk.checked, end + 1, 'missing', `event ${end + 1} is missing: the log ends at event ${end}`);
  return result({ ok: true, checked: walk.checked, signedThrough, ...(tombstone ? { tombstone: tombstoneRecord(tombstone) } : {}) }, walk);
}

type Problem = { sequence: number; problem: AuditProblem; message: string };

/** Walks one stored row: its content, its place in the chain, its workspace. */
function eventProblem(walk: ChainWalk, row: AuditEventRow, workspaceId: string): Problem | null {
  const parsed = auditEventSchema.safeParse(typeof row.event === 'string' ? safeJson(row.event) : row.event);
  if (!parsed.success) return { sequence: row.sequence, problem: 'changed', message: `event ${row.sequence} was changed after it was recorded: it no longer reads as an audit event` };
  const event = { ...parsed.data, previousHash: row.previousHash, hash: row.hash };
  const chainBreak = walk.next(event);
  // An event that says it is another one than the place it is stored in was moved there.
  const moved = { sequence: row.sequence, problem: 'reordered' as const, message: `event ${event.sequence} was moved to the place of event ${row.sequence}` };
  if (chainBreak) return chainBreak.problem === 'missing' && event.sequence !== row.sequence ? moved : chainBreak;
  if (event.sequence !== row.sequence) return moved;
  if (event.workspaceId !== workspaceId) return { sequence: row.sequence, problem: 'inserted', message: `event ${row.sequence} was copied in from workspace ${event.workspaceId}` };
  return null;
}

/** A checkpoint must carry a valid signature and agree with the stored event's hash (undefined: no such event). */
function checkpointProblem(keys: readonly AuditPublicKey[], checkpoint: CheckpointRow, storedHash: string | undefined, lastSigned: number): Problem | null {
  const at = checkpoint.sequence;
  const signature = checkAuditSignature(keys, checkpoint.key_id, checkpointRecord(checkpoint), checkpoint.signature);
  if (signature === 'unknown-key') return { sequence: at, problem: 'signature', message: `the checkpoint at event ${at} is signed with key ${checkpoint.key_id}, which this Hub does not trust` };
  if (signature === 'invalid') return { sequence: at, problem: 'signature', message: `the checkpoint at event ${at} was forged or changed: its signature does not verify` };
  if (storedHash === undefined) return { sequence: at, problem: 'missing', message: `event ${at} is missing: it was signed on ${day(checkpoint.signed_at)}` };
  if (storedHash !== checkpoint.hash) {
    return { sequence: at, problem: 'signature', message: `event ${at} no longer matches the hash signed for it on ${day(checkpoint.signed_at)}: some of events ${lastSigned + 1} to ${at} were rewritten after they were signed` };
  }
  return null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}
