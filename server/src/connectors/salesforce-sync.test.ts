import { describe, expect, it } from 'vitest';
import { connectorHub, goldSegment, ingestCustomers, profileIdOf, shopCustomers } from '../../test/connector-hub';
import { hubDatabases } from '../../test/databases';
import { startFakeSalesforce, type FakeSalesforce } from '../../test/fakes/salesforce';
import { testWorkspace, waitFor } from '../../test/hub';
import { runConnectorSync } from './sync-run';

describe.each(hubDatabases)('Salesforce connector on $name', ({ open }) => {
  const hub = connectorHub(open);

  /** Adds the connection and goes through Salesforce's sign-in as an admin's browser would. */
  async function authorized(fake: FakeSalesforce, settings: object = {}) {
    const ws = await testWorkspace(hub.app, hub.database);
    const created = await ws.call('POST', '/v1/connectors/salesforce', { name: 'Salesforce', clientId: fake.clientId, clientSecret: fake.clientSecret, settings: { loginUrl: fake.url, ...settings } });
    expect(created.statusCode, created.body).toBe(201);
    const connection = created.json();
    expect(connection).toMatchObject({ status: 'awaiting-authorization', callbackUrl: 'http://127.0.0.1:4400/v1/connectors/oauth/callback' });
    const toSalesforce = await ws.call('GET', new URL(connection.authorizeUrl).pathname);
    expect(toSalesforce.statusCode, toSalesforce.body).toBe(302);
    const authorizeAt = new URL(toSalesforce.headers.location as string);
    expect(authorizeAt.searchParams.get('redirect_uri')).toBe(connection.callbackUrl);
    const back = await fetch(authorizeAt, { redirect: 'manual' });
    const callback = new URL(back.headers.get('location')!);
    // A made-up state is refused; the real one connects, once.
    expect((await ws.call('GET', `${callback.pathname}?code=x&state=forged`)).statusCode).toBe(400);
    const done = await ws.call('GET', `${callback.pathname}${callback.search}`);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().status).toBe('connected');
    expect((await ws.call('GET', `${callback.pathname}${callback.search}`)).statusCode).toBe(400);
    return { ws, connectorId: connection.id as string };
  }
  const sync = (ws: { id: string }, connectorId: string) => runConnectorSync(hub.services, { workspaceId: ws.id, connectionId: connectorId });
  const sealed = async (id: string) => (await hub.database.db.selectFrom('connector_connections').select('credentials_enc').where('id', '=', id).executeTakeFirstOrThrow()).credentials_enc;

  it('connects by OAuth, upserts contacts by the external id in collections of 200, and renews an expired session mid-run', async () => {
    const fake = await startFakeSalesforce();
    try {
      const { ws, connectorId } = await authorized(fake);
      // Settings are checked at the door: a Lead needs a Company.
      const lead = await ws.call('POST', '/v1/connectors/salesforce', { name: 'Leads', clientId: fake.clientId, clientSecret: fake.clientSecret, settings: { loginUrl: fake.url, sobject: 'Lead' } });
      expect(lead.statusCode).toBe(400);
      expect(lead.json().error).toBe('settings: settings.fieldMapping.Company: a Lead needs Company: map it to a profile field');
      await ingestCustomers(ws, [...shopCustomers('sf', 230), ...shopCustomers('sf-no', 4, { consent: false })]);
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/health`)).json().ok).toBe(true);

      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 230, failed: 0 });
      expect(fake.objects.Contact!.size).toBe(230);
      expect(fake.stats.collectionCalls).toBe(2);
      const ada = await profileIdOf(ws, 'sf-5');
      expect(fake.byField('Contact', 'Kata_Id__c', ada)[0]).toMatchObject({ Email: 'sf-5@shop.example', FirstName: 'Ada', LastName: 'sf5 Lovelace' });

      // The session times out after the next call: the connector renews it with the refresh token and goes on.
      await ingestCustomers(ws, shopCustomers('sf-late', 300));
      await ws.call('POST', `/v1/segments/${(await ws.call('GET', `/v1/connectors/${connectorId}`)).json().segmentIds[0]}/snapshot`);
      const before = await sealed(connectorId);
      fake.faults.expireSessionAfterCalls = fake.stats.apiCalls + 1;
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 300, failed: 0 });
      expect(fake.stats.tokenRefreshes).toBe(1);
      expect(fake.objects.Contact!.size).toBe(530);
      expect(await sealed(connectorId)).not.toBe(before);
      expect(await sealed(connectorId)).not.toContain('00D5g');
    } finally {
      await fake.close();
    }
  });

  it('dead-letters refused records, reports 300 for an id matching several records, and updates or deletes for withdrawal and erasure', async () => {
    const fake = await startFakeSalesforce();
    try {
      const { ws, connectorId } = await authorized(fake);
      await ingestCustomers(ws, shopCustomers('sfp', 6));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      const refused = await profileIdOf(ws, 'sfp-0');
      const duplicated = await profileIdOf(ws, 'sfp-1');
      fake.faults.failExternalIds.add(refused);
      fake.insert('Contact', { LastName: 'Dup one', Kata_Id__c: duplicated });
      fake.insert('Contact', { LastName: 'Dup two', Kata_Id__c: duplicated });
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 4, failed: 2 });
      const letters = (await ws.call('GET', `/v1/connectors/${connectorId}/dead-letters`)).json().deadLetters as { id: string; profileId: string; error: string }[];
      expect(letters.find((l) => l.profileId === refused)?.error).toMatch(/FIELD_CUSTOM_VALIDATION_EXCEPTION/);
      expect(letters.find((l) => l.profileId === duplicated)?.error).toMatch(/DUPLICATE_EXTERNAL_ID/);

      // Retried alone, the duplicate goes to the sObject upsert, whose 300 names the records it matched.
      const retried = await ws.call('POST', `/v1/connectors/${connectorId}/dead-letters/retry`, { ids: [letters.find((l) => l.profileId === duplicated)!.id] });
      expect(retried.json().released).toBe(1);
      await waitFor(() => hub.jobs.get(ws.id, retried.json().jobId), (j) => j?.state === 'completed');
      const again = (await ws.call('GET', `/v1/connectors/${connectorId}/dead-letters`)).json().deadLetters as { profileId: string; error: string }[];
      expect(again.find((l) => l.profileId === duplicated)?.error).toMatch(/^MULTIPLE_CHOICES: 2 Contact records/);

      // Withdrawal: this connection updates the contact (HasOptedOutOfEmail), as configured by default for Salesforce.
      const withdrawing = await profileIdOf(ws, 'sfp-2');
      await ws.call('PUT', `/v1/customers/${withdrawing}/consent/email-marketing`, { status: 'denied' });
      expect(await sync(ws, connectorId)).toMatchObject({ removed: 1 });
      expect(fake.byField('Contact', 'Kata_Id__c', withdrawing)[0]).toMatchObject({ HasOptedOutOfEmail: true });
      // Consent given again: pushed again, the opt-out stays as the CRM's own record of it.
      await ws.call('PUT', `/v1/customers/${withdrawing}/consent/email-marketing`, { status: 'granted' });
      expect(await sync(ws, connectorId)).toMatchObject({ updated: 1 });

      const erased = await ws.call('POST', '/v1/privacy-requests', { kind: 'erase', identifier: 'email:sfp-3@shop.example' });
      const erasedId = await profileIdOf(ws, 'sfp-3');
      await waitFor(async () => (await ws.call('GET', `/v1/privacy-requests/${erased.json().id}`)).json(), (r) => r.status === 'completed');
      expect(await sync(ws, connectorId)).toMatchObject({ removed: 1 });
      expect(fake.byField('Contact', 'Kata_Id__c', erasedId)).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('pushes consented members as Leads upserted by the external id (collections of 200), and a withdrawal and an erasure reach the Lead', async () => {
    const fake = await startFakeSalesforce();
    try {
      const { ws, connectorId } = await authorized(fake, { sobject: 'Lead', fieldMapping: { Email: 'email', FirstName: 'firstName', LastName: 'lastName', Company: 'traits.company' } });
      expect((await ws.call('GET', `/v1/connectors/${connectorId}`)).json().settings).toMatchObject({ sobject: 'Lead', externalIdField: 'Kata_Id__c', onWithdrawal: 'update' });
      await ingestCustomers(ws, [...shopCustomers('lead', 205, { company: 'Analytical Engines Ltd' }), ...shopCustomers('lead-solo', 1), ...shopCustomers('lead-no', 3, { consent: false, company: 'Nope Inc' })]);
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });

      // A member without a company is refused by Salesforce (a Lead needs one), record by record.
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 205, failed: 1 });
      expect(fake.objects.Lead!.size).toBe(205);
      expect(fake.objects.Contact!.size).toBe(0);
      expect(fake.stats.collectionCalls).toBe(2);
      const ada = await profileIdOf(ws, 'lead-7');
      expect(fake.byField('Lead', 'Kata_Id__c', ada)).toEqual([expect.objectContaining({ Email: 'lead-7@shop.example', FirstName: 'Ada', LastName: 'lead7 Lovelace', Company: 'Analytical Engines Ltd' })]);
      expect(fake.byField('Lead', 'Email', 'lead-no-0@shop.example')).toEqual([]);
      const solo = await profileIdOf(ws, 'lead-solo-0');
      const letters = (await ws.call('GET', `/v1/connectors/${connectorId}/dead-letters`)).json().deadLetters;
      expect(letters).toEqual([expect.objectContaining({ profileId: solo, operation: 'push', error: 'REQUIRED_FIELD_MISSING: Required fields are missing: [Company]' })]);

      // The customer gives a company; the admin's retry upserts the one Lead by its external id.
      await ingestCustomers(ws, shopCustomers('lead-solo', 1, { company: 'Solo Trader' }));
      const retried = await ws.call('POST', `/v1/connectors/${connectorId}/dead-letters/retry`, {});
      expect((await waitFor(() => hub.jobs.get(ws.id, retried.json().jobId), (j) => j?.state === 'completed'))?.output).toMatchObject({ pushed: 1, failed: 0 });
      expect(fake.byField('Lead', 'Kata_Id__c', solo)).toEqual([expect.objectContaining({ Company: 'Solo Trader' })]);
      // The customer's company changes: the next run upserts onto the same Lead, never a second one.
      await ingestCustomers(ws, [{ ...shopCustomers('lead', 1, { company: 'Difference Engines Ltd' })[0]! }]);
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 0, updated: 1 });
      expect(fake.byField('Lead', 'Kata_Id__c', await profileIdOf(ws, 'lead-0'))).toEqual([expect.objectContaining({ Company: 'Difference Engines Ltd' })]);
      expect(fake.objects.Lead!.size).toBe(206);

      // Withdrawal: the Lead is marked opted out (the default for Salesforce), erasure deletes it.
      const withdrawing = await profileIdOf(ws, 'lead-2');
      await ws.call('PUT', `/v1/customers/${withdrawing}/consent/email-marketing`, { status: 'denied' });
      expect(await sync(ws, connectorId)).toMatchObject({ removed: 1, failed: 0 });
      expect(fake.byField('Lead', 'Kata_Id__c', withdrawing)).toEqual([expect.objectContaining({ HasOptedOutOfEmail: true })]);
      const erasedId = await profileIdOf(ws, 'lead-3');
      const erased = await ws.call('POST', '/v1/privacy-requests', { kind: 'erase', identifier: 'email:lead-3@shop.example' });
      await waitFor(async () => (await ws.call('GET', `/v1/privacy-requests/${erased.json().id}`)).json(), (r) => r.status === 'completed');
      expect(await sync(ws, connectorId)).toMatchObject({ removed: 1, failed: 0 });
      expect(fake.byField('Lead', 'Kata_Id__c', erasedId)).toEqual([]);
      expect(fake.objects.Lead!.size).toBe(205);
    } finally {
      await fake.close();
    }
  });

  it('pulls closed-won opportunities page by page (nextRecordsUrl) into conversions, linked by contact or email', async () => {
    const fake = await startFakeSalesforce();
    try {
      const { ws, connectorId } = await authorized(fake);
      await ingestCustomers(ws, shopCustomers('opp', 2));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      await sync(ws, connectorId);
      const pushed = fake.byField('Contact', 'Kata_Id__c', await profileIdOf(ws, 'opp-0'))[0]!.Id;
      await ingestCustomers(ws, shopCustomers('phone-sale', 1, { plan: 'none' }));
      const theirs = fake.insert('Contact', { LastName: 'Sale', Email: 'Phone-Sale-0@shop.example' });
      const base = Date.now() - 3_600_000;
      fake.insert('Opportunity', { Name: 'Ada big order', IsWon: true, StageName: 'Closed Won', Amount: 5000, CloseDate: '2026-11-20', ContactId: pushed, SystemModstamp: new Date(base).toISOString() });
      fake.insert('Opportunity', { Name: 'Phone sale', IsWon: true, StageName: 'Closed Won', Amount: 75.25, CloseDate: '2026-11-21', ContactId: theirs, SystemModstamp: new Date(base + 1000).toISOString() });
      fake.insert('Opportunity', { Name: 'Lost', IsWon: false, StageName: 'Closed Lost', Amount: 10, CloseDate: '2026-11-21', ContactId: pushed, SystemModstamp: new Date(base + 2000).toISOString() });
      for (let i = 0; i < 250; i++) fake.insert('Opportunity', { Name: `Bulk ${i}`, IsWon: true, StageName: 'Closed Won', Amount: 1, CloseDate: '2026-11-22', ContactId: null, SystemModstamp: new Date(base + 10_000 + i * 1000).toISOString() });

      expect(await sync(ws, connectorId)).toMatchObject({ pulled: 252 });
      const stored = await hub.database.db.selectFrom('external_conversions').selectAll().where('workspace_id', '=', ws.id).where('source', '=', 'salesforce').execute();
      expect(stored).toHaveLength(252);
      const linked = stored.filter((c) => c.profile_id !== null).map((c) => [c.profile_id, Number(c.value), c.currency, c.occurred_at.toISOString(), c.properties.linkedBy]);
      expect(linked.sort()).toEqual(
        [
          [await profileIdOf(ws, 'opp-0'), 5000, 'USD', '2026-11-20T00:00:00.000Z', 'crm-record'],
          [await profileIdOf(ws, 'phone-sale-0'), 75.25, 'USD', '2026-11-21T00:00:00.000Z', 'email'],
        ].sort(),
      );
      expect(JSON.stringify(stored)).not.toMatch(/Ada|@shop\.example/);
      const cursor = (await ws.call('GET', `/v1/connectors/${connectorId}`)).json().pullCursor;
      expect(cursor).toBe(new Date(base + 10_000 + 249_000).toISOString().replace('Z', '+0000'));
      // The next run starts at the cursor: only the newest opportunity is read again.
      expect((await sync(ws, connectorId)).pulled).toBe(1);
    } finally {
      await fake.close();
    }
  });

  it("stops a run before the org's daily API calls run out (Sforce-Limit-Info), and goes on the next day", async () => {
    const fake = await startFakeSalesforce({ dailyLimit: 60 });
    try {
      const { ws, connectorId } = await authorized(fake);
      await ingestCustomers(ws, shopCustomers('quota', 20));
      await ws.call('PUT', `/v1/connectors/${connectorId}/segments`, { segmentIds: [await goldSegment(ws)] });
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 20 });
      // Most of the day's calls are used by something else on the org.
      fake.stats.apiCalls = 59;
      await ingestCustomers(ws, shopCustomers('quota-late', 5));
      await ws.call('POST', `/v1/segments/${(await ws.call('GET', `/v1/connectors/${connectorId}`)).json().segmentIds[0]}/snapshot`);
      // The push's one call is the day's last: it commits, and the run stops before the pull.
      await expect(sync(ws, connectorId)).rejects.toThrow(/daily API limit is nearly used \(60\/60\)/);
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/runs`)).json().runs[0]).toMatchObject({ status: 'failed', pushed: 5, error: expect.stringMatching(/daily API limit/) });
      expect(fake.objects.Contact!.size).toBe(25);
      // The next day: nothing is pushed twice, and the run completes.
      fake.stats.apiCalls = 0;
      expect(await sync(ws, connectorId)).toMatchObject({ pushed: 0, updated: 0, failed: 0 });
      expect((await ws.call('GET', `/v1/connectors/${connectorId}/runs`)).json().runs[0]).toMatchObject({ status: 'completed' });
    } finally {
      await fake.close();
    }
  });
});
