import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readAuditEvents } from '../src/db/audit-store';
import type { HubDatabase } from '../src/db/database';
import { startJobQueue, type JobQueue } from '../src/jobs/queue';
import { definePrivacyJobs } from '../src/privacy/jobs';
import { defineAttributionJobs } from '../src/attribution/jobs';
import { createAdvice } from '../src/db/budget-store';
import { attribute } from '../src/attribution/models';
import { hubDatabases } from './databases';
import { callHub, ownerPassword, signIn, testCipher, testHub, testWorkspace } from './hub';
import { previewClip } from './preview-clip';
import { startSamlIdp } from './saml-idp';

/**
 * Walks every authenticated route with a second workspace's credentials (an
 * owner's token and an API key holding every scope), aimed at the first
 * workspace's records, and proves the first workspace's data is neither
 * shown nor changed. A new route fails this test until the walk knows how to
 * aim it at the first workspace.
 */
// OIDC and SAML sign-in: the person has no session yet (SAML's workspace is in the address, its request ID in the database); the state kept in the database says whose sign-in it is.
// OIDC back-channel logout: the provider has no Hub credentials; a logout token signed by that workspace's provider decides.
// OIDC JWKS: the public half of the workspace's private_key_jwt key, for its provider to read.
// Studio's sign-in (OAuth 2.0 for a native app): the metadata and the authorization endpoint are for anyone; the pages check the browser's Hub session
// (the confirm form is bound to it and to the request); the token and revocation endpoints take no client secret (a public client): the code with its PKCE verifier, or the refresh token, decides.
// A Studio campaign's tracking link: anyone may follow it; it redirects only to the destination stored with it.
/** Stands for a binary body (an MP4 preview clip), which the walk sends as video/mp4 instead of JSON. */
const previewBody = { binary: 'an MP4 preview clip' };

const publicByDesign = ['GET /v1/attribution/go/:id', 'GET /.well-known/oauth-authorization-server', 'GET /oauth/authorize', 'GET /oauth/requests/:id', 'POST /oauth/requests/:id/sign-in', 'POST /oauth/requests/:id/sso', 'POST /oauth/requests/:id/decision', 'POST /oauth/requests/:id/other-account', 'POST /oauth/token', 'POST /oauth/revoke', 'POST /v1/auth/login', 'POST /v1/auth/accept-invitation', 'POST /v1/setup', 'GET /v1/audit/signing-key', 'GET /v1/sso/oidc/:workspaceSlug/start', 'GET /v1/sso/oidc/callback', 'POST /v1/sso/oidc/:workspaceSlug/backchannel-logout', 'GET /v1/sso/oidc/:workspaceSlug/jwks', 'GET /v1/sso/saml/:workspaceSlug/metadata', 'GET /v1/sso/saml/:workspaceSlug/start', 'POST /v1/sso/saml/:workspaceSlug/acs'];

describe.each(hubDatabases)('tenant isolation on $name', ({ open }) => {
  let database: HubDatabase;
  let app: FastifyInstance;
  let jobs: JobQueue;
  beforeAll(async () => {
    database = await open();
    jobs = await startJobQueue(database, { pollingIntervalSeconds: 0.5 });
    await jobs.define({ name: 'test.always-fails', data: z.object({}), retryLimit: 0, run: async () => Promise.reject(new Error('no')) });
    await definePrivacyJobs(jobs, { db: database.db, cipher: testCipher, now: () => new Date() });
    await defineAttributionJobs(jobs, { db: database.db, now: () => new Date() }, attribute);
    app = await testHub(database, { jobs });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await jobs.stop();
    await database.close();
  });

  it("lets no route read or change another workspace's data", async () => {
    const a = await testWorkspace(app, database);
    const aMember = await a.member('creator', 'alice');
    const aKey = (await a.call('POST', '/v1/api-keys', { name: 'A reporting', scopes: ['audit.read'] })).json();
    const aInvitation = (await a.call('POST', '/v1/invitations', { email: 'future@a.example', role: 'viewer' })).json();
    const aJob = await jobs.send('test.always-fails', a.id, {});
    const aWriteKey = await a.writeKey('A website');
    await aWriteKey.send('/v1/identify', { userId: 'a-customer', traits: { email: 'customer@a.example', plan: 'gold' } });
    const aCustomer = (await a.call('GET', '/v1/customers')).json().customers[0].id as string;
    await a.call('PUT', `/v1/customers/${aCustomer}/consent/email-marketing`, { status: 'granted' });
    const aSegment = (await a.call('POST', '/v1/segments', { name: 'A gold customers', purpose: 'email-marketing', rule: { version: 1, match: { trait: 'plan', op: 'eq', value: 'gold' } } })).json();
    expect((await a.call('POST', `/v1/segments/${aSegment.id}/snapshot`)).json().memberCount).toBe(1);
    // A's export of its customer (run by the queue): B must neither read nor download it.
    const aPrivacyRequest = (await a.call('POST', '/v1/privacy-requests', { kind: 'export', identifier: 'user_id:a-customer' })).json();
    // A's identity provider and a user it provisioned.
    const aScim = await a.scimToken('A Okta');
    const aScimUser = (await aScim.call('POST', '/scim/v2/Users', { userName: 'provisioned@a.example', externalId: 'a-okta-1', name: { givenName: 'Pat', familyName: 'Provisioned' } })).json();
    expect(aScimUser.userName).toBe('provisioned@a.example');
    const aScimGroup = (await aScim.call('POST', '/scim/v2/Groups', { displayName: 'A provisioned group', externalId: 'a-okta-group', members: [{ value: aScimUser.id }] })).json();
    expect(aScimGroup.members).toHaveLength(1);
    // A's identity provider for single sign-on.
    expect((await a.call('PUT', '/v1/sso/oidc', { issuer: 'https://idp.a-corp.example', clientId: 'a-corp-client', clientSecret: 'a-corp-client-secret', allowedEmailDomains: ['a-corp.example'] })).statusCode).toBe(200);
    const aIdp = await startSamlIdp('https://saml.a-corp.example/idp');
    expect((await a.call('PUT', '/v1/sso/saml', { metadataXml: aIdp.metadataXml, allowedEmailDomains: ['a-corp.example'] })).statusCode).toBe(200);
    const bIdp = await startSamlIdp('https://saml.b-corp.example/idp');
    // A's CRM connection (its token sealed), pushing A's segment.
    const aConnector = (await a.call('POST', '/v1/connectors/hubspot', { name: 'A CRM HubSpot', accessToken: 'pat-na1-a-corp-secret-token', settings: { baseUrl: 'https://crm.a-corp.example' } })).json();
    expect((await a.call('PUT', `/v1/connectors/${aConnector.id}/segments`, { segmentIds: [aSegment.id] })).statusCode).toBe(200);
    // A's synced campaign (pushed from Studio) and a Studio audit event.
    const aDevice = randomUUID();
    const aPush = await a.call('POST', '/v1/sync/push', { deviceId: aDevice, mutations: [{ id: randomUUID(), recordType: 'campaign', recordId: 'a-campaign', op: 'create', baseRev: 0, changes: { name: 'A secret campaign' }, deviceTime: new Date().toISOString() }] });
    expect(aPush.json().results[0].status, aPush.body).toBe('applied');
    // Another of A's devices renames it unseen: the secret name lives on in the record's history.
    const aRename = await a.call('POST', '/v1/sync/push', { deviceId: randomUUID(), mutations: [{ id: randomUUID(), recordType: 'campaign', recordId: 'a-campaign', op: 'update', baseRev: 0, changes: { name: 'A renamed campaign' }, deviceTime: new Date().toISOString() }] });
    expect(aRename.json().results[0].overwritten[0].value, aRename.body).toBe('A secret campaign');
    // A's render (synced from Studio) with its preview clip.
    const aRenderPush = await a.call('POST', '/v1/sync/push', { deviceId: aDevice, mutations: [{ id: randomUUID(), recordType: 'render', recordId: 'a-render', op: 'create', baseRev: 0, changes: { name: 'A secret render' }, deviceTime: new Date().toISOString() }] });
    expect(aRenderPush.json().results[0].status, aRenderPush.body).toBe('applied');
    const aPreview = await previewClip();
    const aPreviewUpload = await app.inject({ method: 'PUT', url: '/v1/renders/a-render/preview', payload: aPreview, headers: { authorization: `Bearer ${a.ownerToken}`, 'content-type': 'video/mp4' } });
    expect(aPreviewUpload.statusCode, aPreviewUpload.body).toBe(200);
    // A's attribution: settings, spend, a run, a holdout on its segment, a tracking link for its campaign.
    expect((await a.call('PUT', '/v1/attribution/settings', { lookbackDays: 7, reportingCurrency: 'EUR', channelGrouping: { rules: [{ channel: 'a-secret-channel', when: { sources: ['a-partner'] } }] } })).statusCode).toBe(200);
    expect((await a.call('POST', '/v1/attribution/spend', { lines: [{ date: '2026-06-01', channel: 'a-secret-channel', campaign: 'a-campaign', amount: 1234.5 }] })).statusCode).toBe(200);
    const aRun = (await a.call('POST', '/v1/attribution/runs', { models: ['last'], from: '2026-06-01', to: '2026-06-30' })).json();
    const aHoldout = (await a.call('POST', '/v1/attribution/holdouts', { name: 'A secret holdout', campaignId: 'a-campaign', segmentId: aSegment.id, share: 0.5 })).json();
    const aLink = (await a.call('POST', '/v1/attribution/links', { campaignId: 'a-campaign', channel: 'a-secret-channel', destinationUrl: 'https://a-landing.example/' })).json();
    expect(aLink.id, JSON.stringify(aLink)).toEqual(expect.any(String));
    for (let i = 0; i < 50 && (await a.call('GET', `/v1/attribution/runs/${aRun.id}`)).json().status !== 'completed'; i++) await new Promise((resolve) => setTimeout(resolve, 200));
    // A's experiment on that campaign, started.
    // A's budget advice (written as the advice route stores it; fitting one needs months of history).
    const aAdvice = randomUUID();
    await createAdvice(database.db, { workspaceId: a.id, id: aAdvice, request: { weeklyBudget: 1234.5 }, advice: { channels: [{ channel: 'a-secret-channel', proposed: 1234.5 }] }, createdBy: a.ownerId, now: new Date() });
    const aExperiment = (await a.call('POST', '/v1/experiments', { campaignId: 'a-campaign', name: 'A secret experiment', definition: { variants: [{ id: 'control', name: 'A control', ref: { recordType: 'render', recordId: 'a-render-1' } }, { id: 'bold', name: 'A bold', ref: { recordType: 'render', recordId: 'a-render-2' } }], primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' } } })).json();
    expect((await a.call('POST', `/v1/experiments/${aExperiment.id}/start`, {})).statusCode).toBe(200);
    const aSecrets = ['A secret render', aPreviewUpload.json().etag, 'A secret experiment', aExperiment.id, aAdvice, 'a-render-1', aRun.id, aHoldout.id, 'A secret holdout', aLink.id, 'a-landing.example', 'a-secret-channel', '1234.5', 'A secret campaign', 'A renamed campaign', aDevice, a.id, a.slug, a.ownerEmail, aMember.id, aMember.email, aKey.id, aInvitation.id, 'future@a.example', aJob, aWriteKey.id, aCustomer, 'customer@a.example', 'gold', aSegment.id, 'A gold customers', aPrivacyRequest.id, a.ownerId, aScim.id, aScimUser.id, 'provisioned@a.example', 'a-okta-1', aScimGroup.id, 'A provisioned group', 'a-okta-group', 'idp.a-corp.example', 'a-corp-client', 'a-corp.example', 'saml.a-corp.example', aConnector.id, 'A CRM HubSpot', 'pat-na1-a-corp-secret-token', 'crm.a-corp.example'];
    const snapshot = async () => ({
      workspace: await database.db.selectFrom('workspaces').selectAll().where('id', '=', a.id).execute(),
      users: await database.db.selectFrom('users').select(['id', 'email', 'name', 'role', 'deactivated_at', 'password_hash', 'totp_enabled', 'external_id', 'given_name', 'family_name', 'scim_deleted_at', 'updated_at']).where('workspace_id', '=', a.id).orderBy('id').execute(),
      scimGroups: await database.db.selectFrom('scim_groups').selectAll().where('workspace_id', '=', a.id).orderBy('id').execute(),
      scimGroupMembers: await database.db.selectFrom('scim_group_members').selectAll().where('workspace_id', '=', a.id).orderBy('group_id').orderBy('user_id').execute(),
      scimTokens: await database.db.selectFrom('scim_tokens').select(['id', 'revoked_at']).where('workspace_id', '=', a.id).orderBy('id').execute(),
      oidc: await database.db.selectFrom('oidc_configs').selectAll().where('workspace_id', '=', a.id).execute(),
      saml: await database.db.selectFrom('saml_configs').selectAll().where('workspace_id', '=', a.id).execute(),
      keys: await database.db.selectFrom('api_keys').select(['id', 'revoked_at', 'scopes']).where('workspace_id', '=', a.id).orderBy('id').execute(),
      writeKeys: await database.db.selectFrom('write_keys').select(['id', 'revoked_at']).where('workspace_id', '=', a.id).orderBy('id').execute(),
      events: (await database.db.selectFrom('events').select('message_id').where('workspace_id', '=', a.id).execute()).length,
      consents: await database.db.selectFrom('consents').selectAll().where('workspace_id', '=', a.id).execute(),
      profiles: await database.db.selectFrom('profiles').select(['id', 'traits', 'event_count', 'erased_at']).where('workspace_id', '=', a.id).orderBy('id').execute(),
      segments: await database.db.selectFrom('segments').select(['id', 'name', 'purpose', 'rule', 'updated_at', 'deleted_at']).where('workspace_id', '=', a.id).execute(),
      segmentSnapshots: await database.db.selectFrom('segment_snapshots').selectAll().where('workspace_id', '=', a.id).execute(),
      syncRecords: await database.db.selectFrom('sync_records').selectAll().where('workspace_id', '=', a.id).execute(),
      renderPreviews: await database.db.selectFrom('render_previews').selectAll().where('workspace_id', '=', a.id).execute(),
      experiments: await database.db.selectFrom('experiments').selectAll().where('workspace_id', '=', a.id).execute(),
      budgetAdvice: await database.db.selectFrom('budget_advice').selectAll().where('workspace_id', '=', a.id).execute(),
      experimentWeights: await database.db.selectFrom('experiment_weights').selectAll().where('workspace_id', '=', a.id).execute(),
      syncApplied: await database.db.selectFrom('sync_applied_mutations').selectAll().where('workspace_id', '=', a.id).execute(),
      syncHistory: await database.db.selectFrom('sync_record_history').selectAll().where('workspace_id', '=', a.id).execute(),
      connectors: await database.db.selectFrom('connector_connections').selectAll().where('workspace_id', '=', a.id).execute(),
      connectorSegments: await database.db.selectFrom('connector_segments').selectAll().where('workspace_id', '=', a.id).execute(),
      segmentMembers: await database.db.selectFrom('segment_members').selectAll().where('workspace_id', '=', a.id).execute(),
      identities: await database.db.selectFrom('identities').select(['kind', 'value_hash', 'profile_id']).where('workspace_id', '=', a.id).orderBy('kind').execute(),
      privacyRequests: await database.db.selectFrom('privacy_requests').selectAll().where('workspace_id', '=', a.id).orderBy('id').execute(),
      invitations: await database.db.selectFrom('invitations').select(['id', 'revoked_at', 'accepted_at']).where('workspace_id', '=', a.id).orderBy('id').execute(),
      liveSessions: (await database.db.selectFrom('sessions').select('token_hash').where('workspace_id', '=', a.id).where('revoked_at', 'is', null).execute()).length,
      auditEvents: (await readAuditEvents(database.db, a.id)).length,
      jobAttempts: (await jobs.get(a.id, aJob))?.attempts,
      attributionSettings: await database.db.selectFrom('attribution_settings').selectAll().where('workspace_id', '=', a.id).execute(),
      attributionSpend: await database.db.selectFrom('attribution_spend').selectAll().where('workspace_id', '=', a.id).execute(),
      attributionRuns: await database.db.selectFrom('attribution_runs').selectAll().where('workspace_id', '=', a.id).execute(),
      attributionHoldouts: await database.db.selectFrom('attribution_holdouts').selectAll().where('workspace_id', '=', a.id).execute(),
      attributionLinks: await database.db.selectFrom('attribution_tracking_links').selectAll().where('workspace_id', '=', a.id).execute(),
    });
    // Wait for A's job to fail for good, so a retry of it would show.
    for (let i = 0; i < 50 && (await jobs.get(a.id, aJob))?.state !== 'dead-letter'; i++) await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 50 && (await a.call('GET', `/v1/privacy-requests/${aPrivacyRequest.id}`)).json().status !== 'completed'; i++) await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await a.call('GET', `/v1/privacy-requests/${aPrivacyRequest.id}`)).json()).toMatchObject({ status: 'completed', outcome: { found: true } });
    const before = await snapshot();

    const b = await testWorkspace(app, database);
    const allScopes = (await b.call('GET', '/v1/me')).json().permissions;
    const bKey = (await b.call('POST', '/v1/api-keys', { name: 'B everything', scopes: allScopes })).json().key;
    const bWriteKey = (await b.writeKey('B site')).authorization;
    const bScim = (await b.scimToken('B Okta')).token;

    /** The first workspace's record each `:id` names, by route. */
    const aimAt = (url: string): string => {
      if (url.startsWith('/v1/members/')) return aMember.id;
      if (url.startsWith('/v1/api-keys/')) return aKey.id;
      if (url.startsWith('/v1/invitations/')) return aInvitation.id;
      if (url.startsWith('/v1/jobs/')) return aJob;
      if (url.startsWith('/v1/write-keys/')) return aWriteKey.id;
      if (url.startsWith('/v1/customers/')) return aCustomer;
      if (url.startsWith('/v1/privacy-requests/')) return aPrivacyRequest.id;
      if (url.startsWith('/v1/segments/') || url.startsWith('/v1/sync/segments/')) return aSegment.id;
      if (url.startsWith('/v1/sync/records/')) return 'a-campaign';
      if (url.startsWith('/v1/renders/')) return 'a-render';
      if (url.startsWith('/v1/experiments/')) return aExperiment.id;
      if (url.startsWith('/v1/budget/advice/')) return aAdvice;
      if (url.startsWith('/v1/scim-tokens/')) return aScim.id;
      if (url.startsWith('/v1/attribution/runs/')) return aRun.id;
      if (url.startsWith('/v1/attribution/holdouts/')) return aHoldout.id;
      if (url.startsWith('/v1/attribution/links/')) return aLink.id;
      if (url.startsWith('/v1/connectors/')) return aConnector.id;
      if (url.startsWith('/scim/v2/Users/')) return aScimUser.id;
      if (url.startsWith('/scim/v2/Groups/')) return aScimGroup.id;
      throw new Error(`The tenant walk does not know which record of workspace A ":id" means in ${url}; teach it.`);
    };
    /** A body, or a maker of one for routes that must get a fresh one per call. */
    const bodies: Record<string, unknown> = {
      // Sync: B's changes to A's record id land in B's workspace (a record of B's own); A's mutation ids are B's to reuse.
      'POST /v1/sync/push': () => ({
        deviceId: randomUUID(),
        mutations: [
          { id: randomUUID(), recordType: 'campaign', recordId: 'a-campaign', op: 'update', baseRev: 1, changes: { name: 'Hijacked by B' }, deviceTime: new Date().toISOString() },
          { id: aPush.json().results[0].id, recordType: 'campaign', recordId: 'a-campaign', op: 'delete', baseRev: 2, changes: {}, deviceTime: new Date().toISOString() },
        ],
      }),
      // Experiments: B's lands in B's workspace (on B's own campaign of that id, if B pushed one); A's are 404 to B.
      'POST /v1/experiments': { campaignId: 'a-campaign', name: 'B experiment', definition: { variants: [{ id: 'control', name: 'B control', ref: { recordType: 'render', recordId: 'b-render-1' } }, { id: 'bold', name: 'B bold', ref: { recordType: 'render', recordId: 'b-render-2' } }], primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' } } },
      'POST /v1/experiments/:id/start': {},
      'POST /v1/experiments/:id/stop': {},
      'POST /v1/experiments/:id/promote': { variantId: 'bold' },
      // Budget advice: B's is fitted from B's own runs and spend (none here); A's advice is 404 to B.
      'POST /v1/budget/advice': { from: '2026-01-05', to: '2026-08-02', model: 'last', weeklyBudget: 1000 },
      'POST /v1/budget/advice/:id/approve': { note: 'approved by B' },
      'POST /v1/budget/advice/:id/reject': { note: 'rejected by B' },
      // Previews: B's upload for A's render id finds no render of B's (404); A's clip is not B's to read.
      'PUT /v1/renders/:id/preview': previewBody,
      'PATCH /v1/workspace': { name: 'Renamed by B', mfaRequired: true, auditRetentionDays: 30 },
      'PATCH /v1/members/:id': { role: 'viewer' },
      'POST /v1/invitations': { email: 'someone@b.example', role: 'viewer' },
      'POST /v1/api-keys': { name: 'B key', scopes: ['members.read'] },
      'POST /v1/auth/password': { currentPassword: ownerPassword, newPassword: 'another long passphrase' },
      'POST /v1/auth/mfa/totp/confirm': { code: '000000' },
      'POST /v1/auth/mfa/totp/disable': { code: '000000' },
      'POST /v1/write-keys': { name: 'B website' },
      'PUT /v1/customers/:id/consent/:purpose': { status: 'granted' },
      'PUT /v1/consent-purposes': { purposes: ['email-marketing'] },
      // Segments: B may neither change A's nor reach A's members by naming A's segment in a rule.
      'POST /v1/segments': { name: 'B copy of A', purpose: 'email-marketing', rule: { version: 1, match: { segment: aSegment.id, member: true } } },
      'PATCH /v1/segments/:id': { name: 'Renamed by B', purpose: 'analytics', rule: { version: 1, match: { trait: 'plan', op: 'exists' } } },
      'POST /v1/segments/preview': { purpose: 'email-marketing', rule: { version: 1, match: { segment: aSegment.id, member: true } } },
      'POST /v1/segments/:id/snapshot': {},
      // Identifiers are hashed per workspace: B's erasure of A's customer finds no one.
      'POST /v1/privacy-requests': { kind: 'erase', identifier: 'user_id:a-customer' },
      // Ingest takes only a write key: B's owner token and API key are turned away.
      'POST /v1/track': { userId: 'a-customer', event: 'Hijack' },
      'POST /v1/identify': { userId: 'a-customer', traits: { plan: 'none' } },
      'POST /v1/page': { userId: 'a-customer', name: 'x' },
      'POST /v1/screen': { userId: 'a-customer', name: 'x' },
      'POST /v1/group': { userId: 'a-customer', groupId: 'g' },
      'POST /v1/alias': { userId: 'a-customer', previousId: 'other' },
      'POST /v1/batch': { batch: [{ type: 'track', userId: 'a-customer', event: 'Hijack' }] },
      // analytics.js's one-letter paths for the same messages.
      'POST /v1/t': { userId: 'a-customer', event: 'Hijack' },
      'POST /v1/i': { userId: 'a-customer', traits: { plan: 'none' } },
      'POST /v1/p': { userId: 'a-customer', name: 'x' },
      'POST /v1/s': { userId: 'a-customer', name: 'x' },
      'POST /v1/g': { userId: 'a-customer', groupId: 'g' },
      'POST /v1/a': { userId: 'a-customer', previousId: 'other' },
      'POST /v1/scim-tokens': { name: 'B identity provider' },
      // Attribution: B's settings, spend and runs are B's; A's segment, campaign, run, holdout and link are unknown to B.
      'PUT /v1/attribution/settings': { lookbackDays: 3, reportingCurrency: 'GBP' },
      'POST /v1/attribution/spend': { lines: [{ date: '2026-06-01', channel: 'a-secret-channel', campaign: 'a-campaign', amount: 1 }] },
      'POST /v1/attribution/spend/csv': { csv: 'date,channel,campaign,amount\n2026-06-01,email,a-campaign,1\n' },
      'POST /v1/attribution/runs': { models: ['last'], from: '2026-06-01', to: '2026-06-30' },
      'POST /v1/attribution/holdouts': { name: 'B on A', campaignId: 'a-campaign', segmentId: aSegment.id, share: 0.5 },
      'POST /v1/attribution/links': { campaignId: 'a-campaign', channel: 'direct', destinationUrl: 'https://b-landing.example/' },
      // CRM connections: B's land in B's workspace; A's connection is 404 to B, and so is binding A's segment.
      'POST /v1/connectors/hubspot': { name: 'B HubSpot', accessToken: 'pat-na1-b-corp-token', settings: { baseUrl: 'https://crm.b-corp.example' } },
      'POST /v1/connectors/salesforce': { name: 'B Salesforce', clientId: 'b-corp-consumer-key', clientSecret: 'b-corp-consumer-secret' },
      'PATCH /v1/connectors/:id': { name: 'Renamed by B', accessToken: 'pat-na1-b-corp-token', settings: { baseUrl: 'https://crm.b-corp.example' } },
      'PUT /v1/connectors/:id/segments': { segmentIds: [] },
      'POST /v1/connectors/:id/sync': {},
      'POST /v1/connectors/:id/dead-letters/retry': {},
      // Single sign-on settings are the caller's workspace's; B's land in B's.
      'PUT /v1/sso/oidc': { issuer: 'https://idp.b-corp.example', clientId: 'b-corp-client', allowedEmailDomains: ['b-corp.example'] },
      'PUT /v1/sso/saml': { metadataXml: bIdp.metadataXml, allowedEmailDomains: ['b-corp.example'] },
      // SCIM takes only a SCIM token; B's lands in B's workspace, and A's users are 404 to it.
      'POST /scim/v2/Users': { userName: 'made-by-b@b.example', externalId: 'b-okta-1' },
      'PUT /scim/v2/Users/:id': { userName: 'hijacked@b.example', active: false },
      'PATCH /scim/v2/Users/:id': { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false, displayName: 'Hijacked' } }] },
      // B's groups are B's: A's group is 404 to B, whose group lands in B's workspace.
      'POST /scim/v2/Groups': { displayName: 'Made by B', externalId: 'b-okta-group' },
      'PUT /scim/v2/Groups/:id': { displayName: 'Hijacked by B', members: [] },
      'PATCH /scim/v2/Groups/:id': { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: 'members' }, { op: 'replace', path: 'displayName', value: 'Hijacked by B' }] },
    };

    const routes = app.declaredRoutes.filter((route) => route.access !== 'public');
    expect(routes.map((r) => r.url)).toContain('/v1/jobs/:id/retry');
    expect(app.declaredRoutes.filter((route) => route.access === 'public').map((r) => `${r.method} ${r.url}`).sort()).toEqual([...publicByDesign].sort());
    expect(routes.length).toBeGreaterThan(15);
    for (const route of routes) {
      const url = route.url.replace(':id', () => aimAt(route.url)).replace(':purpose', 'email-marketing');
      const key = `${route.method} ${route.url}`;
      // (Testing single sign-on tests the caller's own workspace's saved settings.)
      const takesNoBody = ['POST /v1/auth/logout', 'POST /v1/auth/mfa/totp/setup', 'POST /v1/jobs/:id/retry', 'POST /v1/sso/oidc/test', 'POST /v1/sso/saml/test'].includes(key) || !['POST', 'PATCH', 'PUT'].includes(route.method);
      const ingestBody = { userId: 'a-customer', event: 'Hijack', name: 'x', groupId: 'g', previousId: 'other' };
      const given = bodies[key];
      const body = (typeof given === 'function' ? undefined : given) ?? (route.access === 'write-key' && route.url.length === 4 ? ingestBody : takesNoBody ? null : undefined);
      if (body === undefined && typeof given !== 'function') throw new Error(`The tenant walk has no body for ${key}; add one that would change workspace A if the tenant check failed.`);
      // A fresh sign-in per route: some routes (sign-out, password change) end B's own sessions.
      for (const credential of [await signIn(app, b.ownerEmail, ownerPassword, b.slug), bKey, bWriteKey, bScim]) {
        const eventsBefore = (await readAuditEvents(database.db, b.id)).length;
        const response =
          given === previewBody
            ? await app.inject({ method: 'PUT', url, payload: aPreview, headers: { authorization: credential.startsWith('Basic ') ? credential : `Bearer ${credential}`, 'content-type': 'video/mp4' } })
            : await callHub(app, route.method, url, typeof given === 'function' ? given() : (body ?? undefined), credential);
        // Every change that succeeds is in B's audit log.
        // (Ingested events are data, not administration: they are not audited one by one.)
        if (route.method !== 'GET' && route.access !== 'write-key' && response.statusCode < 300) expect((await readAuditEvents(database.db, b.id)).length, `${key} changed something without an audit event`).toBeGreaterThan(eventsBefore);
        expect(response.statusCode, `${key}: ${response.body}`).toBeLessThan(500);
        // (An error may repeat the id the caller sent; anything else of A's must not appear.)
        for (const secret of aSecrets.filter((s) => !url.includes(s))) expect(response.body, `${key} showed workspace A's ${secret}`).not.toContain(secret);
      }
      // Put B's password back if the route changed it.
      if (key === 'POST /v1/auth/password') await database.db.updateTable('users').set({ password_hash: (await database.db.selectFrom('users').select('password_hash').where('id', '=', a.ownerId).executeTakeFirstOrThrow()).password_hash }).where('id', '=', b.ownerId).execute();
    }

    // Give a wrongly accepted retry time to run before comparing.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await snapshot()).toEqual(before);
    expect((await jobs.get(a.id, aJob))?.state).toBe('dead-letter');
    // A's own owner still sees A's data, so the walk proved something.
    expect((await a.call('GET', '/v1/members')).json().members.map((m: { id: string }) => m.id)).toContain(aMember.id);
    expect((await a.call('GET', `/v1/privacy-requests/${aPrivacyRequest.id}/download`)).json().customer.email).toBe('customer@a.example');
    expect((await a.call('GET', '/v1/audit/verify')).json().ok).toBe(true);
  }, 60_000);
});
