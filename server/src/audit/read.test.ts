import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain, type ChainedAuditEvent } from '../../../src/shared/audit/hash-chain';
import { workspaceWithEvents } from '../../test/audit-events';
import { hubDatabases } from '../../test/databases';
import type { HubDatabase } from '../db/database';
import { auditEventPageSchema, exportAuditEvents, listAuditEvents, type AuditEventFilter } from './read';

describe.each(hubDatabases)('reading the audit log on $name', ({ open }) => {
  let hub: HubDatabase;
  const id = 'reading';
  beforeAll(async () => {
    hub = await open();
    await workspaceWithEvents(hub.db, id, 30);
    await workspaceWithEvents(hub.db, 'neighbour', 5);
    // Events 1–10 were recorded two days ago.
    await sql`update audit_events set recorded_at = now() - interval '2 days' where workspace_id = ${id} and sequence <= 10`.execute(hub.db);
  }, 60_000);
  afterAll(() => hub.close());

  async function allPages(filter: AuditEventFilter, limit: number): Promise<number[]> {
    const sequences: number[] = [];
    let before: number | undefined;
    for (let page = 0; page < 100; page++) {
      const { events, nextCursor } = await listAuditEvents(hub.db, id, { ...filter, before, limit });
      expect(events.length).toBeLessThanOrEqual(limit);
      sequences.push(...events.map((e) => e.sequence));
      if (nextCursor === null) return sequences;
      before = nextCursor;
    }
    throw new Error('paging never ended');
  }
  const descending = (from: number, to: number, keep: (n: number) => boolean = () => true) => Array.from({ length: from - to + 1 }, (_, i) => from - i).filter(keep);

  it('lists a workspace’s events newest first, a page at a time, with a cursor to the next page', async () => {
    const first = await listAuditEvents(hub.db, id, { limit: 4 });
    expect(first.events.map((e) => e.sequence)).toEqual([30, 29, 28, 27]);
    expect(first.nextCursor).toBe(27);
    expect(first.events[0]).toMatchObject({ workspaceId: id, action: 'auth.login', hash: expect.stringMatching(/^[0-9a-f]{64}$/), recordedAt: expect.any(String) });
    expect(await allPages({}, 7)).toEqual(descending(30, 1));
    expect((await listAuditEvents(hub.db, id, { limit: 30 })).nextCursor).toBeNull();
  });

  it('filters by action, actor, target and time', async () => {
    // Odd events are campaign updates of campaign c-(i % 5); actors rotate over user-(i % 3).
    expect(await allPages({ action: 'campaign.update' }, 4)).toEqual(descending(30, 1, (n) => n % 2 === 1));
    expect(await allPages({ actorId: 'user-1' }, 3)).toEqual(descending(30, 1, (n) => n % 3 === 1));
    expect(await allPages({ targetKind: 'campaign', targetId: 'c-3' }, 2)).toEqual(descending(30, 1, (n) => n % 2 === 1 && n % 5 === 3));
    expect(await allPages({ action: 'campaign.update', actorId: 'user-0' }, 50)).toEqual([27, 21, 15, 9, 3]);
    const yesterday = new Date(Date.now() - 24 * 60 * 60 * 1000);
    expect(await allPages({ to: yesterday }, 4)).toEqual(descending(10, 1));
    expect(await allPages({ from: yesterday.toISOString() }, 8)).toEqual(descending(30, 11));
    expect(await allPages({ action: 'no.such.thing' }, 8)).toEqual([]);
  });

  it('takes its query from strings, with a bounded page size', () => {
    expect(auditEventPageSchema.parse({ before: '27', limit: '10', action: 'auth.login' })).toEqual({ before: 27, limit: 10, action: 'auth.login' });
    expect(auditEventPageSchema.parse({}).limit).toBe(50);
    expect(auditEventPageSchema.safeParse({ limit: '5000' }).success).toBe(false);
    expect(auditEventPageSchema.safeParse({ from: 'yesterday' }).success).toBe(false);
  });

  it('exports every event as one line of JSON, oldest first, read in pages; the export verifies on its own', async () => {
    const lines: string[] = [];
    for await (const line of exportAuditEvents(hub.db, id, {}, { pageSize: 7 })) lines.push(line);
    expect(lines).toHaveLength(30);
    expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    const events = lines.map((line) => JSON.parse(line) as ChainedAuditEvent & { recordedAt: string });
    expect(events.map((e) => e.sequence)).toEqual(descending(30, 1).reverse());
    expect(verifyChain(events.map(({ recordedAt: _recordedAt, ...event }) => event))).toEqual({ ok: true, checked: 30 });
  });

  it('exports only what the filter keeps', async () => {
    const lines: string[] = [];
    for await (const line of exportAuditEvents(hub.db, id, { actorId: 'user-2' }, { pageSize: 3 })) lines.push(line);
    expect(lines.map((line) => (JSON.parse(line) as ChainedAuditEvent).sequence)).toEqual(descending(30, 1, (n) => n % 3 === 2).reverse());
  });
});
