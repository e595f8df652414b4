import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OutboxMutation } from '../../../src/shared/sync/mutation';
import type { HubRecord, PullResponse, PushResult } from '../../../src/shared/sync/protocol';
import { insertCustomers } from '../../test/customers';
import { hubDatabases } from '../../test/databases';
import { hubOnTestDatabase, testWorkspace } from '../../test/hub';
import { readAuditEvents } from '../db/audit-store';
import { recordHistory } from '../db/sync-store';

const laptop = randomUUID();
const desktop = randomUUID();

function mutation(op: OutboxMutation['op'], recordId: string, changes: Record<string, unknown>, baseRev = 0, recordType: OutboxMutation['recordType'] = 'campaign'): OutboxMutation {
  return { id: randomUUID(), recordType, recordId, op, baseRev, changes, deviceTime: '2026-11-20T08:30:00.000Z' };
}

describe.each(hubDatabases)('sync over HTTP on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);

  async function workspace() {
    const ws = await testWorkspace(hub.app, hub.database);
    const push = async (deviceId: string, mutations: OutboxMutation[], token?: string): Promise<PushResult[]> => {
      const response = await ws.call('POST', '/v1/sync/push', { deviceId, mutations }, token);
      expect(response.statusCode, response.body).toBe(200);
      return response.json().results;
    };
    const pull = async (query = '', token?: string): Promise<PullResponse> => {
      const response = await ws.call('GET', `/v1/sync/pull${query}`, undefined, token);
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    };
    const record = async (recordId: string): Promise<HubRecord | undefined> => (await pull()).changes.find((c) => c.recordId === recordId);
    return { ...ws, push, pull, record };
  }

  it('applies each mutation exactly once when a batch is sent again, and when copies race', async () => {
    const ws = await workspace();
    const batch = [mutation('create', 'c1', { name: 'Spring', budget: 100 }), mutation('update', 'c1', { budget: 150 }, 1), mutation('create', 'c2', { name: 'Summer' })];
    const first = await ws.push(laptop, batch);
    expect(first.map((r) => r.status === 'applied' && r.version)).toEqual([1, 2, 1]);
    const eventsAfterFirst = (await readAuditEvents(hub.database.db, ws.id)).length;

    expect(await ws.push(laptop, batch)).toEqual(first);
    // A resend after a lost answer may come with more behind it: only the new mutation applies.
    const more = mutation('update', 'c2', { name: 'Summer sale' }, 1);
    const resent = await ws.push(laptop, [...batch, more]);
    expect(resent.slice(0, 3)).toEqual(first);
    expect(resent[3]).toMatchObject({ status: 'applied', version: 2 });

    const racing = [mutation('update', 'c1', { budget: 200 }, 2), mutation('update', 'c1', { name: 'Spring 2' }, 2), mutation('create', 'c3', { name: 'Autumn' })];
    const answers = await Promise.all([1, 2, 3, 4].map(() => ws.push(laptop, racing)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]!.map((r) => r.status === 'applied' && r.version)).toEqual([3, 4, 1]);
    // The same id twice in one batch is one mutation.
    const twice = mutation('update', 'c3', { budget: 5 }, 1);
    expect((await ws.push(laptop, [twice, twice])).map((r) => r.status === 'applied' && r.version)).toEqual([2, 2]);

    const pulled = await ws.pull();
    expect(pulled.changes.map((c) => [c.recordId, c.version, c.fields])).toEqual([
      ['c2', 2, { name: 'Summer sale' }],
      ['c1', 4, { name: 'Spring 2', budget: 200 }],
      ['c3', 2, { name: 'Autumn', budget: 5 }],
    ]);
    const applied = await hub.database.db.selectFrom('sync_applied_mutations').select('mutation_id').where('workspace_id', '=', ws.id).execute();
    expect(applied).toHaveLength(8);
    // One sync.pushed event per batch that changed something; replays add none.
    const pushes = (await readAuditEvents(hub.database.db, ws.id)).filter((e) => e.action === 'sync.pushed');
    expect(pushes).toHaveLength(4);
    expect(eventsAfterFirst).toBeGreaterThan(0);
  });

  it('takes a full batch of 500 whole records past the default 1 MB body limit', async () => {
    const ws = await workspace();
    const brief = 'x'.repeat(4_000);
    const batch = Array.from({ length: 500 }, (_, i) => mutation('create', `big-${i}`, { name: `Campaign ${i}`, brief }));
    expect(JSON.stringify({ deviceId: laptop, mutations: batch }).length).toBeGreaterThan(2 * 1024 * 1024);
    const results = await ws.push(laptop, batch);
    expect(results.filter((r) => r.status === 'applied' && r.version === 1)).toHaveLength(500);
    expect((await ws.pull('?limit=1000')).changes).toHaveLength(500);
  });

  it('applies mutations to a record in outbox order', async () => {
    const ws = await workspace();
    const results = await ws.push(laptop, [
      mutation('create', 'p1', { name: 'Ava', tone: 'warm' }, 0, 'persona'),
      mutation('update', 'p1', { tone: 'bold' }, 1, 'persona'),
      mutation('create', 's1', { text: 'Hi' }, 0, 'script'),
      mutation('update', 'p1', { tone: 'calm', age: 30 }, 2, 'persona'),
      mutation('delete', 's1', {}, 1, 'script'),
    ]);
    expect(results.map((r) => r.status === 'applied' && r.version)).toEqual([1, 2, 1, 3, 2]);
    expect(await ws.record('p1')).toMatchObject({ recordType: 'persona', version: 3, fields: { name: 'Ava', tone: 'calm', age: 30 }, deleted: false });
    expect(await ws.record('s1')).toMatchObject({ version: 2, fields: {}, deleted: true });
  });

  it('merges different fields, reports a same-field loss and keeps it in history, and never conflicts a device with itself', async () => {
    const ws = await workspace();
    await ws.push(laptop, [mutation('create', 'c1', { name: 'Spring', budget: 100, channel: 'tiktok' })]);
    // Both devices work on version 1.
    expect(await ws.push(laptop, [mutation('update', 'c1', { name: 'Spring launch' }, 1)])).toMatchObject([{ status: 'applied', version: 2, overwritten: [] }]);
    expect(await ws.push(desktop, [mutation('update', 'c1', { budget: 250 }, 1)])).toMatchObject([{ status: 'applied', version: 3, overwritten: [] }]);
    expect(await ws.push(laptop, [mutation('update', 'c1', { channel: 'reels' }, 1)])).toMatchObject([{ status: 'applied', version: 4, overwritten: [] }]);

    // The desktop has seen only version 1 and its own change, not the laptop's new name.
    const lost = await ws.push(desktop, [mutation('update', 'c1', { name: 'Spring sale' }, 1)]);
    expect(lost).toEqual([{ id: expect.any(String), status: 'applied', version: 5, overwritten: [{ field: 'name', value: 'Spring launch', version: 2, updatedBy: ws.ownerId, updatedAt: expect.any(String) }] }]);
    expect(await ws.record('c1')).toMatchObject({ version: 5, fields: { name: 'Spring sale', budget: 250, channel: 'reels' } });
    const shown = await ws.call('GET', '/v1/sync/records/c1/history');
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json()).toMatchObject({ recordType: 'campaign', recordId: 'c1', history: [{ mutationId: lost[0]!.id, entry: { kind: 'overwritten', field: 'name', value: 'Spring launch' } }] });
    expect((await ws.call('GET', '/v1/sync/records/nope/history')).statusCode).toBe(404);
    expect((await recordHistory(hub.database.db, ws.id, 'c1')).map((h) => h.entry)).toEqual([
      { kind: 'overwritten', version: 4, field: 'name', value: 'Spring launch', stamp: { version: 2, deviceId: laptop, updatedBy: ws.ownerId, updatedAt: expect.any(String) } },
    ]);
  });

  it('answers an update after a delete with a deleted conflict, and a create of a taken id with exists', async () => {
    const ws = await workspace();
    await ws.push(laptop, [mutation('create', 'c1', { name: 'Spring' }), mutation('create', 'p1', { name: 'Ava' }, 0, 'persona')]);
    expect(await ws.push(desktop, [mutation('delete', 'c1', {}, 1)])).toMatchObject([{ status: 'applied', version: 2 }]);
    const [conflict] = await ws.push(laptop, [mutation('update', 'c1', { name: 'Spring 2' }, 1)]);
    expect(conflict).toMatchObject({ status: 'conflict', reason: 'deleted', current: { recordId: 'c1', version: 2, deleted: true, fields: {} } });
    expect((await recordHistory(hub.database.db, ws.id, 'c1')).map((h) => h.entry)).toMatchObject([{ kind: 'deleted', version: 1, fields: { name: 'Spring' } }]);
    expect(await ws.push(desktop, [mutation('create', 'p1', { name: 'Other' }, 0, 'campaign')])).toMatchObject([{ status: 'conflict', reason: 'exists', current: { recordType: 'persona', fields: { name: 'Ava' } } }]);
  });

  it('pulls in pages after a cursor, only the workspace, filtered by role', async () => {
    const ws = await workspace();
    const other = await workspace();
    await other.push(laptop, [mutation('create', 'theirs', { name: 'Not yours' })]);
    await ws.push(laptop, Array.from({ length: 25 }, (_, i) => mutation('create', `c${String(i).padStart(2, '0')}`, { n: i })));
    await ws.push(laptop, [mutation('create', 'r1', { file: 'spring.mp4' }, 0, 'render'), mutation('create', randomUUID(), { action: 'render.exported' }, 0, 'audit')]);

    const seen: string[] = [];
    let cursor: string | undefined;
    const pages: number[] = [];
    for (;;) {
      const page = await ws.pull(`?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(page.changes.length);
      seen.push(...page.changes.map((c) => c.recordId));
      cursor = page.cursor;
      if (!page.more) break;
    }
    expect(pages).toEqual([10, 10, 6]);
    expect(seen).toEqual([...Array.from({ length: 25 }, (_, i) => `c${String(i).padStart(2, '0')}`), 'r1']);
    expect(await ws.pull(`?cursor=${cursor}`)).toEqual({ changes: [], cursor, more: false });
    // A change moves the record after the cursor.
    await ws.push(desktop, [mutation('update', 'c03', { n: 300 }, 1)]);
    expect((await ws.pull(`?cursor=${cursor}`)).changes).toMatchObject([{ recordId: 'c03', version: 2, fields: { n: 300 } }]);

    expect((await other.pull()).changes.map((c) => c.recordId)).toEqual(['theirs']);
    // An analyst reads campaigns but not render records; nobody pulls audit events.
    const analyst = await ws.member('analyst');
    const analystSees = (await ws.pull('?limit=1000', analyst.token)).changes;
    expect(analystSees).toHaveLength(25);
    expect(analystSees.some((c) => c.recordType === 'render')).toBe(false);
    expect((await ws.call('GET', '/v1/sync/records/r1/history', undefined, analyst.token)).statusCode).toBe(404);
    expect((await ws.call('GET', '/v1/sync/records/r1/history')).json()).toEqual({ recordType: 'render', recordId: 'r1', history: [] });

    const bad = await ws.call('GET', '/v1/sync/pull?cursor=c3&limit=0');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/cursor: is not a cursor the Hub handed out/);
    expect(bad.json().error).toMatch(/limit: /);
  });

  it('lets a role push only what it may write', async () => {
    const ws = await workspace();
    const viewer = await ws.member('viewer');
    const creator = await ws.member('creator');
    const audit = mutation('create', randomUUID(), { action: 'sign-in.completed' }, 0, 'audit');
    expect(await ws.push(laptop, [mutation('create', 'c1', { name: 'x' }), mutation('create', 'r1', { file: 'x' }, 0, 'render'), audit], viewer.token)).toMatchObject([
      { status: 'conflict', reason: 'forbidden', current: null },
      { status: 'conflict', reason: 'forbidden', current: null },
      { status: 'applied', version: 0 },
    ]);
    expect(await ws.push(laptop, [mutation('create', 'r1', { file: 'x' }, 0, 'render')], creator.token)).toMatchObject([{ status: 'applied', version: 1 }]);
    expect((await ws.pull()).changes.map((c) => [c.recordId, c.updatedBy])).toEqual([['r1', creator.id]]);
  });

  it("appends Studio's audit events to the hash chain with the device id and time, and the chain verifies", async () => {
    const ws = await workspace();
    const exported = { ...mutation('create', randomUUID(), { action: 'render.exported', target: { kind: 'render', id: 'r1' }, changeDigest: 'ab'.repeat(32) }, 0, 'audit'), deviceTime: '2026-11-19T23:59:00.000Z' };
    const override = mutation('create', randomUUID(), { action: 'script.safety-overridden', target: { kind: 'script', id: 's1' } }, 0, 'audit');
    expect(await ws.push(laptop, [exported, override])).toEqual([
      { id: exported.id, status: 'applied', version: 0, overwritten: [] },
      { id: override.id, status: 'applied', version: 0, overwritten: [] },
    ]);
    await ws.push(laptop, [exported, override]);
    const events = (await readAuditEvents(hub.database.db, ws.id)).filter((e) => e.action.startsWith('studio.'));
    expect(events).toMatchObject([
      { action: 'studio.render.exported', target: { kind: 'render', id: 'r1' }, deviceId: laptop, deviceTime: '2026-11-19T23:59:00.000Z', actor: { kind: 'user', id: ws.ownerId }, changeDigest: 'ab'.repeat(32) },
      { action: 'studio.script.safety-overridden', deviceId: laptop, deviceTime: '2026-11-20T08:30:00.000Z' },
    ]);
    expect((await ws.call('GET', '/v1/audit/verify')).json()).toMatchObject({ ok: true });
    const refused = await ws.call('POST', '/v1/sync/push', { deviceId: laptop, mutations: [{ ...override, id: randomUUID(), changes: { action: 'Nope' } }] });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatch(/mutations\.0\.changes\.action: must be a dotted action name/);
  });

  it('gives Studio segments and their members already consent-filtered; a withdrawn consent drops the member from the next version', async () => {
    const ws = await workspace();
    await insertCustomers(hub.database.db, ws.id, [
      { id: 'gold-1', traits: { plan: 'gold' }, consents: { 'email-marketing': 'granted' } },
      { id: 'gold-2', traits: { plan: 'gold' }, consents: { 'email-marketing': 'granted' } },
      { id: 'gold-3', traits: { plan: 'gold' }, consents: { 'email-marketing': 'denied' } },
      { id: 'silver-1', traits: { plan: 'silver' }, consents: { 'email-marketing': 'granted' } },
    ]);
    const segment = (await ws.call('POST', '/v1/segments', { name: 'Gold', purpose: 'email-marketing', rule: { version: 1, match: { trait: 'plan', op: 'eq', value: 'gold' } } })).json();
    const other = (await ws.call('POST', '/v1/segments', { name: 'Silver', purpose: 'analytics', rule: { version: 1, match: { trait: 'plan', op: 'eq', value: 'silver' } } })).json();
    await ws.call('POST', `/v1/segments/${segment.id}/snapshot`);

    const creator = await ws.member('creator');
    const listed = await ws.call('GET', `/v1/sync/segments?ids=${segment.id}`, undefined, creator.token);
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().segments).toEqual([{ id: segment.id, name: 'Gold', purpose: 'email-marketing', rule: segment.rule, memberCount: 2, membershipVersion: 1, computedAt: expect.any(String), updatedAt: expect.any(String) }]);
    expect((await ws.call('GET', '/v1/sync/segments')).json().segments.map((s: { id: string; membershipVersion: number | null }) => [s.id, s.membershipVersion])).toEqual(
      expect.arrayContaining([[segment.id, 1], [other.id, null]]),
    );

    const forbidden = await ws.call('GET', `/v1/sync/segments/${segment.id}/members`, undefined, creator.token);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toBe('Your role (creator) does not allow segments.export.');

    const marketer = await ws.member('marketer');
    const members = await ws.call('GET', `/v1/sync/segments/${segment.id}/members`, undefined, marketer.token);
    expect(members.json()).toMatchObject({ segmentId: segment.id, version: 1, memberCount: 2, members: ['gold-1', 'gold-2'], nextCursor: null });

    expect((await ws.call('PUT', `/v1/customers/gold-2/consent/email-marketing`, { status: 'denied' })).statusCode).toBe(200);
    expect((await ws.call('POST', `/v1/segments/${segment.id}/snapshot`)).json()).toMatchObject({ version: 2, memberCount: 1, changed: true });
    expect((await ws.call('GET', `/v1/sync/segments/${segment.id}/members`, undefined, marketer.token)).json()).toMatchObject({ version: 2, memberCount: 1, members: ['gold-1'] });
    // Even the old version no longer hands out the member who withdrew.
    expect((await ws.call('GET', `/v1/sync/segments/${segment.id}/members?version=1`, undefined, marketer.token)).json().members).toEqual(['gold-1']);
    expect((await ws.call('GET', `/v1/sync/segments?ids=${segment.id}`)).json().segments[0]).toMatchObject({ memberCount: 1, membershipVersion: 2 });
  });
});
