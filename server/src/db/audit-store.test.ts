import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent } from '../../../src/shared/audit/hash-chain';
import { hubDatabases } from '../../test/databases';
import type { HubDatabase } from './database';
import { verifyWorkspaceAudit } from '../audit/verify';
import { appendAuditEvent, readAuditEvents } from './audit-store';

describe.each(hubDatabases)('the audit log on $name', ({ open }) => {
  let hub: HubDatabase;
  beforeAll(async () => {
    hub = await open();
  }, 30_000);
  afterAll(() => hub.close());

  let workspaceCount = 0;
  async function workspaceWithEvents(count: number): Promise<string> {
    const id = `ws-${++workspaceCount}`;
    await hub.db.insertInto('workspaces').values({ id, name: id }).execute();
    for (let i = 0; i < count; i++) {
      await appendAuditEvent(hub.db, { workspaceId: id, actor: { kind: 'user', id: 'u1' }, action: `thing.${i}`, target: { kind: 'campaign', id: `c${i}` }, at: new Date(Date.UTC(2026, 10, 24, 10, i)).toISOString(), ip: '127.0.0.1', userAgent: 'test', requestId: `r${i}`, changeDigest: null });
    }
    return id;
  }

  it('appends a chain per workspace, in order, even when writes race', async () => {
    const id = await workspaceWithEvents(0);
    await Promise.all(Array.from({ length: 8 }, (_, i) => appendAuditEvent(hub.db, { workspaceId: id, actor: { kind: 'system', id: 'hub' }, action: `race.${i}`, target: null, at: new Date().toISOString(), ip: null, userAgent: null, requestId: null, changeDigest: null })));
    const events = await readAuditEvents(hub.db, id);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await verifyWorkspaceAudit(hub.db, id, [])).toEqual({ ok: true, checked: 8, signedThrough: null });
  });

  it('finds an event changed directly in the database', async () => {
    const id = await workspaceWithEvents(5);
    await sql`update audit_events set event = jsonb_set(event::jsonb, '{action}', '"thing.rewritten"') where workspace_id = ${id} and sequence = 3`.execute(hub.db);
    expect(await verifyWorkspaceAudit(hub.db, id, [])).toMatchObject({ ok: false, sequence: 3, problem: 'changed' });
  });

  it('finds a deleted event', async () => {
    const id = await workspaceWithEvents(5);
    await hub.db.deleteFrom('audit_events').where('workspace_id', '=', id).where('sequence', '=', 2).execute();
    expect(await verifyWorkspaceAudit(hub.db, id, [])).toMatchObject({ ok: false, sequence: 3, problem: 'missing' });
  });

  it('finds an inserted event, even one hashed to fit', async () => {
    const id = await workspaceWithEvents(5);
    // Make room at 3 and slip in a forged event whose own hash is right.
    await sql`update audit_events set sequence = sequence + 1000 where workspace_id = ${id} and sequence >= 3`.execute(hub.db);
    await sql`update audit_events set sequence = sequence - 999 where workspace_id = ${id} and sequence >= 1000`.execute(hub.db);
    const [, second] = await readAuditEvents(hub.db, id);
    const forged = appendEvent(second!, { workspaceId: id, actor: { kind: 'user', id: 'intruder' }, action: 'grant.admin', target: null, at: new Date().toISOString(), ip: null, userAgent: null, requestId: null, changeDigest: null });
    const { previousHash, hash, ...content } = forged;
    await hub.db.insertInto('audit_events').values({ workspace_id: id, sequence: 3, event: JSON.stringify(content), previous_hash: previousHash, hash }).execute();
    // The moved events still say where they were: the forged one shows up as a second event 3.
    expect(await verifyWorkspaceAudit(hub.db, id, [])).toMatchObject({ ok: false, problem: 'inserted', sequence: 3 });
  });

  it('finds reordered events', async () => {
    const id = await workspaceWithEvents(5);
    // Swap the places of events 2 and 4, as someone with database access could.
    for (const [from, to] of [[2, -2], [4, 2], [-2, 4]] as const) {
      await sql`update audit_events set sequence = ${to} where workspace_id = ${id} and sequence = ${from}`.execute(hub.db);
    }
    expect(await verifyWorkspaceAudit(hub.db, id, [])).toMatchObject({ ok: false, sequence: 2, problem: 'reordered', message: 'event 4 was moved to the place of event 2' });
  });

  it('keeps workspaces apart', async () => {
    const a = await workspaceWithEvents(3);
    const b = await workspaceWithEvents(2);
    expect((await readAuditEvents(hub.db, a)).every((e) => e.workspaceId === a)).toBe(true);
    expect(await verifyWorkspaceAudit(hub.db, b, [])).toEqual({ ok: true, checked: 2, signedThrough: null });
  });
});
