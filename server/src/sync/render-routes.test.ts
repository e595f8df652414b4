import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OutboxMutation } from '../../../src/shared/sync/mutation';
import { hubDatabases } from '../../test/databases';
import { hubOnTestDatabase, testWorkspace } from '../../test/hub';

const laptop = randomUUID();
const render = (recordId: string, changes: Record<string, unknown>, op: OutboxMutation['op'] = 'create', baseRev = 0, recordType: OutboxMutation['recordType'] = 'render'): OutboxMutation => ({ id: randomUUID(), recordType, recordId, op, baseRev, changes, deviceTime: '2026-11-20T08:30:00.000Z' });

describe.each(hubDatabases)('render records for review on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);

  it('lists only render records, paged in change order, to roles that may sync renders', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const pushed = await ws.call('POST', '/v1/sync/push', {
      deviceId: laptop,
      mutations: [render('r1', { name: 'Spring teaser', status: 'done' }), render('c1', { name: 'Spring' }, 'create', 0, 'campaign'), render('r2', { name: 'Spring 9:16', status: 'failed' }), render('r3', { name: 'Spring 1:1', status: 'done' })],
    });
    expect(pushed.statusCode, pushed.body).toBe(200);

    const first = (await ws.call('GET', '/v1/renders?limit=2')).json();
    expect(first.renders.map((r: { id: string }) => r.id)).toEqual(['r1', 'r2']);
    expect(first.renders[0]).toMatchObject({ fields: { name: 'Spring teaser', status: 'done' }, deleted: false, version: 1 });
    const second = (await ws.call('GET', `/v1/renders?limit=2&after=${first.next}`)).json();
    expect(second).toMatchObject({ renders: [{ id: 'r3' }], next: null });

    const analyst = await ws.member('analyst');
    expect((await ws.call('GET', '/v1/renders', undefined, analyst.token)).statusCode).toBe(403);
    const creator = await ws.member('creator');
    expect((await ws.call('GET', '/v1/renders', undefined, creator.token)).json().renders).toHaveLength(3);
    const other = await testWorkspace(hub.app, hub.database);
    expect((await other.call('GET', '/v1/renders')).json()).toEqual({ renders: [], next: null });
  });
});
