import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AuditEvent, ChainedAuditEvent } from '../../../src/shared/audit/hash-chain';
import { selectAuditEvents, type AuditEventFilter as StoredEventFilter, type AuditEventRow } from '../db/audit-integrity-store';
import type { HubSchema } from '../db/schema';

/** The log's filters as GET /v1/audit/events and /v1/audit/export take them (query strings). */
export const auditEventFilterSchema = z.object({
  action: z.string().min(1).max(120).optional(),
  actorId: z.string().min(1).max(256).optional(),
  targetKind: z.string().min(1).max(120).optional(),
  targetId: z.string().min(1).max(256).optional(),
  /** Recorded at or after this time. */
  from: z.iso.datetime({ offset: true }).optional(),
  /** Recorded before this time. */
  to: z.iso.datetime({ offset: true }).optional(),
});
export const auditEventPageSchema = auditEventFilterSchema.extend({
  /** The `nextCursor` of the page before: events older than this sequence. */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export interface AuditEventFilter extends Omit<StoredEventFilter, 'from' | 'to'> {
  from?: Date | string;
  to?: Date | string;
}

export interface ListedAuditEvent extends ChainedAuditEvent {
  recordedAt: string;
}

/** Newest first; `nextCursor` is the `before` of the next page, null on the last one. */
export async function listAuditEvents(
  db: Kysely<HubSchema>,
  workspaceId: string,
  query: AuditEventFilter & { before?: number; limit: number },
): Promise<{ events: ListedAuditEvent[]; nextCursor: number | null }> {
  const limit = Math.min(Math.max(Math.trunc(query.limit), 1), 500);
  const rows = await selectAuditEvents(db, workspaceId, storedFilter(query), { order: 'newest-first', before: query.before, limit: limit + 1 });
  const page = rows.slice(0, limit);
  return { events: page.map(listed), nextCursor: rows.length > limit ? page.at(-1)!.sequence : null };
}

/** The events matching `filter`, oldest first, as JSON Lines (each string one line, ending in "\n"), read a page at a time. */
export async function* exportAuditEvents(db: Kysely<HubSchema>, workspaceId: string, filter: AuditEventFilter = {}, options: { pageSize?: number } = {}): AsyncGenerator<string> {
  const pageSize = options.pageSize ?? 1_000;
  const stored = storedFilter(filter);
  let after: number | undefined;
  for (;;) {
    const rows = await selectAuditEvents(db, workspaceId, stored, { order: 'oldest-first', after, limit: pageSize });
    for (const row of rows) yield `${JSON.stringify(listed(row))}\n`;
    if (rows.length < pageSize) return;
    after = rows.at(-1)!.sequence;
  }
}

function storedFilter(filter: AuditEventFilter): StoredEventFilter {
  const { from, to, action, actorId, targetKind, targetId } = filter;
  return { action, actorId, targetKind, targetId, from: from === undefined ? undefined : new Date(from), to: to === undefined ? undefined : new Date(to) };
}

function listed(row: AuditEventRow): ListedAuditEvent {
  // Shown as stored: checking it is verification's job, and a tampered row must still be visible.
  const content = (typeof row.event === 'string' ? JSON.parse(row.event) : row.event) as AuditEvent;
  return { ...content, previousHash: row.previousHash, hash: row.hash, recordedAt: row.recordedAt.toISOString() };
}
