import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { callHub, hubOnTestDatabase, testSigningKey, testWorkspace } from '../../test/hub';
import { signCheckpoints } from './checkpoints';

describe.each(hubDatabases)('the audit log over HTTP on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);

  it('lists events newest first, filtered and paged, to roles allowed to read it', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    for (const name of ['one', 'two', 'three']) await ws.call('POST', '/v1/api-keys', { name, scopes: ['members.read'] });
    const first = (await ws.call('GET', '/v1/audit/events?action=api-key.created&limit=2')).json();
    expect(first.events.map((e: { action: string }) => e.action)).toEqual(['api-key.created', 'api-key.created']);
    expect(first.events[0].sequence).toBeGreaterThan(first.events[1].sequence);
    const second = (await ws.call('GET', `/v1/audit/events?action=api-key.created&limit=2&before=${first.nextCursor}`)).json();
    expect(second.events).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect(first.events[0]).toMatchObject({ actor: { kind: 'user', id: ws.ownerId }, requestId: expect.any(String), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const analyst = await ws.member('analyst');
    expect((await ws.call('GET', '/v1/audit/events', undefined, analyst.token)).statusCode).toBe(200);
    const viewer = await ws.member('viewer');
    expect((await ws.call('GET', '/v1/audit/events', undefined, viewer.token)).statusCode).toBe(403);
    expect((await ws.call('GET', '/v1/audit/events?limit=0')).json().error).toMatch(/limit: Too small/);
    expect((await ws.call('GET', '/v1/audit/events?from=yesterday')).json().error).toMatch(/from: /);
  });

  it('exports JSON Lines, and records that it did', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const response = await ws.call('GET', '/v1/audit/export');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(response.headers['content-disposition']).toMatch(/attachment; filename="audit-/);
    const lines = response.body.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((e) => e.sequence)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.at(-1).action).toBe('audit.exported');
    const analyst = await ws.member('analyst');
    expect((await ws.call('GET', '/v1/audit/export', undefined, analyst.token)).statusCode).toBe(403);
  });

  it('verifies the chain, and names the first event changed in the database', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    await ws.member('creator');
    await signCheckpoints(hub.database.db, testSigningKey, new Date());
    const intact = (await ws.call('GET', '/v1/audit/verify')).json();
    expect(intact).toMatchObject({ ok: true, signedThrough: intact.checked });
    await sql`update audit_events set event = jsonb_set(event::jsonb, '{action}', '"nothing.to.see"') where workspace_id = ${ws.id} and sequence = 2`.execute(hub.database.db);
    expect((await ws.call('GET', '/v1/audit/verify')).json()).toMatchObject({ ok: false, sequence: 2, problem: 'changed' });
  });

  it('publishes the public key that checks its signatures, to anyone', async () => {
    const keys = (await callHub(hub.app, 'GET', '/v1/audit/signing-key', undefined)).json().keys;
    expect(keys).toEqual([{ keyId: testSigningKey.keyId, publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY'), current: true }]);
  });
});
