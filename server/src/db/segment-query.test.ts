import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSegmentRule, type Condition } from '../../../src/shared/audience/segment-rule';
import { insertCustomers, insertTestWorkspace, setConsent } from '../../test/customers';
import { hubDatabases } from '../../test/databases';
import type { HubDatabase } from './database';
import { countSegmentMembers, listSegmentMembers, resolveSegment, SegmentRuleError, segmentMembersQuery, snapshotSegment } from './segment-query';
import { createSegment, getSnapshot, snapshotMembersPage, snapshotVersions } from './segment-store';

const now = new Date('2026-11-24T10:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);

describe.each(hubDatabases)('segments compiled to SQL on $name', ({ open }) => {
  let database: HubDatabase;
  let ws: string;
  beforeAll(async () => {
    database = await open();
    ws = await insertTestWorkspace(database.db);
    // Consented to email-marketing and live: ana, ben, dee, gus.
    await insertCustomers(database.db, ws, [
      {
        id: 'ana',
        traits: { plan: 'pro', age: 34, tags: ['vip', 'beta'], city: 'Lisbon', note: null },
        identifiers: ['email', 'user_id'],
        events: [...[1, 3, 9].map((d) => ({ type: 'track' as const, name: 'Order Completed', at: daysAgo(d) })), { type: 'track', name: 'Order Completed', at: daysAgo(60) }, { type: 'page', at: daysAgo(2) }],
        consents: { 'email-marketing': 'granted', 'sms-marketing': 'denied' },
      },
      { id: 'ben', traits: { plan: 'free', age: '34', tags: 'vip-lounge' }, identifiers: ['anonymous_id'], events: [{ type: 'track', name: 'Order Completed', at: daysAgo(5) }, { type: 'identify', at: daysAgo(5) }], consents: { 'email-marketing': 'granted' } },
      { id: 'cai', traits: { plan: 'pro', age: 19 }, events: [{ type: 'track', name: 'Order Completed', at: daysAgo(1) }], consents: { 'email-marketing': 'denied' } },
      { id: 'dee', traits: { plan: 'team', age: 50.5 }, identifiers: ['email', 'phone'], events: [{ type: 'screen', at: daysAgo(1) }], consents: { 'email-marketing': 'granted', analytics: 'granted' } },
      // Merged away and erased profiles are never customers, whatever rows still point at them.
      { id: 'eve', traits: { plan: 'pro' }, mergedInto: 'ana', consents: { 'email-marketing': 'granted', analytics: 'granted' } },
      { id: 'fay', traits: { plan: 'pro' }, erased: true, consents: { 'email-marketing': 'granted', analytics: 'granted' } },
      { id: 'gus', consents: { 'email-marketing': 'granted' } },
      { id: 'hal', traits: { plan: 'pro' } },
    ]);
  }, 60_000);
  afterAll(async () => {
    await database.close();
  });

  async function members(match: Condition, purpose = 'email-marketing', workspaceId = ws): Promise<string[]> {
    const resolved = await resolveSegment(database.db, { workspaceId, segment: { purpose, rule: parseSegmentRule({ version: 1, match }) } });
    const ids = await listSegmentMembers(database.db, resolved, { workspaceId, now, limit: 1000 });
    expect(await countSegmentMembers(database.db, resolved, { workspaceId, now })).toBe(ids.length);
    return ids;
  }
  async function saveSegment(id: string, purpose: string, match: Condition, workspaceId = ws): Promise<void> {
    await createSegment(database.db, { workspace_id: workspaceId, id, name: `Segment ${id}`, purpose, rule: parseSegmentRule({ version: 1, match }), created_by: 'test', now });
  }

  it('compares traits: numbers as numbers, text as text, other types never', async () => {
    expect(await members({ trait: 'plan', op: 'eq', value: 'pro' })).toEqual(['ana']);
    expect(await members({ trait: 'plan', op: 'neq', value: 'pro' })).toEqual(['ben', 'dee']);
    expect(await members({ not: { trait: 'plan', op: 'eq', value: 'pro' } })).toEqual(['ben', 'dee', 'gus']);
    expect(await members({ trait: 'plan', op: 'in', value: ['free', 'team', 7] })).toEqual(['ben', 'dee']);
    expect(await members({ trait: 'age', op: 'eq', value: 34 })).toEqual(['ana']);
    expect(await members({ trait: 'age', op: 'gt', value: 30 })).toEqual(['ana', 'dee']);
    expect(await members({ trait: 'age', op: 'gte', value: 50.5 })).toEqual(['dee']);
    expect(await members({ trait: 'age', op: 'lt', value: 34 })).toEqual([]);
    expect(await members({ trait: 'age', op: 'lte', value: 34 })).toEqual(['ana']);
    expect(await members({ trait: 'age', op: 'gt', value: '30' })).toEqual(['ben']);
    expect(await members({ trait: 'city', op: 'lt', value: 'a' })).toEqual(['ana']); // code-point order: 'L' < 'a'
    expect(await members({ trait: 'tags', op: 'contains', value: 'vip' })).toEqual(['ana', 'ben']);
    expect(await members({ trait: 'tags', op: 'contains', value: 'beta' })).toEqual(['ana']);
    expect(await members({ trait: 'city', op: 'exists' })).toEqual(['ana']);
    expect(await members({ trait: 'note', op: 'exists' })).toEqual([]);
    expect(await members({ trait: 'plan', op: 'not_exists' })).toEqual(['gus']);
  });

  it('counts events in a time window', async () => {
    const orders = (count: { op: 'gte' | 'gt' | 'eq' | 'neq' | 'lte' | 'lt'; value: number }, days?: number): Condition => ({ event: 'Order Completed', count, ...(days && { within: { days } }) });
    expect(await members({ event: 'Order Completed', atLeast: 1, within: { days: 30 } })).toEqual(['ana', 'ben']);
    expect(await members(orders({ op: 'gte', value: 3 }, 30))).toEqual(['ana']);
    expect(await members(orders({ op: 'gt', value: 3 }, 30))).toEqual([]);
    expect(await members(orders({ op: 'gte', value: 4 }))).toEqual(['ana']);
    expect(await members(orders({ op: 'eq', value: 1 }, 30))).toEqual(['ben']);
    expect(await members(orders({ op: 'eq', value: 0 }, 30))).toEqual(['dee', 'gus']);
    expect(await members(orders({ op: 'neq', value: 1 }, 30))).toEqual(['ana', 'dee', 'gus']);
    expect(await members(orders({ op: 'lt', value: 1 }, 30))).toEqual(['dee', 'gus']);
    expect(await members(orders({ op: 'lte', value: 1 }, 4))).toEqual(['ben', 'dee', 'gus']);
    expect(await members(orders({ op: 'lt', value: 0 }))).toEqual([]);
    expect(await members(orders({ op: 'gte', value: 0 }))).toEqual(['ana', 'ben', 'dee', 'gus']);
    expect(await members({ type: 'page', atLeast: 1, within: { days: 7 } })).toEqual(['ana']);
    expect(await members({ type: 'screen', atLeast: 1 })).toEqual(['dee']);
    expect(await members({ event: 'Signed Up', atLeast: 1 })).toEqual([]);
    // ana's oldest order is 60 days old to the millisecond: "within 60 days" includes it.
    expect(await members(orders({ op: 'gte', value: 4 }, 60))).toEqual(['ana']);
    expect(await members(orders({ op: 'gte', value: 4 }, 59))).toEqual([]);
  });

  it('tests identifiers by kind', async () => {
    expect(await members({ identifier: 'email', present: true })).toEqual(['ana', 'dee']);
    expect(await members({ identifier: 'email', present: false })).toEqual(['ben', 'gus']);
    expect(await members({ not: { identifier: 'phone', present: false } })).toEqual(['dee']);
  });

  it('combines conditions with all, any and not', async () => {
    expect(await members({ all: [{ trait: 'plan', op: 'exists' }, { identifier: 'email', present: true }] })).toEqual(['ana', 'dee']);
    expect(await members({ any: [{ trait: 'plan', op: 'eq', value: 'free' }, { type: 'screen', atLeast: 1 }] })).toEqual(['ben', 'dee']);
    expect(await members({ not: { any: [{ trait: 'plan', op: 'eq', value: 'free' }, { type: 'screen', atLeast: 1 }] } })).toEqual(['ana', 'gus']);
    expect(await members({ not: { all: [{ trait: 'plan', op: 'exists' }, { not: { identifier: 'email', present: true } }] } })).toEqual(['ana', 'dee', 'gus']);
  });

  it('never holds a customer without granted consent for the purpose, whatever the rule says', async () => {
    expect(await members({ trait: 'plan', op: 'eq', value: 'pro' }, 'analytics')).toEqual([]);
    expect(await members({ not: { trait: 'plan', op: 'eq', value: 'nothing' } }, 'analytics')).toEqual(['dee']);
    expect(await members({ any: [{ trait: 'plan', op: 'exists' }, { not: { trait: 'plan', op: 'exists' } }] }, 'sms-marketing')).toEqual([]);
    expect(await members({ not: { all: [{ trait: 'plan', op: 'exists' }] } }, 'profiling')).toEqual([]);
  });

  it('inlines other segments with their own purpose, refusing unknown ones and cycles', async () => {
    await saveSegment('pros', 'email-marketing', { trait: 'plan', op: 'eq', value: 'pro' });
    await saveSegment('paying-analytics', 'analytics', { trait: 'plan', op: 'in', value: ['pro', 'team'] });
    expect(await members({ segment: 'pros', member: true })).toEqual(['ana']);
    expect(await members({ segment: 'paying-analytics', member: true })).toEqual(['dee']);
    expect(await members({ segment: 'paying-analytics', member: false })).toEqual(['ana', 'ben', 'gus']);
    expect(await members({ not: { segment: 'pros', member: true } }, 'analytics')).toEqual(['dee']);

    await expect(members({ all: [{ trait: 'plan', op: 'exists' }, { segment: 'nope', member: true }] })).rejects.toThrow(new SegmentRuleError('match.all.1.segment', 'no segment with this id in this workspace'));
    const other = await insertTestWorkspace(database.db);
    await saveSegment('theirs', 'email-marketing', { trait: 'plan', op: 'exists' }, other);
    await expect(members({ segment: 'theirs', member: true })).rejects.toThrow('match.segment: no segment with this id in this workspace');

    await saveSegment('loop-a', 'email-marketing', { segment: 'loop-b', member: true });
    await saveSegment('loop-b', 'email-marketing', { any: [{ trait: 'plan', op: 'exists' }, { segment: 'loop-a', member: false }] });
    await expect(members({ segment: 'loop-a', member: true })).rejects.toThrow(/match.segment: segment "Segment loop-a" \(loop-a\) → "Segment loop-b" \(loop-b\) refers to segment loop-a, which leads back to itself/);
    await expect(resolveSegment(database.db, { workspaceId: ws, segment: { id: 'pros', purpose: 'email-marketing', rule: parseSegmentRule({ version: 1, match: { segment: 'paying-analytics', member: true } }) } })).resolves.toBeTruthy();
    await expect(resolveSegment(database.db, { workspaceId: ws, segment: { id: 'loop-b', purpose: 'email-marketing', rule: parseSegmentRule({ version: 1, match: { segment: 'loop-a', member: true } }) } })).rejects.toThrow(/leads back to itself/);
  });

  it('binds trait names and values as parameters, never as SQL', async () => {
    const hostile = "plan') or true; drop table profiles; --";
    const resolved = await resolveSegment(database.db, { workspaceId: ws, segment: { purpose: 'email-marketing', rule: parseSegmentRule({ version: 1, match: { all: [{ trait: hostile, op: 'gt', value: hostile }, { event: hostile, atLeast: 2 }, { trait: hostile, op: 'eq', value: 1 }] } }) } });
    const compiled = segmentMembersQuery(database.db, resolved, { workspaceId: ws, now }).compile();
    expect(compiled.sql).not.toContain('drop table');
    expect(compiled.parameters).toContain(hostile);
    expect(await members({ trait: hostile, op: 'exists' })).toEqual([]);
    expect(await members({ trait: 'plan', op: 'eq', value: hostile })).toEqual([]);
  });

  it('snapshots a new version only when the membership changed, and forgets withdrawn consent at once', async () => {
    await saveSegment('orders', 'email-marketing', { event: 'Order Completed', atLeast: 1, within: { days: 30 } });
    const first = await snapshotSegment(database.db, { workspaceId: ws, segmentId: 'orders', now });
    expect(first).toMatchObject({ version: 1, memberCount: 2, changed: true });
    const again = await snapshotSegment(database.db, { workspaceId: ws, segmentId: 'orders', now: new Date(now.getTime() + 60_000) });
    expect(again).toEqual({ ...first, changed: false });

    await setConsent(database.db, ws, 'ben', 'email-marketing', 'denied');
    // The stored version no longer hands out ben, even before the next snapshot.
    expect(await snapshotMembersPage(database.db, { workspaceId: ws, segmentId: 'orders', version: 1, purpose: 'email-marketing', limit: 10 })).toEqual(['ana']);
    const second = await snapshotSegment(database.db, { workspaceId: ws, segmentId: 'orders', now });
    expect(second).toMatchObject({ version: 2, memberCount: 1, changed: true });
    expect(await snapshotMembersPage(database.db, { workspaceId: ws, segmentId: 'orders', version: 2, purpose: 'email-marketing', limit: 10 })).toEqual(['ana']);

    await setConsent(database.db, ws, 'ben', 'email-marketing', 'granted');
    expect(await snapshotSegment(database.db, { workspaceId: ws, segmentId: 'orders', now })).toMatchObject({ version: 3, memberCount: 2, changed: true });
    expect(await snapshotSegment(database.db, { workspaceId: ws, segmentId: 'orders', now })).toMatchObject({ version: 3, changed: false });
    expect(await snapshotSegment(database.db, { workspaceId: 'elsewhere', segmentId: 'orders', now })).toBeNull();
  });

  it('keeps the last few versions', async () => {
    await saveSegment('flapping', 'email-marketing', { trait: 'age', op: 'exists' });
    for (let i = 0; i < 4; i++) {
      await setConsent(database.db, ws, 'dee', 'email-marketing', i % 2 === 0 ? 'denied' : 'granted');
      await snapshotSegment(database.db, { workspaceId: ws, segmentId: 'flapping', now, keep: 2 });
    }
    expect(await snapshotVersions(database.db, ws, 'flapping')).toEqual([3, 4]);
    expect((await getSnapshot(database.db, ws, 'flapping'))?.version).toBe(4);
    const kept = await database.db.selectFrom('segment_members').select('version').distinct().where('workspace_id', '=', ws).where('segment_id', '=', 'flapping').orderBy('version').execute();
    expect(kept.map((row) => row.version)).toEqual([3, 4]);
    await setConsent(database.db, ws, 'dee', 'email-marketing', 'granted');
  });

  it('pages members in id order', async () => {
    const everyone: Condition = { not: { trait: 'nothing', op: 'exists' } };
    const resolved = await resolveSegment(database.db, { workspaceId: ws, segment: { purpose: 'email-marketing', rule: parseSegmentRule({ version: 1, match: everyone }) } });
    const first = await listSegmentMembers(database.db, resolved, { workspaceId: ws, now, limit: 2 });
    const second = await listSegmentMembers(database.db, resolved, { workspaceId: ws, now, limit: 2, after: first.at(-1)! });
    expect([...first, ...second]).toEqual(['ana', 'ben', 'dee', 'gus']);
  });
});
