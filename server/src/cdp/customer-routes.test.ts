import { describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { hubOnTestDatabase, testWorkspace } from '../../test/hub';

describe.each(hubDatabases)('customers over HTTP on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);

  async function workspaceWithCustomers() {
    const ws = await testWorkspace(hub.app, hub.database);
    const { send } = await ws.writeKey();
    await send('/v1/batch', { batch: [
      { type: 'page', messageId: 'p1', anonymousId: 'cookie-1', name: 'Home', timestamp: '2026-11-01T10:00:00Z' },
      { type: 'identify', messageId: 'i1', userId: 'user-1', traits: { email: 'Maya@Acme.example', name: 'Maya Lee', plan: 'pro' }, timestamp: '2026-11-02T10:00:00Z' },
      { type: 'identify', messageId: 'i2', userId: 'user-1', anonymousId: 'cookie-1', timestamp: '2026-11-03T10:00:00Z' },
      { type: 'identify', messageId: 'i3', userId: 'user-2', traits: { email: 'maya@acme.example' }, timestamp: '2026-11-04T10:00:00Z' },
    ] });
    return ws;
  }

  it('finds the one customer behind any identifier, and explains merges and conflicts', async () => {
    const ws = await workspaceWithCustomers();
    const byEmail = (await ws.call('GET', '/v1/customers?identifier=email:MAYA@acme.example')).json().customers;
    const byUser = (await ws.call('GET', '/v1/customers?identifier=user_id:user-1')).json().customers;
    const byCookie = (await ws.call('GET', '/v1/customers?identifier=anonymous_id:cookie-1')).json().customers;
    expect(byEmail).toHaveLength(1);
    expect(byUser).toEqual(byEmail);
    expect(byCookie).toEqual(byEmail);
    expect(byEmail[0]).toMatchObject({ eventCount: 3, traits: { plan: 'pro' } });
    expect((await ws.call('GET', '/v1/customers?identifier=email:nobody@acme.example')).json().customers).toEqual([]);
    expect((await ws.call('GET', '/v1/customers?identifier=fax:123')).json().error).toMatch(/identifier: start with the kind of identifier/);

    const detail = (await ws.call('GET', `/v1/customers/${byEmail[0].id}`)).json();
    expect(detail).toMatchObject({ email: 'maya@acme.example', name: 'Maya Lee' });
    expect(detail.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`).sort()).toEqual(['anonymous_id:cookie-1', 'email:maya@acme.example', 'user_id:user-1']);
    expect(detail.merges).toEqual([expect.objectContaining({ because: 'anonymous id cookie-1 appeared on both' })]);
    expect(detail.conflicts).toEqual([expect.objectContaining({ because: 'email maya@acme.example is shared with a customer who has another user id: not merged' })]);
    // The merged-away profile's id still leads to the customer.
    expect((await ws.call('GET', `/v1/customers/${detail.merges[0].mergedId}`)).json().id).toBe(detail.id);
    const all = (await ws.call('GET', '/v1/customers?limit=1')).json();
    expect(all.customers).toHaveLength(1);
    expect((await ws.call('GET', `/v1/customers?limit=1&after=${all.next}`)).json().customers).toHaveLength(1);
  });

  it('sets consent per purpose with its legal basis, shows its history, and takes a withdrawal at once', async () => {
    const ws = await workspaceWithCustomers();
    const [customer] = (await ws.call('GET', '/v1/customers?identifier=user_id:user-1')).json().customers;
    const set = (purpose: string, body: object) => ws.call('PUT', `/v1/customers/${customer.id}/consent/${purpose}`, body);
    expect((await set('email-marketing', { status: 'granted', source: 'preference centre' })).json()).toMatchObject({ purpose: 'email-marketing', status: 'granted', legalBasis: 'consent', source: 'preference centre' });
    expect((await set('analytics', { status: 'granted', legalBasis: 'legitimate-interests' })).statusCode).toBe(200);
    expect((await set('email-marketing', { status: 'denied' })).statusCode).toBe(200);
    const consent = (await ws.call('GET', `/v1/customers/${customer.id}`)).json().consent;
    expect(consent.map((c: { purpose: string; status: string }) => `${c.purpose}=${c.status}`)).toEqual(['email-marketing=denied', 'sms-marketing=unknown', 'ads-personalisation=unknown', 'analytics=granted', 'profiling=unknown']);
    const history = (await ws.call('GET', `/v1/customers/${customer.id}/consent-history`)).json().history;
    expect(history.map((h: { purpose: string; status: string }) => `${h.purpose}=${h.status}`)).toEqual(['email-marketing=granted', 'analytics=granted', 'email-marketing=denied']);

    expect((await set('carrier-pigeons', { status: 'granted' })).json().error).toMatch(/purpose: "carrier-pigeons" is not one of this workspace's purposes/);
    expect((await set('analytics', { status: 'maybe' })).json().error).toMatch(/status: Invalid option/);
    expect((await ws.call('PUT', '/v1/consent-purposes', { purposes: ['email-marketing', 'carrier-pigeons'] })).json().purposes).toEqual(['email-marketing', 'carrier-pigeons']);
    expect((await set('carrier-pigeons', { status: 'granted' })).statusCode).toBe(200);
  });

  it('shows customers only to roles that may see personal data', async () => {
    const ws = await workspaceWithCustomers();
    for (const role of ['creator', 'viewer'] as const) {
      const member = await ws.member(role);
      expect((await ws.call('GET', '/v1/customers', undefined, member.token)).statusCode).toBe(403);
    }
    const analyst = await ws.member('analyst');
    const [customer] = (await ws.call('GET', '/v1/customers', undefined, analyst.token)).json().customers;
    expect((await ws.call('PUT', `/v1/customers/${customer.id}/consent/analytics`, { status: 'granted' }, analyst.token)).statusCode).toBe(403);
  });
});
