import { describe, expect, it } from 'vitest';
import { connectorHub, goldSegment, ingestCustomers, profileIdOf, shopCustomers } from '../../test/connector-hub';
import { hubDatabases } from '../../test/databases';
import { startFakeHubspot } from '../../test/fakes/hubspot';
import { testWorkspace, waitFor } from '../../test/hub';
import { runConnectorSync } from './sync-run';

describe.each(hubDatabases)('HubSpot connector on $name', ({ open }) => {
  const hub = connectorHub(open);

  async function connected(fake: Awaited<ReturnType<typeof startFakeHubspot>>, settings: object = {}) {
    const ws = await testWorkspace(hub.app, hub.database);
    const created = await ws.call('POST', '/v1/connectors/hubspot', { name: 'HubSpot', accessToken: fake.token, settings: { baseUrl: fake.url, ...settings } });
    expect(created.statusCode, created.body).toBe(201);
    return { ws, connectorId: created.json().id as string };
  }
  const sync = (ws: { id: string }, connectorId: string) => runConnectorSync(hub.services, { workspaceId: ws.id, connectionId: connectorId });

  it('pushes only consented members on the first sync, then only what changed, and keeps the token sealed', async () => {
    const fake = await startFakeHubspot();
    try {
      const { ws, connectorId } = await connected(fake);
      await ingestCustomers(ws, [...shopCustomers('gold', 230), ...shopCustomers('no-consent', 7, { consent: false }), ...shopCustomers('silver', 5, { plan: 'silver' })]);
      const segmentId = await goldSegment(ws);
      expect((await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [segmentId] })).json().segmentIds).toEqual([segmentId]);
      // The token is sealed at rest and never shown.
      const row = await hub.database.db.selectFrom('connector_connections').select('credentials_enc').where('id', '=', connectorId).executeTakeFirstOrThrow();
      expect(row.credentials_enc).not.toContain(fake.token);
      expect((await ws.call('GET', `/v1/connectors/${connectorId}`)).body).not.toContain(fake.token);
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/health`)).json()).toEqual({ ok: true, detail: 'HubSpot accepts the token.' });

      const first = await sync(ws, connectorId);
      expect(first).toMatchObject({ pushed: 230, updated: 0, removed: 0, failed: 0 });
      expect(fake.contacts.size).toBe(230);
      expect(fake.stats.upsertCalls).toBe(3);
      expect(fake.contactByEmail('gold-17@shop.example')?.properties).toMatchObject({ email: 'gold-17@shop.example', firstname: 'Ada', lastname: 'gold17 Lovelace' });
      expect(fake.contactByEmail('no-consent-1@shop.example')).toBeUndefined();

      // Nothing changed: nothing is sent.
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 0, updated: 0, removed: 0, failed: 0 });
      expect(fake.stats.upsertCalls).toBe(3);
      // One customer changes their name: only they are sent again.
      await ingestCustomers(ws, [{ ...shopCustomers('gold', 1)[0]!, name: 'Ada Byron' }]);
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 0, updated: 1 });
      expect(fake.contactByEmail('gold-0@shop.example')?.properties.lastname).toBe('Byron');

      const runs = (await ws.call('GET', `/v1/connectors/${connectorId}/runs`)).json().runs;
      expect(runs).toHaveLength(3);
      expect(runs[2]).toMatchObject({ status: 'completed', pushed: 230, failed: 0, error: null });

      // The schedule's job queues a sync of every authorized connection, run by the queue like a manual one.
      const due = await hub.jobs.send('connectors.sync-due', 'hub', {});
      expect((await waitFor(() => hub.jobs.get('hub', due), (j) => j?.state === 'completed'))?.state).toBe('completed');
      const scheduled = await waitFor(async () => (await ws.call('GET', `/v1/connectors/${connectorId}/runs`)).json().runs, (r: unknown[]) => r.length === 4 && (r[0] as { status: string }).status === 'completed');
      expect(scheduled[0]).toMatchObject({ status: 'completed', pushed: 0, updated: 0, jobId: expect.any(String) });
    } finally {
      await fake.close();
    }
  });

  it('finishes a rate-limited sync without losing a record, honouring 429 and the limit in the headers', async () => {
    // A tight account: 4 requests per rolling second; the connector starts assuming 100 per 10 s and learns.
    const fake = await startFakeHubspot({ max: 4, intervalMs: 1000 });
    try {
      const { ws, connectorId } = await connected(fake);
      await ingestCustomers(ws, shopCustomers('busy', 950));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      fake.faults.rateLimitNext = 2;
      const run = await sync(ws, connectorId);
      expect(run).toMatchObject({ pushed: 950, failed: 0 });
      expect(run.rateLimited).toBeGreaterThanOrEqual(2);
      expect(fake.contacts.size).toBe(950);
      expect(fake.stats.peakInWindow).toBeLessThanOrEqual(4);
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/runs`)).json().runs[0].rateLimited).toBe(run.rateLimited);
    } finally {
      await fake.close();
    }
  });

  it('keeps the records a batch refused as dead letters, without their email, and an admin retries them', async () => {
    const fake = await startFakeHubspot();
    try {
      const { ws, connectorId } = await connected(fake);
      await ingestCustomers(ws, shopCustomers('partial', 120));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      fake.faults.invalidEmails.add('partial-3@shop.example').add('partial-110@shop.example');
      fake.faults.serverErrorNext = 1;
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 118, failed: 2 });
      const deadLetters = (await ws.call('GET', `/v1/connectors/${connectorId}/dead-letters`)).json().deadLetters;
      expect(deadLetters).toHaveLength(2);
      expect(deadLetters[0]).toMatchObject({ operation: 'push', error: expect.stringContaining('VALIDATION_ERROR') });
      expect(JSON.stringify(deadLetters)).not.toContain('@shop.example');
      expect(new Set(deadLetters.map((d: { profileId: string }) => d.profileId))).toEqual(new Set([await profileIdOf(ws, 'partial-3'), await profileIdOf(ws, 'partial-110')]));
      // Left alone by later runs until someone retries.
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 0, failed: 0 });
      // Paged by the Hub: a page of one, then the next from its cursor (the two letters share a time; their ids order them).
      const first = (await ws.call('GET', `/v1/connectors/${connectorId}/dead-letters?limit=1`)).json();
      const second = (await ws.call('GET', `/v1/connectors/${connectorId}/dead-letters?limit=1&cursor=${first.nextCursor}`)).json();
      expect([...first.deadLetters, ...second.deadLetters].map((d: { id: string }) => d.id)).toEqual(deadLetters.map((d: { id: string }) => d.id));
      expect(second.nextCursor).toBeNull();
      const runs = (await ws.call('GET', `/v1/connectors/${connectorId}/runs`)).json().runs;
      const newest = (await ws.call('GET', `/v1/connectors/${connectorId}/runs?limit=1`)).json();
      expect(newest.runs.map((r: { id: string }) => r.id)).toEqual([runs[0].id]);
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/runs?limit=1&cursor=${newest.nextCursor}`)).json()).toMatchObject({ runs: [{ id: runs[1].id }], nextCursor: null });
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/runs?cursor=page-2`)).json().error).toMatch(/cursor: is not a cursor the Hub handed out/);

      fake.faults.invalidEmails.clear();
      const retried = await ws.call('POST', `/v1/connectors/${connectorId}/dead-letters/retry`, {});
      expect(retried.statusCode, retried.body).toBe(202);
      expect(retried.json().released).toBe(2);
      const job = await waitFor(() => hub.jobs.get(ws.id, retried.json().jobId), (j) => j?.state === 'completed');
      expect(job?.output).toMatchObject({ pushed: 2, failed: 0 });
      expect(fake.contacts.size).toBe(120);
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/dead-letters`)).json().deadLetters).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('answers 409 CONTACT_EXISTS to a create of a taken email, and keeps a 409 on the batch upsert as one dead letter an admin retries', async () => {
    const fake = await startFakeHubspot();
    try {
      // The fake answers a create of an email HubSpot already has as HubSpot does (single and batch: the whole batch refused).
      const taken = fake.addContact({ email: 'taken@crm.example' });
      const create = (path: string, body: object) => fetch(`${fake.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const single = await create('/crm/v3/objects/contacts', { properties: { email: 'Taken@crm.example' } });
      expect(single.status).toBe(409);
      expect(await single.json()).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS', error: 'CONTACT_EXISTS', message: `Contact already exists. Existing ID: ${taken}` });
      const batch = await create('/crm/v3/objects/contacts/batch/create', { inputs: [{ properties: { email: 'fresh@crm.example' } }, { properties: { email: 'taken@crm.example' } }] });
      expect(batch.status).toBe(409);
      expect(fake.contactByEmail('fresh@crm.example')).toBeUndefined();

      // The connector only upserts by email, so it never creates: a 409 reaches it when an email is another contact's secondary address.
      const { ws, connectorId } = await connected(fake);
      await ingestCustomers(ws, shopCustomers('clash', 120));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      const holder = fake.addContact({ email: 'ada.main@crm.example', hs_additional_emails: 'clash-42@shop.example' });
      fake.faults.conflictEmails.set('clash-42@shop.example', holder);
      // The refused batch is sent again in halves: everyone else goes through, the one conflicting record is dead-lettered.
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 119, failed: 1 });
      expect(fake.contacts.size).toBe(2 + 119);
      const letters = (await ws.call('GET', `/v1/connectors/${connectorId}/dead-letters`)).json().deadLetters;
      expect(letters).toEqual([expect.objectContaining({ profileId: await profileIdOf(ws, 'clash-42'), operation: 'push', error: `HubSpot answered 409 OBJECT_ALREADY_EXISTS (CONTACT_EXISTS): Contact already exists. Existing ID: ${holder}` })]);
      expect(JSON.stringify(letters)).not.toContain('@');
      // Left alone by later runs until someone retries.
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 0, failed: 0 });

      // Sales take the address off the other contact in HubSpot; the admin retries.
      fake.faults.conflictEmails.clear();
      const retried = await ws.call('POST', `/v1/connectors/${connectorId}/dead-letters/retry`, {});
      expect(retried.json().released).toBe(1);
      expect((await waitFor(() => hub.jobs.get(ws.id, retried.json().jobId), (j) => j?.state === 'completed'))?.output).toMatchObject({ pushed: 1, failed: 0 });
      expect(fake.contactByEmail('clash-42@shop.example')).toBeDefined();
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/dead-letters`)).json().deadLetters).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('removes a customer who withdrew consent, and deletes an erased one for good at the next run', async () => {
    const fake = await startFakeHubspot();
    try {
      const { ws, connectorId } = await connected(fake);
      await ingestCustomers(ws, shopCustomers('privacy', 5));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 5 });

      // Withdrawn after the snapshot: consent is checked again at push time.
      const withdrawing = await profileIdOf(ws, 'privacy-1');
      expect((await ws.call('PUT', `/v1/customers/${withdrawing}/consent/email-marketing`, { status: 'denied' })).statusCode).toBe(200);
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 0, removed: 1 });
      expect(fake.contactByEmail('privacy-1@shop.example')).toBeUndefined();

      const erased = await ws.call('POST', '/v1/privacy-requests', { kind: 'erase', identifier: 'email:privacy-2@shop.example' });
      expect(erased.statusCode, erased.body).toBe(202);
      const done = await waitFor(async () => (await ws.call('GET', `/v1/privacy-requests/${erased.json().id}`)).json(), (r) => r.status === 'completed');
      expect(done.outcome.erased).toMatchObject({ connectorRecordsToDelete: 1 });
      expect(fake.contactByEmail('privacy-2@shop.example')).toBeDefined();
      expect(await sync(ws, connectorId)).toMatchObject({ removed: 1, failed: 0 });
      expect(fake.contactByEmail('privacy-2@shop.example')).toBeUndefined();
      expect(fake.contacts.size).toBe(3);
      expect(await hub.database.db.selectFrom('connector_records').select('profile_id').where('workspace_id', '=', ws.id).execute()).toHaveLength(3);
    } finally {
      await fake.close();
    }
  });

  it('refuses to delete a connection while its records are in HubSpot, unless the admin keeps them there explicitly, and says what that means', async () => {
    const fake = await startFakeHubspot();
    try {
      const { ws, connectorId } = await connected(fake);
      // A connection that never pushed anything goes at once.
      const unused = (await ws.call('POST', '/v1/connectors/hubspot', { name: 'Unused', accessToken: fake.token, settings: { baseUrl: fake.url } })).json().id as string;
      expect((await ws.call('DELETE', `/v1/connectors/${unused}`)).statusCode).toBe(204);

      await ingestCustomers(ws, shopCustomers('leaving', 3));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 3 });
      // An erasure accepted but not yet sent to HubSpot.
      const erased = await ws.call('POST', '/v1/privacy-requests', { kind: 'erase', identifier: 'email:leaving-0@shop.example' });
      await waitFor(async () => (await ws.call('GET', `/v1/privacy-requests/${erased.json().id}`)).json(), (r) => r.status === 'completed');

      const refused = await ws.call('DELETE', `/v1/connectors/${connectorId}`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'records-in-crm', error: `Connector ${connectorId} has 3 records in HubSpot (1 of them still to be erased there). Deleting it leaves them in HubSpot, and later erasures and withdrawn consents will no longer reach them. Remove them from HubSpot first, or delete with ?keepRecordsInCrm=true to leave them there.` });
      expect((await ws.call('DELETE', `/v1/connectors/${connectorId}?keepRecordsInCrm=maybe`)).json().error).toMatch(/keepRecordsInCrm: use true or false/);
      expect((await ws.call('GET', `/v1/connectors/${connectorId}`)).statusCode).toBe(200);

      const kept = await ws.call('DELETE', `/v1/connectors/${connectorId}?keepRecordsInCrm=true`);
      expect(kept.statusCode, kept.body).toBe(200);
      expect(kept.json()).toEqual({ deleted: true, recordsLeftInCrm: 3, erasuresNotSent: 1, warning: '3 records pushed by this connection stay in HubSpot, 1 of them owed an erasure. The Hub no longer knows them: later erasures and withdrawn consents will not reach HubSpot; remove them there yourself.' });
      expect((await ws.call('GET', `/v1/connectors/${connectorId}`)).statusCode).toBe(404);
      expect(fake.contacts.size).toBe(3);
      expect(await hub.database.db.selectFrom('connector_records').select('profile_id').where('workspace_id', '=', ws.id).execute()).toEqual([]);
      const events = (await ws.call('GET', '/v1/audit/events?action=connector.deleted')).json().events;
      expect(events.map((e: { target: { id: string } }) => e.target.id)).toEqual([connectorId, unused]);
    } finally {
      await fake.close();
    }
  });

  it('pulls closed-won deals as conversions with their amount, linked to the customer, from the cursor on', async () => {
    const fake = await startFakeHubspot();
    try {
      const { ws, connectorId } = await connected(fake);
      await ingestCustomers(ws, shopCustomers('buyer', 3));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      await sync(ws, connectorId);
      // A contact sales made in HubSpot for a known customer who is not in the segment.
      await ingestCustomers(ws, shopCustomers('walk-in', 1, { plan: 'none' }));
      const walkIn = fake.addContact({ email: 'WALK-IN-0@shop.example' });
      const base = Date.now() - 60_000;
      const pushedContact = fake.contactByEmail('buyer-1@shop.example')!.id;
      fake.addDeal({ id: '9001', name: 'Ada Lovelace renewal', amount: 1200.5, currency: 'EUR', closedAt: new Date('2026-11-20T00:00:00Z'), contactId: pushedContact, modifiedAt: new Date(base) });
      fake.addDeal({ id: '9002', name: 'Walk-in', amount: 300, closedAt: new Date('2026-11-21T00:00:00Z'), contactId: walkIn, modifiedAt: new Date(base + 1000) });
      fake.addDeal({ id: '9003', name: 'Nobody', amount: 50, closedAt: new Date('2026-11-22T00:00:00Z'), contactId: null, modifiedAt: new Date(base + 2000) });
      fake.addDeal({ id: '9004', name: 'Lost', amount: 999, stage: 'closedlost', closedAt: new Date('2026-11-22T00:00:00Z'), contactId: pushedContact, modifiedAt: new Date(base + 3000) });

      expect(await sync(ws, connectorId)).toMatchObject({ pulled: 3 });
      const stored = await hub.database.db.selectFrom('external_conversions').selectAll().where('workspace_id', '=', ws.id).orderBy('external_id').execute();
      expect(stored.map((c) => [c.source, c.external_id, c.profile_id, Number(c.value), c.currency, c.occurred_at.toISOString(), c.properties.linkedBy])).toEqual([
        ['hubspot', '9001', await profileIdOf(ws, 'buyer-1'), 1200.5, 'EUR', '2026-11-20T00:00:00.000Z', 'crm-record'],
        ['hubspot', '9002', await profileIdOf(ws, 'walk-in-0'), 300, 'EUR', '2026-11-21T00:00:00.000Z', 'email'],
        ['hubspot', '9003', null, 50, 'EUR', '2026-11-22T00:00:00.000Z', null],
      ]);
      // No personal data in what is stored: not the deal's name, not an email.
      expect(JSON.stringify(stored)).not.toMatch(/Lovelace|@shop\.example/);
      const connection = (await ws.call('GET', `/v1/connectors/${connectorId}`)).json();
      expect(connection.pullCursor).toBe(String(base + 2000));

      // Incremental: a deal changed later comes, older ones are not read again past the cursor.
      fake.addDeal({ id: '9005', name: 'Upsell', amount: 80, closedAt: new Date('2026-11-23T00:00:00Z'), contactId: pushedContact, modifiedAt: new Date(base + 5000) });
      const next = await sync(ws, connectorId);
      expect(next.pulled).toBeLessThanOrEqual(2);
      expect((await hub.database.db.selectFrom('external_conversions').select('external_id').where('workspace_id', '=', ws.id).execute()).map((r) => r.external_id).sort()).toEqual(['9001', '9002', '9003', '9005']);
    } finally {
      await fake.close();
    }
  });

  it('records a failed run when HubSpot refuses the token, keeps what committed, and goes on from there once fixed', async () => {
    const fake = await startFakeHubspot();
    try {
      const { ws, connectorId } = await connected(fake);
      await ingestCustomers(ws, shopCustomers('revoked', 150));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      fake.faults.revokedToken = true;
      await expect(sync(ws, connectorId)).rejects.toThrow(/HubSpot answered 401 INVALID_AUTHENTICATION/);
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/health`)).json()).toMatchObject({ ok: false, detail: expect.stringMatching(/401/) });
      const connection = (await ws.call('GET', `/v1/connectors/${connectorId}`)).json();
      expect(connection.status).toBe('failing');
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/runs`)).json().runs[0]).toMatchObject({ status: 'failed', pushed: 0, error: expect.stringMatching(/INVALID_AUTHENTICATION/) });
      // A new token from the admin: the next run pushes everyone and the connection is healthy again.
      fake.faults.revokedToken = false;
      expect((await ws.call('PATCH', `/v1/connectors/${connectorId}`, { accessToken: fake.token })).json().status).toBe('connected');
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 150, failed: 0 });
      expect((await ws.call('GET', `/v1/connectors/${connectorId}`)).json().status).toBe('connected');
    } finally {
      await fake.close();
    }
  });

  it('connects an OAuth app, and renews its access token when HubSpot says it expired mid-run', async () => {
    const fake = await startFakeHubspot();
    try {
      const ws = await testWorkspace(hub.app, hub.database);
      const created = await ws.call('POST', '/v1/connectors/hubspot', { name: 'HubSpot app', clientId: fake.oauthClient.clientId, clientSecret: fake.oauthClient.clientSecret, settings: { baseUrl: fake.url, authUrl: fake.url } });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toMatchObject({ status: 'awaiting-authorization', callbackUrl: 'http://127.0.0.1:4400/v1/connectors/oauth/callback' });
      expect((await ws.call('POST', '/v1/connectors/hubspot', { name: 'Both', accessToken: 'pat-na1-something', clientId: 'x-client-id' })).json().error).toMatch(/either accessToken .* or both clientId and clientSecret/);
      const connectorId = created.json().id as string;
      const toHubspot = await ws.call('GET', `/v1/connectors/${connectorId}/authorize`);
      expect(toHubspot.statusCode, toHubspot.body).toBe(302);
      expect(new URL(toHubspot.headers.location as string).searchParams.get('scope')).toBe('crm.objects.contacts.read crm.objects.contacts.write crm.objects.deals.read');
      const callback = new URL((await fetch(toHubspot.headers.location as string, { redirect: 'manual' })).headers.get('location')!);
      // The admin's browser comes back (the Salesforce test checks what a script gets): on to the console's page for the connection.
      const asBrowser = (url: string) => hub.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ws.ownerToken}`, accept: 'text/html,application/xhtml+xml' } });
      // A failure goes to the console by its code only (what it shows comes from the console, not from the address).
      expect((await asBrowser(`${callback.pathname}?code=x&state=forged`)).headers.location).toBe('/console/connectors?authorizationFailed=invalid-state');
      const done = await asBrowser(`${callback.pathname}${callback.search}`);
      expect(done.statusCode, done.body).toBe(303);
      expect(done.headers.location).toBe(`/console/connectors?connector=${connectorId}&authorized=1`);
      expect((await ws.call('GET', `/v1/connectors/${connectorId}`)).json().status).toBe('connected');

      await ingestCustomers(ws, shopCustomers('app', 250));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 250 });
      // The token's 30 minutes pass: the next calls get 401 EXPIRED_AUTHENTICATION, one renewal serves them all.
      await ingestCustomers(ws, shopCustomers('app-late', 250));
      await ws.call('POST', `/v1/segments/${(await ws.call('GET', `/v1/connectors/${connectorId}`)).json().segmentIds[0]}/snapshot`);
      fake.expireOAuthTokens();
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 250, failed: 0 });
      expect(fake.oauthStats.refreshes).toBe(1);
      expect(fake.contacts.size).toBe(500);
    } finally {
      await fake.close();
    }
  });
});
