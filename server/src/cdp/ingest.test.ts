import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { callHub, hubOnTestDatabase, testCipher, testWorkspace, writeKeyAuthorization } from '../../test/hub';

describe.each(hubDatabases)('event ingest on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);

  async function source() {
    const ws = await testWorkspace(hub.app, hub.database);
    const { writeKey, send } = await ws.writeKey('Website');
    const profiles = () => hub.database.db.selectFrom('profiles').selectAll().where('workspace_id', '=', ws.id).where('merged_into', 'is', null).execute();
    const events = () => hub.database.db.selectFrom('events').selectAll().where('workspace_id', '=', ws.id).orderBy('occurred_at').execute();
    return { ws, writeKey, send, profiles, events };
  }

  it('takes a batch as Segment sends it, and a replay of it changes nothing', async () => {
    const { send, profiles, events } = await source();
    const batch = {
      batch: [
        { type: 'page', messageId: 'm1', anonymousId: 'anon-1', name: 'Pricing', properties: { path: '/pricing' }, timestamp: '2026-11-20T10:00:00Z' },
        { type: 'track', messageId: 'm2', anonymousId: 'anon-1', event: 'Trial Started', properties: { plan: 'pro' }, timestamp: '2026-11-20T10:01:00Z' },
        { type: 'identify', messageId: 'm3', anonymousId: 'anon-1', userId: 'user-42', traits: { email: 'Maya@Acme.example', name: 'Maya Lee', plan: 'pro', seats: 12 }, timestamp: '2026-11-20T10:02:00Z' },
      ],
      sentAt: '2026-11-20T10:02:01Z',
    };
    expect((await send('/v1/batch', batch)).json()).toEqual({ success: true, accepted: 3, duplicates: 0 });
    const [profile] = await profiles();
    expect(profile).toMatchObject({ event_count: 3, traits: { plan: 'pro', seats: 12 } });
    expect(profile!.first_seen_at.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(testCipher.decrypt(profile!.email_enc!)).toBe('maya@acme.example');
    expect((await events()).map((e) => [e.type, e.name])).toEqual([['page', 'Pricing'], ['track', 'Trial Started'], ['identify', null]]);

    expect((await send('/v1/batch', batch)).json()).toEqual({ success: true, accepted: 0, duplicates: 3 });
    expect(await profiles()).toEqual([profile]);
    expect(await events()).toHaveLength(3);

    // A sender retrying part of a batch with new messages: only the new ones count, once.
    const retried = { batch: [batch.batch[1], { type: 'track', messageId: 'm4', anonymousId: 'anon-1', event: 'Order Completed', properties: { revenue: 120 }, timestamp: '2026-11-20T10:05:00Z' }, batch.batch[2]] };
    expect((await send('/v1/batch', retried)).json()).toEqual({ success: true, accepted: 1, duplicates: 2 });
    const [after] = await profiles();
    expect(after).toMatchObject({ id: profile!.id, event_count: 4 });
    expect((await events()).map((e) => e.message_id)).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('recognises a replayed message without a messageId by its content', async () => {
    const { send, events } = await source();
    const message = { userId: 'u-1', event: 'Order Completed', properties: { total: 30 }, timestamp: '2026-11-21T09:00:00Z' };
    expect((await send('/v1/track', message)).json()).toMatchObject({ accepted: 1 });
    expect((await send('/v1/track', message)).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await events()).toHaveLength(1);
  });

  it('merges the visitor into the customer when identify links them, and can say why', async () => {
    const { ws, send, profiles, events } = await source();
    await send('/v1/track', { messageId: 'a', anonymousId: 'device-cookie', event: 'Viewed Product' });
    await send('/v1/identify', { messageId: 'b', userId: 'user-7', traits: { email: 'kim@example.com' } });
    expect(await profiles()).toHaveLength(2);
    await send('/v1/identify', { messageId: 'c', userId: 'user-7', anonymousId: 'device-cookie' });
    const live = await profiles();
    expect(live).toHaveLength(1);
    expect(live[0]!.event_count).toBe(3);
    expect(new Set((await events()).map((e) => e.profile_id))).toEqual(new Set([live[0]!.id]));
    const merge = await hub.database.db.selectFrom('profile_merges').selectAll().where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(merge).toMatchObject({ survivor_id: live[0]!.id, identifier_kind: 'anonymous_id', message_id: 'c', identifier_hash: testCipher.lookupHash(ws.id, 'anonymous_id', 'device-cookie') });
  });

  it('keeps two user ids apart when they share an email, and records the conflict', async () => {
    const { ws, send, profiles } = await source();
    await send('/v1/identify', { messageId: '1', userId: 'alice', traits: { email: 'family@example.com' } });
    await send('/v1/identify', { messageId: '2', userId: 'bob', traits: { email: 'family@example.com' } });
    expect(await profiles()).toHaveLength(2);
    const conflicts = await hub.database.db.selectFrom('identity_conflicts').selectAll().where('workspace_id', '=', ws.id).execute();
    expect(conflicts).toEqual([expect.objectContaining({ identifier_kind: 'email', message_id: '2' })]);
    // An alias is the sender's explicit word: it merges them.
    await send('/v1/alias', { messageId: '3', previousId: 'bob', userId: 'alice' });
    expect(await profiles()).toHaveLength(1);
  });

  it("takes consent from Segment's consent preferences, and a withdrawal at once", async () => {
    const { ws, send } = await source();
    const consent = (preferences: Record<string, boolean>) => ({ consent: { categoryPreferences: preferences } });
    await send('/v1/track', { messageId: 'c1', userId: 'u1', event: 'Signed Up', context: consent({ 'Email Marketing': true, Analytics: true, 'Some Vendor': true }), timestamp: '2026-11-22T08:00:00Z' });
    const consents = () => hub.database.db.selectFrom('consents').select(['purpose', 'status', 'source', 'legal_basis']).where('workspace_id', '=', ws.id).orderBy('purpose').execute();
    expect(await consents()).toEqual([
      { purpose: 'analytics', status: 'granted', source: 'event:track', legal_basis: 'consent' },
      { purpose: 'email-marketing', status: 'granted', source: 'event:track', legal_basis: 'consent' },
    ]);
    // The same preferences again record nothing new; a withdrawal is recorded and applies at once.
    await send('/v1/page', { messageId: 'c2', userId: 'u1', name: 'Home', context: consent({ 'Email Marketing': true }) });
    await send('/v1/track', { messageId: 'c3', userId: 'u1', event: 'Settings Saved', context: consent({ 'Email Marketing': false }), timestamp: '2026-11-22T09:00:00Z' });
    expect((await consents()).find((c) => c.purpose === 'email-marketing')!.status).toBe('denied');
    const history = await hub.database.db.selectFrom('consent_history').select(['purpose', 'status', 'message_id']).where('workspace_id', '=', ws.id).orderBy('id').execute();
    expect(history).toEqual([
      { purpose: 'email-marketing', status: 'granted', message_id: 'c1' },
      { purpose: 'analytics', status: 'granted', message_id: 'c1' },
      { purpose: 'email-marketing', status: 'denied', message_id: 'c3' },
    ]);
  });

  it('takes a customer changing their mind twice within one batch: the last word counts, the history has both', async () => {
    const { ws, send } = await source();
    const consent = (granted: boolean) => ({ consent: { categoryPreferences: { Analytics: granted } } });
    const response = await send('/v1/batch', { batch: [true, false, true].map((granted, i) => ({ type: 'track', messageId: `t${i}`, userId: 'u9', event: 'Tick', context: consent(granted), timestamp: `2026-11-22T10:0${i}:00Z` })) });
    expect(response.statusCode).toBe(200);
    expect((await hub.database.db.selectFrom('consents').select('status').where('workspace_id', '=', ws.id).execute()).map((c) => c.status)).toEqual(['granted']);
    expect((await hub.database.db.selectFrom('consent_history').select('status').where('workspace_id', '=', ws.id).orderBy('id').execute()).map((c) => c.status)).toEqual(['granted', 'denied', 'granted']);
  });

  it('refuses malformed messages with reasons, storing nothing of the batch', async () => {
    const { writeKey, send, events, ws } = await source();
    const bad = await send('/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'Fine' }, { type: 'track', userId: 'u' }, { type: 'identify' }, { type: 'teleport', userId: 'u' }] });
    expect(bad.statusCode).toBe(400);
    const error = bad.json().error as string;
    expect(error).toMatch(/^Invalid batch, nothing was stored: /);
    expect(error).toContain('batch.1.event: Invalid input');
    expect(error).toContain('batch.2.userId: userId or anonymousId is required');
    expect(error).toContain('batch.3.type: must be one of track, identify, page, screen, group, alias');
    expect((await send('/v1/track', { userId: 'u', event: 'x', timestamp: 'yesterday' })).json().error).toMatch(/timestamp: must be an ISO 8601 date-time/);
    // PostgreSQL stores no NUL character: said up front, with where it is, instead of failing in the database.
    const withNul = await send('/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'Fine' }, { type: 'track', userId: 'u', event: 'Note', properties: { lines: ['ok', 'a\u0000b'] } }] });
    expect(withNul.statusCode).toBe(400);
    expect(withNul.json().error).toContain('batch.1.properties.lines.1: contains the character U+0000, which cannot be stored');
    expect((await send('/v1/identify', { userId: 'u', traits: { 'plan\u0000': 'pro' } })).json().error).toContain('traits.plan\\0: contains the character U+0000');
    // In the context the batch gives all of its messages: found in each message it reaches.
    const inBatchContext = await send('/v1/batch', { context: { app: { name: 'Kata\u0000' } }, batch: [{ type: 'track', userId: 'u', event: 'Fine' }] });
    expect(inBatchContext.json().error).toContain('batch.0.context.app.name: contains the character U+0000');
    // A body over one message's limit is measured and searched message by message: the NUL is found there too.
    const large = (note: string) => ({ type: 'track', userId: 'u', event: 'Large', properties: { blob: 'x'.repeat(20 * 1024), note } });
    const largeWithNul = await send('/v1/batch', { batch: [large('fine'), large('a\u0000b')] });
    expect(largeWithNul.json().error).toContain('batch.1.properties.note: contains the character U+0000');
    expect(await events()).toHaveLength(0);
    // A backslash followed by "u0000" is text like any other, not a NUL.
    const lookalike = await send('/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'Escaped', messageId: 'lookalike', properties: { path: 'C:\\u0000' } }] });
    expect(lookalike.statusCode).toBe(200);
    expect((await events()).map((e) => e.properties)).toEqual([{ path: 'C:\\u0000' }]);

    const big = { type: 'track', userId: 'u', event: 'Big', properties: { blob: 'x'.repeat(33 * 1024) } };
    expect((await send('/v1/batch', { batch: [big] })).json().error).toMatch(/batch\.0: the message is [\d,]+ bytes; the limit is 32 KB/);
    const tooBig = await send('/v1/track', big);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().error).toMatch(/at most 32 KB/);
    const huge = await send('/v1/batch', { batch: Array.from({ length: 20 }, (_, i) => ({ ...big, messageId: `b${i}`, properties: { blob: 'y'.repeat(30 * 1024) } })) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error).toMatch(/at most 500 KB/);

    expect((await callHub(hub.app, 'POST', '/v1/track', { userId: 'u', event: 'x' }, writeKeyAuthorization('kwk_nope'))).json().error).toBe('This write key is unknown or revoked.');
    expect((await hub.app.inject({ method: 'POST', url: '/v1/track', payload: { userId: 'u', event: 'x' } })).statusCode).toBe(401);
    expect((await hub.app.inject({ method: 'POST', url: '/v1/track', payload: { userId: 'u', event: 'x' }, headers: { authorization: `Bearer ${ws.ownerToken}` } })).statusCode).toBe(401);
    // The key in the body, as analytics.js sends it, works too; a write key opens nothing else.
    expect((await hub.app.inject({ method: 'POST', url: '/v1/track', payload: { userId: 'u', event: 'x', writeKey } })).statusCode).toBe(200);
    expect((await callHub(hub.app, 'GET', '/v1/members', undefined, writeKeyAuthorization(writeKey))).statusCode).toBe(403);
  });

  it('takes analytics.js in a browser: text/plain JSON from any site, the key in the body, short paths', async () => {
    const { writeKey, events } = await source();
    const preflight = await hub.app.inject({ method: 'OPTIONS', url: '/v1/t', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    const sent = await hub.app.inject({ method: 'POST', url: '/v1/t', headers: { origin: 'https://shop.example', 'content-type': 'text/plain' }, payload: JSON.stringify({ writeKey, anonymousId: 'browser-1', event: 'Added to Cart', messageId: 'ajs-1' }) });
    expect(sent.json()).toMatchObject({ success: true, accepted: 1 });
    expect(sent.headers['access-control-allow-origin']).toBe('*');
    expect((await events()).map((e) => e.name)).toEqual(['Added to Cart']);
    expect((await hub.app.inject({ method: 'POST', url: '/v1/t', headers: { 'content-type': 'text/plain' }, payload: '{not json' })).json().error).toBe('The body is not valid JSON.');
    const withNul = await hub.app.inject({ method: 'POST', url: '/v1/t', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ writeKey, anonymousId: 'browser-1', event: 'Added\u0000' }) });
    expect(withNul.json().error).toContain('event: contains the character U+0000');
    // Everything else stays closed to other sites.
    const closed = await hub.app.inject({ method: 'OPTIONS', url: '/v1/members', headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' } });
    expect(closed.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps personal data encrypted at rest', async () => {
    const { ws, send } = await source();
    await send('/v1/identify', { messageId: 'p1', userId: 'customer-981', traits: { email: 'secret.person@example.com', phone: '+44 20 7946 0958', name: 'Secret Person' }, context: { ip: '203.0.113.50', traits: { email: 'secret.person@example.com' } } });
    const rows = await sql`select p.*, i.*, e.* from profiles p join identities i on i.profile_id = p.id join events e on e.profile_id = p.id where p.workspace_id = ${ws.id}`.execute(hub.database.db);
    const dump = JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
    for (const plain of ['secret.person@example.com', '2079460958', '+44 20 7946 0958', 'Secret Person', 'customer-981', '203.0.113.50']) expect(dump).not.toContain(plain);
  });
});
