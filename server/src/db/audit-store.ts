import { sql, type Kysely, type Transaction } from 'kysely';
import { appendEvent, auditEventSchema, type AuditEvent, type ChainedAuditEvent } from '../../../src/shared/audit/hash-chain';
import { chainStartAfterRetention } from './audit-integrity-store';
import type { HubSchema } from './schema';

/**
 * Appends one event to its workspace's chain. The workspace row is locked
 * for the transaction, so concurrent writers queue up and the chain never
 * forks (the embedded database also lends its one connection to one
 * transaction at a time).
 */
export async function appendAuditEvent(db: Kysely<HubSchema>, event: Omit<AuditEvent, 'sequence'>): Promise<ChainedAuditEvent> {
  return db.transaction().execute((tx) => appendAuditEventIn(tx, event));
}

/** Appends inside the caller's transaction, so a change and its audit event commit (or fail) together. */
export async function appendAuditEventIn(tx: Transaction<HubSchema>, event: Omit<AuditEvent, 'sequence'>): Promise<ChainedAuditEvent> {
  const [chained] = await appendAuditEventsIn(tx, event.workspaceId, [event]);
  return chained!;
}

/** Appends several events of one workspace, in order, with one read of the chain's end and one insert. */
export async function appendAuditEventsIn(tx: Transaction<HubSchema>, workspaceId: string, events: readonly Omit<AuditEvent, 'sequence'>[]): Promise<ChainedAuditEvent[]> {
  if (events.length === 0) return [];
  if (events.some((e) => e.workspaceId !== workspaceId)) throw new Error(`Audit events for one chain must all belong to workspace ${workspaceId}`);
  const workspace = await sql<{ id: string }>`select id from workspaces where id = ${workspaceId} for update`.execute(tx);
  if (workspace.rows.length === 0) throw new Error(`No workspace ${workspaceId}`);
  const last = await tx.selectFrom('audit_events').selectAll().where('workspace_id', '=', workspaceId).orderBy('sequence', 'desc').limit(1).executeTakeFirst();
  // When retention has removed every event, the chain goes on from the last one removed.
  let previous: Pick<ChainedAuditEvent, 'sequence' | 'hash'> | null = last ? toChained(last) : await chainStartAfterRetention(tx, workspaceId);
  const chained = events.map((event) => (previous = appendEvent(previous, event)));
  await tx
    .insertInto('audit_events')
    .values(chained.map(({ previousHash, hash, ...content }) => ({ workspace_id: workspaceId, sequence: content.sequence, event: JSON.stringify(content), previous_hash: previousHash, hash })))
    .execute();
  return chained;
}

function toChained(row: { event: unknown; previous_hash: string; hash: string }): ChainedAuditEvent {
  const content = auditEventSchema.parse(typeof row.event === 'string' ? JSON.parse(row.event) : row.event);
  return { ...content, previousHash: row.previous_hash, hash: row.hash };
}

/** The workspace's events in stored order (by sequence), for verification and export. */
export async function readAuditEvents(db: Kysely<HubSchema>, workspaceId: string): Promise<ChainedAuditEvent[]> {
  const rows = await db.selectFrom('audit_events').selectAll().where('workspace_id', '=', workspaceId).orderBy('sequence').execute();
  return rows.map((row) => {
    try {
      return toChained(row);
    } catch {
      // A row whose content no longer parses is tampering too: keep its place so verification names it.
      return { ...(typeof row.event === 'object' && row.event ? (row.event as AuditEvent) : ({} as AuditEvent)), sequence: row.sequence, previousHash: row.previous_hash, hash: `unreadable:${row.hash}` };
    }
  });
}

