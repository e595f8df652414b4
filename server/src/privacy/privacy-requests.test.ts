import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { callHub, testCipher, testHub, testSigningKey, testWorkspace, writeKeyAuthorization } from '../../test/hub';
import { scanForPersonalData } from '../../test/personal-data-scan';
import { verifyWorkspaceAudit } from '../audit/verify';
import { readAuditEvents } from '../db/audit-store';
import type { HubDatabase } from '../db/database';
import * as store from '../db/privacy-store';
import { startJobQueue, type JobQueue } from '../jobs/queue';
import { personalDataErasers } from './erasers';
import { definePrivacyJobs } from './jobs';
import { runPrivacyRequest } from './requests';

let people = 0;
/** Maya, with identifiers of her own in each test's workspace, so that a scan of the whole database finds only this one's. */
function newMaya() {
  const tag = `${'abcdefghij'[++people % 10]}${randomUUID().replace(/[^a-f]/g, '').slice(0, 5)}`;
  const digits = String(1000 + Math.floor(Math.random() * 9000));
  return {
    email: `maya.${tag}@acme.example`,
    emailAsSent: `Maya.${tag.toUpperCase()}@Acme.example`,
    phone: `+44207946${digits}`,
    phoneAsSent: `+44 20 7946 ${digits}`,
    name: `Maya Lee-${tag}`,
    userId: `maya-${tag}`,
    anonymousId: `cookie-${tag}`,
    deviceId: `device-${tag}`,
  };
}

describe.each(hubDatabases)('privacy requests on $name', ({ open }) => {
  let database: HubDatabase;
  let jobs: JobQueue;
  /** Without a job queue: requests run in process before the answer. */
  let app: FastifyInstance;
  /** With one: requests run as `privacy.request` jobs. */
  let queued: FastifyInstance;
  beforeAll(async () => {
    database = await open();
    jobs = await startJobQueue(database, { pollingIntervalSeconds: 0.5 });
    await definePrivacyJobs(jobs, { db: database.db, cipher: testCipher, now: () => new Date() });
    app = await testHub(database);
    queued = await testHub(database, { jobs });
  }, 60_000);
  afterAll(async () => {
    await queued.close();
    await app.close();
    await jobs.stop();
    await database.close();
  });

  /** Maya (an anonymous visit merged into her account, consent given and withdrawn, two segment versions), someone else with her email, and Noah. */
  async function workspaceWithMaya() {
    const ws = await testWorkspace(app, database);
    const maya = newMaya();
    const { writeKey, send } = await ws.writeKey('Shop');
    const consent = (preferences: Record<string, boolean>) => ({ categoryPreferences: preferences });
    const messages = [
        { type: 'page', messageId: 'm-01', anonymousId: maya.anonymousId, name: 'Home', properties: { path: '/' }, context: { consent: consent({ Analytics: true }), page: { url: `https://shop.example/?ref=${maya.userId}` } }, timestamp: '2026-11-01T10:00:00Z' },
        { type: 'identify', messageId: 'm-02', userId: maya.userId, traits: { email: maya.emailAsSent, phone: maya.phoneAsSent, name: maya.name, plan: 'pro' }, context: { consent: consent({ 'Email Marketing': true }), device: { id: maya.deviceId } }, timestamp: '2026-11-02T10:00:00Z' },
        { type: 'track', messageId: 'm-03', userId: maya.userId, anonymousId: maya.anonymousId, event: 'Order Completed', properties: { total: 42, giftNote: `Happy birthday, love ${maya.name}` }, timestamp: '2026-11-03T10:00:00Z' },
        { type: 'track', messageId: 'm-04', userId: maya.userId, event: 'Settings Saved', context: { consent: consent({ 'Email Marketing': false }) }, timestamp: '2026-11-04T10:00:00Z' },
        { type: 'identify', messageId: 'm-05', userId: 'someone-else-1', traits: { email: maya.email }, timestamp: '2026-11-05T10:00:00Z' },
        { type: 'identify', messageId: 'm-06', userId: 'noah-7', traits: { email: 'noah@acme.example', name: 'Noah Berg' }, context: { consent: consent({ 'Email Marketing': true }) }, timestamp: '2026-11-05T11:00:00Z' },
        { type: 'track', messageId: 'm-07', userId: 'noah-7', event: 'Order Completed', properties: { total: 7 }, timestamp: '2026-11-06T10:00:00Z' },
    ];
    const sent = await send('/v1/batch', { batch: messages });
    expect(sent.statusCode, sent.body).toBe(200);
    const customerId = async (identifier: string) => (await ws.call('GET', `/v1/customers?identifier=${identifier}`)).json().customers[0]?.id as string | undefined;
    const mayaId = (await customerId(`user_id:${maya.userId}`))!;
    const noahId = (await customerId('user_id:noah-7'))!;
    const mergedId = (await ws.call('GET', `/v1/customers/${mayaId}`)).json().merges[0].mergedId as string;
    const segmentId = randomUUID();
    await database.db.insertInto('segments').values({ workspace_id: ws.id, id: segmentId, name: 'Big spenders', purpose: 'email-marketing', rule: JSON.stringify({ all: [] }), created_by: ws.ownerId }).execute();
    await database.db
      .insertInto('segment_members')
      .values([1, 2].flatMap((version) => [mayaId, noahId].map((profile_id) => ({ workspace_id: ws.id, segment_id: segmentId, version, profile_id }))))
      .execute();
    return { ws, maya, writeKey, mayaId, mergedId, noahId, segmentId };
  }

  async function untilSettled(call: () => Promise<{ status: string }>) {
    for (let i = 0; i < 150; i++) {
      const request = await call();
      if (request.status === 'completed' || request.status === 'failed') return request;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('The privacy request did not finish in 15 s.');
  }

  it('exports everything about a person and every profile merged into them, as a JSON attachment', async () => {
    const { ws, maya, mayaId, mergedId, segmentId } = await workspaceWithMaya();
    const created = await ws.call('POST', '/v1/privacy-requests', { kind: 'export', identifier: `email:${maya.emailAsSent}` });
    expect(created.statusCode, created.body).toBe(202);
    const request = created.json();
    expect(request).toMatchObject({ kind: 'export', subjectKind: 'email', status: 'completed', error: null, outcome: { found: true, download: `/v1/privacy-requests/${request.id}/download` } });
    expect((await ws.call('GET', `/v1/privacy-requests/${request.id}`)).json()).toEqual(request);

    const download = await ws.call('GET', `/v1/privacy-requests/${request.id}/download`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toMatch(/^application\/json/);
    expect(download.headers['content-disposition']).toBe(`attachment; filename="person-export-${request.id}.json"`);
    const document = download.json();
    expect(document.customer).toMatchObject({ id: mayaId, email: maya.email, phone: maya.phone, name: maya.name, traits: { plan: 'pro' }, eventCount: 4 });
    expect(document.mergedProfiles).toEqual([expect.objectContaining({ id: mergedId, mergedInto: mayaId })]);
    expect(document.identities.map((i: { kind: string; value: string }) => `${i.kind}:${i.value}`).sort()).toEqual([`anonymous_id:${maya.anonymousId}`, `device_id:${maya.deviceId}`, `email:${maya.email}`, `phone:${maya.phone}`, `user_id:${maya.userId}`]);
    expect(document.events.map((e: { messageId: string }) => e.messageId)).toEqual(['m-01', 'm-02', 'm-03', 'm-04']);
    expect(document.events[0]).toMatchObject({ type: 'page', name: 'Home', properties: { path: '/' }, context: { page: { url: `https://shop.example/?ref=${maya.userId}` } } });
    expect(document.events[2]).toMatchObject({ name: 'Order Completed', properties: { total: 42, giftNote: `Happy birthday, love ${maya.name}` } });
    expect(document.consent.map((c: { purpose: string; status: string }) => `${c.purpose}=${c.status}`)).toEqual(['analytics=granted', 'email-marketing=denied']);
    expect(document.consentHistory.map((h: { purpose: string; status: string; messageId: string }) => `${h.purpose}=${h.status} (${h.messageId})`)).toEqual(['analytics=granted (m-01)', 'email-marketing=granted (m-02)', 'email-marketing=denied (m-04)']);
    expect(document.merges).toEqual([expect.objectContaining({ survivorId: mayaId, mergedId, because: { kind: 'anonymous_id', value: maya.anonymousId }, messageId: 'm-03' })]);
    expect(document.conflicts).toEqual([expect.objectContaining({ because: { kind: 'email', value: maya.email }, messageId: 'm-05' })]);
    expect(document.segments).toEqual([{ segmentId, name: 'Big spenders', versions: [1, 2] }]);
    expect(JSON.stringify(document)).not.toContain('noah');

    // The audit log records the request, its completion and the download: never whom it was about.
    const audit = (await readAuditEvents(database.db, ws.id)).filter((e) => e.target?.id === request.id);
    expect(audit.map((e) => `${e.actor.kind} ${e.action}`)).toEqual(['user privacy-request.created', 'system privacy-request.completed', 'user privacy-request.downloaded']);
    expect(JSON.stringify(audit)).not.toMatch(/maya|acme|cookie/i);
  });

  it('answers an identifier nobody has with a completed request that found nothing', async () => {
    const { ws, maya } = await workspaceWithMaya();
    for (const kind of ['export', 'erase'] as const) {
      const request = (await ws.call('POST', '/v1/privacy-requests', { kind, identifier: 'email:nobody@acme.example' })).json();
      expect(request).toMatchObject({ status: 'completed', error: null, outcome: { found: false, message: expect.stringMatching(/No customer in this workspace has this identifier/) } });
      if (kind === 'export') expect((await ws.call('GET', `/v1/privacy-requests/${request.id}/download`)).json()).toMatchObject({ found: false });
      else expect((await ws.call('GET', `/v1/privacy-requests/${request.id}/download`)).json()).toMatchObject({ code: 'not-an-export' });
    }
    expect((await ws.call('GET', `/v1/customers?identifier=user_id:${maya.userId}`)).json().customers).toHaveLength(1);
  });

  it('erases a person (as a job) so that no table holds their identifiers, while aggregates and other customers stay', async () => {
    const { ws, maya, writeKey, mayaId, mergedId, noahId } = await workspaceWithMaya();
    const earlierExport = (await ws.call('POST', '/v1/privacy-requests', { kind: 'export', identifier: `phone:${maya.phone}` })).json();
    const eventCounts = () => database.db.selectFrom('events').select(['name', 'type']).select((eb) => eb.fn.countAll<string>().as('count')).where('workspace_id', '=', ws.id).groupBy(['name', 'type']).orderBy('name').orderBy('type').execute();
    const noah = async () => ({
      profile: await database.db.selectFrom('profiles').selectAll().where('workspace_id', '=', ws.id).where('id', '=', noahId).execute(),
      identities: await database.db.selectFrom('identities').selectAll().where('workspace_id', '=', ws.id).where('profile_id', '=', noahId).orderBy('kind').execute(),
      events: await database.db.selectFrom('events').selectAll().where('workspace_id', '=', ws.id).where('profile_id', '=', noahId).orderBy('message_id').execute(),
      consents: await database.db.selectFrom('consent_history').select(['purpose', 'status', 'message_id']).where('workspace_id', '=', ws.id).where('profile_id', '=', noahId).execute(),
      segments: await database.db.selectFrom('segment_members').selectAll().where('workspace_id', '=', ws.id).where('profile_id', '=', noahId).orderBy('version').execute(),
    });
    const countsBefore = await eventCounts();
    const noahBefore = await noah();
    const mayaBefore = await database.db.selectFrom('profiles').selectAll().where('workspace_id', '=', ws.id).where('id', '=', mayaId).executeTakeFirstOrThrow();
    const snapshotBefore = await database.db.selectFrom('segment_members').select('version').where('workspace_id', '=', ws.id).execute();

    // Every table, every row (the job queue's too): afterwards none may hold Maya's identifiers, their keyed hashes, or her profile ids
    // (but for the erased profile's own row, the anonymised events that still count under it, and the audit log's targets).
    const hashes = [['email', maya.email], ['phone', maya.phone], ['user_id', maya.userId], ['anonymous_id', maya.anonymousId], ['device_id', maya.deviceId]].map(([kind, value]) => testCipher.lookupHash(ws.id, kind!, value!));
    const needles = [maya.email, maya.emailAsSent, maya.phone, maya.phoneAsSent, maya.name, maya.userId, maya.anonymousId, maya.deviceId, ...hashes, mayaId, mergedId];
    const scan = () =>
      scanForPersonalData(database.db, needles, (table, row) => {
        if (table === 'profiles' && row.id === mayaId) return { ...row, id: null };
        if (table === 'events' && row.profile_id === mayaId) return { ...row, profile_id: null };
        if (table === 'external_conversions' && row.profile_id === mayaId) return { ...row, profile_id: null };
        if (table === 'audit_events') return { ...row, event: { ...(row.event as object), target: null } };
        return row;
      });
    // A CRM deal stored against the profile since merged into hers, with her details in its properties.
    await database.db.insertInto('external_conversions').values({ workspace_id: ws.id, source: 'crm', external_id: 'deal-maya', profile_id: mergedId, name: 'Closed won', value: 900, currency: 'EUR', occurred_at: new Date(), properties: JSON.stringify({ contact: maya.email, phone: maya.phone }) }).execute();
    // Her units in an experiment's rollup (as a catch-up leaves them: one under each profile, before the merge was folded in).
    await database.db.insertInto('experiment_rollup').values([mayaId, mergedId].map((profile_id) => ({ workspace_id: ws.id, experiment_id: 'exp-1', profile_id, first_at: new Date(), named_key: 1, unnamed_us: null }))).execute();
    await database.db.insertInto('experiment_rollup_outcomes').values({ workspace_id: ws.id, experiment_id: 'exp-1', profile_id: mayaId, metric_index: 0, events: 1, value: 42 }).execute();
    // The scan sees her everywhere before.
    const tablesBefore = new Set((await scan()).hits.map((hit) => hit.table));
    for (const table of ['profiles', 'identities', 'events', 'profile_merges', 'identity_conflicts', 'consents', 'consent_history', 'segment_members', 'privacy_requests', 'external_conversions', 'experiment_rollup', 'experiment_rollup_outcomes']) expect(tablesBefore).toContain(`public.${table}`);

    const ingestVersion = async () => (await database.db.selectFrom('ingest_versions').select('version').where('workspace_id', '=', ws.id).executeTakeFirst())?.version;
    const versionBefore = await ingestVersion();
    const created = await callHub(queued, 'POST', '/v1/privacy-requests', { kind: 'erase', identifier: `user_id:${maya.userId}` }, ws.ownerToken);
    expect(created.statusCode, created.body).toBe(202);
    expect(['pending', 'running']).toContain(created.json().status);
    const done = await untilSettled(async () => (await ws.call('GET', `/v1/privacy-requests/${created.json().id}`)).json());
    expect(done).toMatchObject({ status: 'completed', error: null, outcome: { found: true, download: null } });
    expect((done as unknown as { outcome: { erased: Record<string, number> } }).outcome.erased).toEqual({
      sharedIdentifiersOnOtherProfiles: 1,
      identities: 5,
      merges: 1,
      conflicts: 1,
      consents: 2,
      consentHistory: 3,
      segmentMemberships: 2,
      eventsAnonymised: 4,
      experimentRollup: 2,
      externalConversionsAnonymised: 1,
      earlierRequests: 1,
      connectorDeadLetters: 0,
      connectorRecordsToDelete: 0,
      profiles: 2,
    });

    const after = await scan();
    expect(after.hits).toEqual([]);
    // The erasure took a new number for the workspace's customers: a group ingest resolved before it is resolved again.
    expect(await ingestVersion()).not.toBe(versionBefore);
    expect(after.tables).toBeGreaterThan(20);
    expect(after.rows).toBeGreaterThan(50);

    // Aggregates stay: events per name, the erased profile's counters and times, the segments' member counts.
    expect(await eventCounts()).toEqual(countsBefore);
    const erased = await database.db.selectFrom('profiles').selectAll().where('workspace_id', '=', ws.id).where('id', '=', mayaId).executeTakeFirstOrThrow();
    expect(erased).toMatchObject({ email_enc: null, phone_enc: null, name_enc: null, traits: {}, merged_into: null, event_count: mayaBefore.event_count, first_seen_at: mayaBefore.first_seen_at, last_seen_at: mayaBefore.last_seen_at });
    expect(erased.erased_at).toBeInstanceOf(Date);
    expect(await database.db.selectFrom('events').select(['properties', 'context']).where('workspace_id', '=', ws.id).where('profile_id', '=', mayaId).execute()).toEqual(Array(4).fill({ properties: {}, context: {} }));
    expect(await database.db.selectFrom('external_conversions').select(['external_id', 'profile_id', 'value', 'properties']).where('workspace_id', '=', ws.id).execute()).toEqual([{ external_id: 'deal-maya', profile_id: mayaId, value: expect.stringMatching(/^900(\.0+)?$/), properties: {} }]);
    expect((await database.db.selectFrom('segment_members').select('version').where('workspace_id', '=', ws.id).execute()).length).toBe(snapshotBefore.length - 2);

    // Noah is untouched; the customer who gave Maya's email under another user id keeps their own id, not her email.
    expect(await noah()).toEqual(noahBefore);
    const someoneElse = (await ws.call('GET', '/v1/customers?identifier=user_id:someone-else-1')).json().customers[0];
    expect((await ws.call('GET', `/v1/customers/${someoneElse.id}`)).json()).toMatchObject({ email: null, conflicts: [] });

    // Maya is gone from the API; the earlier export went with her.
    expect((await ws.call('GET', `/v1/customers?identifier=email:${maya.email}`)).json().customers).toEqual([]);
    expect((await ws.call('GET', `/v1/customers/${mayaId}`)).statusCode).toBe(404);
    expect((await ws.call('GET', `/v1/customers/${mergedId}`)).statusCode).toBe(404);
    expect((await ws.call('GET', `/v1/privacy-requests/${earlierExport.id}/download`)).statusCode).toBe(410);
    expect((await store.getPrivacyRequest(database.db, ws.id, created.json().id))!.subject_hash).toBe(store.erasedSubjectMarker);
    expect((await verifyWorkspaceAudit(database.db, ws.id, [testSigningKey])).ok).toBe(true);

    // If she comes back, she is a new customer; a replay of her old messages stays a duplicate.
    const send = (batch: object[]) => callHub(app, 'POST', '/v1/batch', { batch }, writeKeyAuthorization(writeKey));
    expect((await send([{ type: 'track', messageId: 'm-03', userId: maya.userId, event: 'Order Completed' }])).json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect((await send([{ type: 'identify', messageId: 'm-20', userId: maya.userId, traits: { email: maya.email } }])).json()).toMatchObject({ accepted: 1 });
    const returning = (await ws.call('GET', `/v1/customers?identifier=email:${maya.email}`)).json().customers;
    expect(returning).toHaveLength(1);
    expect(returning[0].id).not.toBe(mayaId);
    expect(returning[0].eventCount).toBe(1);
  }, 30_000);

  it('records a failed erasure with a plain error and changes nothing; a retry can still complete it', async () => {
    const { ws, maya, mayaId } = await workspaceWithMaya();
    const id = randomUUID();
    await store.createPrivacyRequest(database.db, { workspace_id: ws.id, id, kind: 'erase', subject_kind: 'email', subject_hash: testCipher.lookupHash(ws.id, 'email', maya.email), requested_by: `user:${ws.ownerId}`, created_at: new Date() });
    const services = { db: database.db, cipher: testCipher, now: () => new Date() };
    const broken = [...personalDataErasers.slice(0, 3), { name: 'crmQueue', erase: () => Promise.reject(new Error('The CRM queue could not be emptied.')) }];

    expect(await runPrivacyRequest(services, { workspaceId: ws.id, id }, { finalAttempt: false, erasers: broken })).toEqual({ status: 'pending', error: 'The CRM queue could not be emptied.' });
    expect((await ws.call('GET', `/v1/privacy-requests/${id}`)).json()).toMatchObject({ status: 'pending', error: 'The last attempt failed and will be retried: The CRM queue could not be emptied.' });
    expect(await runPrivacyRequest(services, { workspaceId: ws.id, id }, { finalAttempt: true, erasers: broken })).toMatchObject({ status: 'failed' });
    expect((await ws.call('GET', `/v1/privacy-requests/${id}`)).json()).toMatchObject({ status: 'failed', error: 'The CRM queue could not be emptied.', outcome: null });
    // Nothing was erased: the identities the first erasers removed came back with the rollback.
    expect((await ws.call('GET', `/v1/customers/${mayaId}`)).json()).toMatchObject({ email: maya.email, identities: expect.arrayContaining([expect.objectContaining({ kind: 'email' })]) });

    expect(await runPrivacyRequest(services, { workspaceId: ws.id, id }, { finalAttempt: true })).toEqual({ status: 'completed' });
    expect((await ws.call('GET', `/v1/privacy-requests/${id}`)).json()).toMatchObject({ status: 'completed', error: null, outcome: { found: true } });
    expect((await ws.call('GET', `/v1/customers/${mayaId}`)).statusCode).toBe(404);
  });

  it('lists requests newest first in pages, and keeps exports to their own kind and state', async () => {
    const { ws } = await workspaceWithMaya();
    const ids: string[] = [];
    for (const identifier of ['email:a@acme.example', 'email:b@acme.example', 'email:c@acme.example']) ids.push((await ws.call('POST', '/v1/privacy-requests', { kind: 'export', identifier })).json().id);
    const erase = (await ws.call('POST', '/v1/privacy-requests', { kind: 'erase', identifier: 'email:d@acme.example' })).json();
    ids.push(erase.id);
    const first = (await ws.call('GET', '/v1/privacy-requests?limit=3')).json();
    const second = (await ws.call('GET', `/v1/privacy-requests?limit=3&before=${first.next}`)).json();
    const listed = [...first.requests, ...second.requests];
    expect(listed.map((r: { id: string }) => r.id).sort()).toEqual([...ids].sort());
    expect(second.next).toBeNull();
    const times = listed.map((r: { createdAt: string }) => r.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    expect(listed[0]).not.toHaveProperty('outcome');

    expect((await ws.call('GET', `/v1/privacy-requests/${erase.id}/download`)).statusCode).toBe(409);
    const pending = randomUUID();
    await store.createPrivacyRequest(database.db, { workspace_id: ws.id, id: pending, kind: 'export', subject_kind: 'email', subject_hash: 'x', requested_by: 'test', created_at: new Date() });
    expect((await ws.call('GET', `/v1/privacy-requests/${pending}/download`)).json()).toMatchObject({ code: 'not-ready', error: expect.stringMatching(/The export is pending/) });
  });

  it('lets owners and admins make requests, no one else, and no other workspace', async () => {
    const { ws, maya } = await workspaceWithMaya();
    const marketer = await ws.member('marketer');
    const admin = await ws.member('admin');
    const body = { kind: 'export', identifier: `user_id:${maya.userId}` };
    expect((await ws.call('POST', '/v1/privacy-requests', body, marketer.token)).statusCode).toBe(403);
    expect((await ws.call('GET', '/v1/privacy-requests', undefined, marketer.token)).statusCode).toBe(403);
    const request = (await ws.call('POST', '/v1/privacy-requests', body, admin.token)).json();
    expect(request).toMatchObject({ status: 'completed', requestedBy: `user:${admin.id}` });
    expect((await ws.call('GET', `/v1/privacy-requests/${request.id}/download`, undefined, marketer.token)).statusCode).toBe(403);

    const other = await testWorkspace(app, database);
    expect((await other.call('GET', `/v1/privacy-requests/${request.id}`)).statusCode).toBe(404);
    expect((await other.call('GET', `/v1/privacy-requests/${request.id}/download`)).statusCode).toBe(404);
    expect((await other.call('GET', '/v1/privacy-requests')).json().requests).toEqual([]);
    // Identifiers are per workspace: the other workspace's erase of the same user id finds no one here.
    expect((await other.call('POST', '/v1/privacy-requests', { kind: 'erase', identifier: `user_id:${maya.userId}` })).json()).toMatchObject({ status: 'completed', outcome: { found: false } });
    expect((await ws.call('GET', `/v1/customers?identifier=user_id:${maya.userId}`)).json().customers).toHaveLength(1);
  });

  it('answers a malformed request with 400 naming the field, and records nothing', async () => {
    const { ws, maya } = await workspaceWithMaya();
    const cases: [object, RegExp][] = [
      [{ kind: 'erase', identifier: 'fax:0123' }, /identifier: start with the kind of identifier/],
      [{ kind: 'erase', identifier: 'email:not-an-address' }, /identifier: is not a valid email/],
      [{ kind: 'erase' }, /identifier/],
      [{ kind: 'forget', identifier: `user_id:${maya.userId}` }, /kind: Invalid option/],
    ];
    for (const [body, error] of cases) {
      const response = await ws.call('POST', '/v1/privacy-requests', body);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json().error).toMatch(error);
    }
    expect((await ws.call('GET', '/v1/privacy-requests')).json().requests).toEqual([]);
  });
});
