import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCustomers, setConsent } from '../../test/customers';
import { hubDatabases } from '../../test/databases';
import { testHub, testWorkspace } from '../../test/hub';
import { readAuditEvents } from '../db/audit-store';
import type { HubDatabase } from '../db/database';

const recently = new Date(Date.now() - 2 * 86_400_000);
const proRule = { version: 1, match: { trait: 'plan', op: 'eq', value: 'pro' } };
const buyersRule = { version: 1, match: { all: [{ event: 'Order Completed', atLeast: 1, within: { days: 30 } }, { identifier: 'email', present: true }] } };

describe.each(hubDatabases)('segments over HTTP on $name', ({ open }) => {
  let database: HubDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await open();
    app = await testHub(database);
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  async function workspaceWithCustomers() {
    const ws = await testWorkspace(app, database);
    await insertCustomers(database.db, ws.id, [
      { id: 'c1', traits: { plan: 'pro' }, identifiers: ['email'], events: [{ type: 'track', name: 'Order Completed', at: recently }], consents: { 'email-marketing': 'granted' } },
      { id: 'c2', traits: { plan: 'pro' }, identifiers: ['email'], events: [{ type: 'track', name: 'Order Completed', at: recently }], consents: { 'email-marketing': 'granted', analytics: 'granted' } },
      { id: 'c3', traits: { plan: 'pro' }, identifiers: ['email'], events: [{ type: 'track', name: 'Order Completed', at: recently }], consents: { 'email-marketing': 'denied' } },
      { id: 'c4', traits: { plan: 'free' }, identifiers: ['email'], consents: { 'email-marketing': 'granted' } },
    ]);
    return ws;
  }

  it('saves, lists, changes and deletes segments, auditing each change', async () => {
    const ws = await workspaceWithCustomers();
    const created = await ws.call('POST', '/v1/segments', { name: 'Pro plan', purpose: 'email-marketing', rule: proRule });
    expect(created.statusCode, created.body).toBe(201);
    const segment = created.json();
    expect(segment).toMatchObject({ name: 'Pro plan', purpose: 'email-marketing', rule: proRule, snapshot: null });
    expect((await ws.call('GET', '/v1/segments')).json().segments.map((s: { id: string }) => s.id)).toEqual([segment.id]);
    expect((await ws.call('GET', `/v1/segments/${segment.id}`)).json()).toEqual(segment);

    const changed = await ws.call('PATCH', `/v1/segments/${segment.id}`, { name: 'Recent buyers', rule: buyersRule });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ name: 'Recent buyers', rule: buyersRule, purpose: 'email-marketing' });
    expect((await ws.call('PATCH', `/v1/segments/${segment.id}`, {})).json().error).toMatch(/^body: give name, purpose or rule/);

    // A segment that another one uses stays until that one lets go of it.
    const user = (await ws.call('POST', '/v1/segments', { name: 'Buyers on pro', purpose: 'email-marketing', rule: { version: 1, match: { all: [{ segment: segment.id, member: true }, { trait: 'plan', op: 'eq', value: 'pro' }] } } })).json();
    const refused = await ws.call('DELETE', `/v1/segments/${segment.id}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toContain('"Buyers on pro"');
    expect((await ws.call('DELETE', `/v1/segments/${user.id}`)).statusCode).toBe(204);
    expect((await ws.call('DELETE', `/v1/segments/${segment.id}`)).statusCode).toBe(204);
    expect((await ws.call('GET', `/v1/segments/${segment.id}`)).statusCode).toBe(404);
    expect((await ws.call('DELETE', `/v1/segments/${segment.id}`)).statusCode).toBe(404);
    expect((await ws.call('GET', '/v1/segments')).json().segments).toEqual([]);

    const actions = (await readAuditEvents(database.db, ws.id)).map((e) => e.action).filter((a) => a.startsWith('segment.'));
    expect(actions).toEqual(['segment.created', 'segment.updated', 'segment.created', 'segment.deleted', 'segment.deleted']);
  });

  it('answers a bad purpose or rule with 400 naming the field', async () => {
    const ws = await workspaceWithCustomers();
    const badPurpose = await ws.call('POST', '/v1/segments', { name: 'x', purpose: 'telepathy', rule: proRule });
    expect(badPurpose.statusCode).toBe(400);
    expect(badPurpose.json().error).toMatch(/^purpose: "telepathy" is not one of this workspace's consent purposes \(email-marketing, /);
    const badRule = await ws.call('POST', '/v1/segments', { name: 'x', purpose: 'analytics', rule: { version: 1, match: { all: [{ trait: 'age', op: 'gt', value: [1] }, { event: 'Order Completed', within: { days: 0 } }] } } });
    expect(badRule.statusCode).toBe(400);
    expect(badRule.json().error).toContain('rule.match.all.0.value: compare with a number or a text');
    expect(badRule.json().error).toContain('rule.match.all.1.within.days: Too small');
    const unknown = await ws.call('POST', '/v1/segments/preview', { purpose: 'analytics', rule: { version: 1, match: { not: { segment: 'no-such-segment', member: true } } } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toBe('rule.match.not.segment: no segment with this id in this workspace');

    const a = (await ws.call('POST', '/v1/segments', { name: 'A', purpose: 'analytics', rule: proRule })).json();
    const b = (await ws.call('POST', '/v1/segments', { name: 'B', purpose: 'analytics', rule: { version: 1, match: { segment: a.id, member: true } } })).json();
    const cycle = await ws.call('PATCH', `/v1/segments/${a.id}`, { rule: { version: 1, match: { any: [{ trait: 'plan', op: 'exists' }, { segment: b.id, member: false }] } } });
    expect(cycle.statusCode).toBe(400);
    expect(cycle.json().error).toMatch(/^rule\.match\.any\.1\.segment: segment "B" .* refers to segment .*, which leads back to itself/);
    expect((await ws.call('GET', `/v1/segments/${a.id}`)).json().rule).toEqual(proRule);
  });

  it('previews a count, snapshots versions, and pages members without personal data', async () => {
    const ws = await workspaceWithCustomers();
    const preview = await ws.call('POST', '/v1/segments/preview', { purpose: 'email-marketing', rule: buyersRule });
    expect(preview.json()).toEqual({ purpose: 'email-marketing', count: 2 });
    expect((await ws.call('POST', '/v1/segments/preview', { purpose: 'analytics', rule: buyersRule })).json().count).toBe(1);

    const segment = (await ws.call('POST', '/v1/segments', { name: 'Buyers', purpose: 'email-marketing', rule: buyersRule })).json();
    expect((await ws.call('GET', `/v1/segments/${segment.id}/members`)).json()).toMatchObject({ code: 'no-snapshot' });
    const first = await ws.call('POST', `/v1/segments/${segment.id}/snapshot`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ segmentId: segment.id, version: 1, memberCount: 2, changed: true });
    expect((await ws.call('POST', `/v1/segments/${segment.id}/snapshot`, {})).json()).toMatchObject({ version: 1, changed: false });
    expect((await ws.call('GET', `/v1/segments/${segment.id}`)).json().snapshot).toMatchObject({ version: 1, memberCount: 2 });

    const page1 = (await ws.call('GET', `/v1/segments/${segment.id}/members?limit=1`)).json();
    expect(page1).toMatchObject({ segmentId: segment.id, version: 1, memberCount: 2, members: ['c1'], nextCursor: 'c1' });
    const page2 = (await ws.call('GET', `/v1/segments/${segment.id}/members?limit=1&cursor=${page1.nextCursor}`)).json();
    expect(page2).toMatchObject({ members: ['c2'], nextCursor: null });

    // c2 withdraws: gone from what Studio pulls at once, and the next snapshot is a new version.
    await setConsent(database.db, ws.id, 'c2', 'email-marketing', 'denied');
    expect((await ws.call('GET', `/v1/segments/${segment.id}/members`)).json().members).toEqual(['c1']);
    expect((await ws.call('POST', `/v1/segments/${segment.id}/snapshot`)).json()).toMatchObject({ version: 2, memberCount: 1, changed: true });
    expect((await ws.call('GET', `/v1/segments/${segment.id}/members?version=2`)).json()).toMatchObject({ version: 2, memberCount: 1, members: ['c1'] });
    expect((await ws.call('GET', `/v1/segments/${segment.id}/members?version=1`)).json()).toMatchObject({ version: 1, memberCount: 2, members: ['c1'] });
    const missing = await ws.call('GET', `/v1/segments/${segment.id}/members?version=7`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBe(`version: segment ${segment.id} has no version 7 (kept: 1, 2).`);
    expect((await readAuditEvents(database.db, ws.id)).filter((e) => e.action === 'segment.snapshot-taken')).toHaveLength(3);
  });

  it('lets each role do what its permissions say', async () => {
    const ws = await workspaceWithCustomers();
    const segment = (await ws.call('POST', '/v1/segments', { name: 'Pro', purpose: 'email-marketing', rule: proRule })).json();
    await ws.call('POST', `/v1/segments/${segment.id}/snapshot`);
    const viewer = await ws.member('viewer');
    const creator = await ws.member('creator');
    const analyst = await ws.member('analyst');
    const marketer = await ws.member('marketer');
    for (const someone of [viewer, creator]) {
      expect((await ws.call('GET', '/v1/segments', undefined, someone.token)).statusCode).toBe(403);
      expect((await ws.call('POST', '/v1/segments/preview', { purpose: 'email-marketing', rule: proRule }, someone.token)).statusCode).toBe(403);
    }
    expect((await ws.call('GET', `/v1/segments/${segment.id}`, undefined, analyst.token)).statusCode).toBe(200);
    expect((await ws.call('POST', '/v1/segments/preview', { purpose: 'email-marketing', rule: proRule }, analyst.token)).statusCode).toBe(200);
    expect((await ws.call('PATCH', `/v1/segments/${segment.id}`, { name: 'Mine' }, analyst.token)).statusCode).toBe(403);
    expect((await ws.call('POST', `/v1/segments/${segment.id}/snapshot`, undefined, analyst.token)).statusCode).toBe(403);
    expect((await ws.call('GET', `/v1/segments/${segment.id}/members`, undefined, analyst.token)).statusCode).toBe(403);
    expect((await ws.call('GET', `/v1/segments/${segment.id}/members`, undefined, marketer.token)).json().members).toEqual(['c1', 'c2']);
    expect((await ws.call('POST', '/v1/segments', { name: 'By marketer', purpose: 'analytics', rule: proRule }, marketer.token)).statusCode).toBe(201);
  });

  it("answers another workspace's segment with 404", async () => {
    const ws = await workspaceWithCustomers();
    const other = await testWorkspace(app, database);
    const segment = (await ws.call('POST', '/v1/segments', { name: 'Pro', purpose: 'email-marketing', rule: proRule })).json();
    await ws.call('POST', `/v1/segments/${segment.id}/snapshot`);
    for (const [method, url, body] of [
      ['GET', `/v1/segments/${segment.id}`],
      ['PATCH', `/v1/segments/${segment.id}`, { name: 'Taken' }],
      ['DELETE', `/v1/segments/${segment.id}`],
      ['POST', `/v1/segments/${segment.id}/snapshot`],
      ['GET', `/v1/segments/${segment.id}/members`],
    ] as const) {
      const response = await other.call(method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().code).toBe('not-found');
    }
    const borrowed = await other.call('POST', '/v1/segments/preview', { purpose: 'email-marketing', rule: { version: 1, match: { segment: segment.id, member: true } } });
    expect(borrowed.statusCode).toBe(400);
    expect((await other.call('GET', '/v1/segments')).json().segments).toEqual([]);
    expect((await readAuditEvents(database.db, other.id)).filter((e) => e.action.startsWith('segment.'))).toEqual([]);
    expect((await ws.call('GET', `/v1/segments/${segment.id}`)).json()).toMatchObject({ name: 'Pro', snapshot: { version: 1 } });
  });
});
