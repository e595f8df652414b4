import { generateKeyPairSync } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { appendEvent, type AuditEvent } from '../../src/shared/audit/hash-chain';
import { auditSigningKey, type AuditSigningKey } from '../src/audit/signing-key';
import { appendAuditEvent } from '../src/db/audit-store';
import type { HubSchema } from '../src/db/schema';

/** A fresh Ed25519 audit key (the Hub's, or an intruder's). */
export function testAuditKey(): AuditSigningKey {
  return auditSigningKey(generateKeyPairSync('ed25519').privateKey);
}

export function testAuditEvent(workspaceId: string, i: number, overrides: Partial<AuditEvent> = {}): Omit<AuditEvent, 'sequence'> {
  return {
    workspaceId,
    actor: { kind: 'user', id: `user-${i % 3}` },
    action: i % 2 ? 'campaign.update' : 'auth.login',
    target: i % 2 ? { kind: 'campaign', id: `c-${i % 5}` } : null,
    at: new Date(Date.UTC(2026, 10, 24, 10, 0, i)).toISOString(),
    ip: '127.0.0.1',
    userAgent: 'test',
    requestId: `r-${i}`,
    changeDigest: null,
    ...overrides,
  };
}

/** A new workspace with `count` events appended the Hub's way. */
export async function workspaceWithEvents(db: Kysely<HubSchema>, id: string, count: number): Promise<string> {
  await db.insertInto('workspaces').values({ id, name: id }).execute();
  await appendEvents(db, id, 1, count);
  return id;
}

export async function appendEvents(db: Kysely<HubSchema>, workspaceId: string, first: number, count: number): Promise<void> {
  for (let i = first; i < first + count; i++) await appendAuditEvent(db, testAuditEvent(workspaceId, i));
}

/**
 * What an intruder with database access can do: change event `from` and
 * recompute the hashes of it and every later event, so that the chain
 * holds together again.
 */
export async function rewriteTail(db: Kysely<HubSchema>, workspaceId: string, from: number, change: Partial<AuditEvent>): Promise<void> {
  const rows = await db.selectFrom('audit_events').select(['sequence', 'event', 'previous_hash', 'hash']).where('workspace_id', '=', workspaceId).where('sequence', '>=', from - 1).orderBy('sequence').execute();
  let previous = rows[0]!.sequence === from - 1 ? { sequence: from - 1, hash: rows[0]!.hash } : null;
  for (const row of rows.filter((r) => r.sequence >= from)) {
    const { sequence: _sequence, ...content } = row.event as AuditEvent;
    const rewritten = appendEvent(previous, { ...content, ...(row.sequence === from ? change : {}) });
    const { previousHash, hash, ...stored } = rewritten;
    await sql`update audit_events set event = ${JSON.stringify(stored)}::jsonb, previous_hash = ${previousHash}, hash = ${hash} where workspace_id = ${workspaceId} and sequence = ${row.sequence}`.execute(db);
    previous = rewritten;
  }
}
