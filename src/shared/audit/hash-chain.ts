import { sha256 } from '@noble/hashes/sha256';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { z } from 'zod';
import { canonicalJson } from './canonical-json';

/** The first link of every workspace's chain points at this. */
export const GENESIS_HASH = '0'.repeat(64);

export const auditEventSchema = z.object({
  /** Position in the workspace's chain, from 1 with no gaps. */
  sequence: z.number().int().positive(),
  workspaceId: z.string().min(1),
  actor: z.object({ kind: z.enum(['user', 'api-key', 'system', 'device']), id: z.string().min(1) }),
  action: z.string().min(1).max(120),
  target: z.object({ kind: z.string().min(1), id: z.string().min(1) }).nullable(),
  /** ISO time the Hub recorded it (and, for Studio's events, the time on the device). */
  at: z.iso.datetime(),
  deviceTime: z.iso.datetime().optional(),
  /** The Studio installation an event came from (events synced from Studio). */
  deviceId: z.string().min(1).max(64).optional(),
  ip: z.string().max(64).nullable(),
  userAgent: z.string().max(512).nullable(),
  requestId: z.string().max(128).nullable(),
  /** A digest of what changed (never the personal data itself). */
  changeDigest: z.string().max(128).nullable(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export interface ChainedAuditEvent extends AuditEvent {
  previousHash: string;
  hash: string;
}

/** SHA-256 over the event's canonical JSON and the previous link's hash. */
export function hashEvent(event: AuditEvent, previousHash: string): string {
  return bytesToHex(sha256(utf8ToBytes(`${previousHash}\n${canonicalJson(auditEventSchema.parse(event))}`)));
}

/** Adds an event to the end of a chain (or after the last event a retention tombstone removed). */
export function appendEvent(previous: Pick<ChainedAuditEvent, 'sequence' | 'hash'> | null, event: Omit<AuditEvent, 'sequence'>): ChainedAuditEvent {
  const full = { ...event, sequence: (previous?.sequence ?? 0) + 1 };
  const previousHash = previous?.hash ?? GENESIS_HASH;
  return { ...full, previousHash, hash: hashEvent(full, previousHash) };
}

export type ChainProblem = 'changed' | 'missing' | 'inserted' | 'reordered' | 'relinked';
export type ChainBreak = { ok: true; checked: number } | { ok: false; checked: number; sequence: number; problem: ChainProblem; message: string };

/**
 * Walks a chain in stored order and reports the first event where it breaks:
 * an event whose content no longer matches its hash (changed), a gap in the
 * sequence (missing), a sequence that repeats (inserted) or runs backwards
 * (reordered), or a link that does not point at the event before it.
 */
export function verifyChain(events: readonly ChainedAuditEvent[], options: { startHash?: string; startSequence?: number } = {}): ChainBreak {
  const walk = new ChainWalk(options);
  for (const event of events) {
    const broken = walk.next(event);
    if (broken) return broken;
  }
  return { ok: true, checked: walk.checked };
}

/**
 * verifyChain one event at a time, so that a long chain can be read and
 * checked in pages without holding all of it.
 */
export class ChainWalk {
  /** Events that extended the chain so far. */
  checked = 0;
  /** Hash of the last event that extended the chain (or the start hash). */
  lastHash: string;
  private expected: number;

  constructor(options: { startHash?: string; startSequence?: number } = {}) {
    this.lastHash = options.startHash ?? GENESIS_HASH;
    this.expected = (options.startSequence ?? 0) + 1;
  }

  /** Sequence of the last event that extended the chain (or the start sequence). */
  get lastSequence(): number {
    return this.expected - 1;
  }

  /** The break at this event, or null when it extends the chain. */
  next(event: ChainedAuditEvent): Extract<ChainBreak, { ok: false }> | null {
    const expected = this.expected;
    const fail = (problem: ChainProblem, message: string) => ({ ok: false as const, checked: this.checked, sequence: event.sequence, problem, message });
    if (event.sequence < expected) {
      return event.sequence === expected - 1 ? fail('inserted', `event ${event.sequence} appears twice`) : fail('reordered', `event ${event.sequence} comes after event ${expected - 1}`);
    }
    if (event.sequence > expected) return fail('missing', `event ${expected} is missing before event ${event.sequence}`);
    const { previousHash: link, hash, ...content } = event;
    if (hashEvent(content, link) !== hash) return fail('changed', `event ${event.sequence} was changed after it was recorded`);
    if (link !== this.lastHash) return fail('relinked', `event ${event.sequence} does not follow event ${expected - 1}`);
    this.lastHash = hash;
    this.expected++;
    this.checked++;
    return null;
  }
}
