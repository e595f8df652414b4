import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { callHub, testClock, testHub, testWorkspace } from '../../test/hub';
import { readAuditEvents } from '../db/audit-store';
import type { HubDatabase } from '../db/database';

describe.each(hubDatabases)('members, invitations and API keys on $name', ({ open }) => {
  let database: HubDatabase;
  let app: FastifyInstance;
  const clock = testClock();
  beforeAll(async () => {
    database = await open();
    app = await testHub(database, { now: clock.now, publicUrl: 'https://hub.acme.example/' });
  }, 30_000);
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('shows an API key once, stores only its digest, scopes it, records its use, and revokes it at once', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const created = await ws.call('POST', '/v1/api-keys', { name: 'Reporting', scopes: ['audit.read', 'members.read'] });
    expect(created.statusCode).toBe(201);
    const { key, id } = created.json();
    expect(key).toMatch(/^kak_[\w-]{12}\.[\w-]{43}$/);
    const stored = await database.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(key.split('.')[1]);
    const listed = (await ws.call('GET', '/v1/api-keys')).json().apiKeys;
    expect(listed).toEqual([expect.objectContaining({ id, name: 'Reporting', scopes: ['audit.read', 'members.read'], lastUsedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(key);

    expect((await callHub(app, 'GET', '/v1/members', undefined, key)).statusCode).toBe(200);
    const beyond = await callHub(app, 'GET', '/v1/api-keys', undefined, key);
    expect(beyond.statusCode).toBe(403);
    expect(beyond.json().error).toBe('This API key is not scoped for api-keys.manage.');
    expect((await ws.call('GET', '/v1/api-keys')).json().apiKeys[0].lastUsedAt).toBe(clock.now().toISOString());
    // A key with a wrong secret, or a revoked key, gets nothing.
    expect((await callHub(app, 'GET', '/v1/members', undefined, `${key.slice(0, -3)}AAA`)).statusCode).toBe(401);
    expect((await ws.call('DELETE', `/v1/api-keys/${id}`)).statusCode).toBe(204);
    expect((await callHub(app, 'GET', '/v1/members', undefined, key)).json().error).toBe('This API key is unknown or revoked.');
    expect((await ws.call('DELETE', `/v1/api-keys/${id}`)).statusCode).toBe(404);
    const actions = (await readAuditEvents(database.db, ws.id)).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('api-key.'))).toEqual(['api-key.created', 'api-key.revoked']);
    expect(actions).toContain('access.denied');
  });

  it("grants a key no more than its creator's role holds", async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const admin = await ws.member('admin');
    const response = await ws.call('POST', '/v1/api-keys', { name: 'Too much', scopes: ['workspace.manage'] }, admin.token);
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toMatch(/cannot grant workspace.manage/);
    expect((await ws.call('POST', '/v1/api-keys', { name: 'x', scopes: ['no.such'] })).json().error).toMatch(/scopes\.0: Invalid option/);
  });

  it('lets each role do only what the permission table allows', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const viewer = await ws.member('viewer');
    const admin = await ws.member('admin');
    expect((await ws.call('GET', '/v1/members', undefined, viewer.token)).statusCode).toBe(200);
    expect((await ws.call('POST', '/v1/invitations', { email: 'x@y.example', role: 'viewer' }, viewer.token)).statusCode).toBe(403);
    expect((await ws.call('PATCH', '/v1/workspace', { name: 'Renamed' }, admin.token)).json().error).toBe('Your role (admin) does not allow workspace.manage.');
    // An admin manages members but cannot make or unmake an owner.
    expect((await ws.call('PATCH', `/v1/members/${viewer.id}`, { role: 'marketer' }, admin.token)).json().role).toBe('marketer');
    expect((await ws.call('PATCH', `/v1/members/${viewer.id}`, { role: 'owner' }, admin.token)).statusCode).toBe(403);
    expect((await ws.call('PATCH', `/v1/members/${ws.ownerId}`, { role: 'viewer' }, admin.token)).statusCode).toBe(403);
    expect((await ws.call('POST', '/v1/invitations', { email: 'boss@y.example', role: 'owner' }, admin.token)).statusCode).toBe(403);
  });

  it('keeps at least one owner, and ends a removed member’s sessions at once', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const last = await ws.call('PATCH', `/v1/members/${ws.ownerId}`, { role: 'admin' });
    expect(last.statusCode).toBe(409);
    expect(last.json().error).toMatch(/at least one owner/);
    expect((await ws.call('DELETE', `/v1/members/${ws.ownerId}`)).statusCode).toBe(409);
    const creator = await ws.member('creator');
    expect((await ws.call('GET', '/v1/me', undefined, creator.token)).statusCode).toBe(200);
    expect((await ws.call('DELETE', `/v1/members/${creator.id}`)).statusCode).toBe(204);
    expect((await ws.call('GET', '/v1/me', undefined, creator.token)).statusCode).toBe(401);
    const members = (await ws.call('GET', '/v1/members')).json().members;
    expect(members.find((m: { id: string }) => m.id === creator.id).active).toBe(false);
  });

  it('pages through members, each once and in one order, leaving out removed ones when asked', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const joined = [ws.ownerId];
    for (const role of ['viewer', 'analyst', 'creator', 'admin', 'viewer'] as const) joined.push((await ws.member(role)).id);
    expect((await ws.call('DELETE', `/v1/members/${joined[2]}`)).statusCode).toBe(204);
    const walk = async (query: string) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { members: { id: string }[]; nextCursor: string | null } = (await ws.call('GET', `/v1/members?limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)).json();
        expect(page.members.length).toBeLessThanOrEqual(2);
        seen.push(...page.members.map((m) => m.id));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    // Paged two at a time: the same members in the same order as in one page, each once.
    const all = (await ws.call('GET', '/v1/members?limit=500')).json();
    expect(all.nextCursor).toBeNull();
    expect([...all.members.map((m: { id: string }) => m.id)].sort()).toEqual([...joined].sort());
    expect(await walk('')).toEqual(all.members.map((m: { id: string }) => m.id));
    expect(await walk('&status=active')).toEqual(all.members.map((m: { id: string }) => m.id).filter((id: string) => id !== joined[2]));
    const bad = await ws.call('GET', '/v1/members?cursor=page-two');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/cursor/);
  });

  it('welcomes a removed member back under the same id, and answers two acceptances at once with one 409', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const marketer = await ws.member('marketer');
    expect((await ws.call('DELETE', `/v1/members/${marketer.id}`)).statusCode).toBe(204);
    const back = (await ws.call('POST', '/v1/invitations', { email: marketer.email, role: 'viewer' })).json();
    const accept = (token: string) => app.inject({ method: 'POST', url: '/v1/auth/accept-invitation', payload: { token, name: 'Back Again', password: 'a long enough passphrase' } });
    expect((await accept(back.token)).json().user).toMatchObject({ id: marketer.id, role: 'viewer', name: 'Back Again' });

    const first = (await ws.call('POST', '/v1/invitations', { email: 'twice@example.com', role: 'viewer' })).json();
    const second = (await ws.call('POST', '/v1/invitations', { email: 'twice@example.com', role: 'analyst' })).json();
    const answers = await Promise.all([accept(first.token), accept(second.token)]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.statusCode === 409)!.json().error).toMatch(/already/);
  });

  it('hands out invitation links on the public address, valid once and for a week', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const invitation = (await ws.call('POST', '/v1/invitations', { email: 'New.Person@Example.com', role: 'analyst' })).json();
    expect(invitation).toMatchObject({ email: 'new.person@example.com', role: 'analyst', link: `https://hub.acme.example/join?token=${invitation.token}` });
    expect((await ws.call('GET', '/v1/invitations')).json().invitations).toHaveLength(1);
    const accept = (token: string) => app.inject({ method: 'POST', url: '/v1/auth/accept-invitation', payload: { token, name: 'New Person', password: 'a long enough passphrase' } });
    expect((await accept(invitation.token)).json().user.role).toBe('analyst');
    expect((await accept(invitation.token)).statusCode).toBe(404);
    const late = (await ws.call('POST', '/v1/invitations', { email: 'late@example.com', role: 'viewer' })).json();
    clock.advance(8 * 24 * 3600);
    expect((await accept(late.token)).json().error).toMatch(/expired/);
  });

  it('answers malformed input with 400 naming the field, and changes nothing', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const before = (await readAuditEvents(database.db, ws.id)).length;
    const cases: [string, string, unknown, RegExp][] = [
      ['PATCH', '/v1/workspace', { name: '' }, /name: Too small/],
      ['PATCH', '/v1/workspace', { colour: 'red' }, /Unrecognized key: "colour"/],
      ['POST', '/v1/invitations', { email: 'not-an-email', role: 'viewer' }, /email: must be an email address/],
      ['POST', '/v1/invitations', { email: 'a@b.example', role: 'emperor' }, /role: Invalid option/],
      ['PATCH', `/v1/members/${ws.ownerId}`, {}, /role: Invalid option/],
      ['POST', '/v1/api-keys', { name: 'k', scopes: [] }, /scopes: Too small/],
    ];
    for (const [method, url, payload, message] of cases) {
      const response = await ws.call(method, url, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(400);
      expect(response.json().error).toMatch(message);
    }
    expect((await readAuditEvents(database.db, ws.id)).length).toBe(before);
  });
});
