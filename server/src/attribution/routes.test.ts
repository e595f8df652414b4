import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributionData } from '../../test/attribution-data';
import { hubDatabases } from '../../test/databases';
import { hubOnTestDatabase, testHub, testWorkspace, waitFor } from '../../test/hub';
import { readAuditEvents } from '../db/audit-store';
import type { HubDatabase } from '../db/database';
import { startJobQueue, type JobQueue } from '../jobs/queue';
import { isHeldOut } from './holdouts';
import { defineAttributionJobs } from './jobs';
import { attribute } from './models';

type Workspace = Awaited<ReturnType<typeof testWorkspace>>;

async function pushCampaign(ws: Workspace, id: string, name: string): Promise<void> {
  const pushed = await ws.call('POST', '/v1/sync/push', { deviceId: randomUUID(), mutations: [{ id: randomUUID(), recordType: 'campaign', recordId: id, op: 'create', baseRev: 0, changes: { name }, deviceTime: new Date().toISOString() }] });
  expect(pushed.json().results[0].status, pushed.body).toBe('applied');
}

describe.each(hubDatabases)('the attribution API on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);

  it('lets readers read and only owners, admins and analysts change anything', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const viewer = await ws.member('viewer');
    const marketer = await ws.member('marketer');
    const creator = await ws.member('creator');
    const analyst = await ws.member('analyst');
    const change = { lookbackDays: 14 };
    expect((await ws.call('GET', '/v1/attribution/settings', undefined, viewer.token)).statusCode).toBe(200);
    expect((await ws.call('GET', '/v1/attribution/settings', undefined, creator.token)).statusCode).toBe(403);
    for (const member of [viewer, marketer, creator]) {
      expect((await ws.call('PUT', '/v1/attribution/settings', change, member.token)).json()).toMatchObject({ code: 'forbidden' });
      expect((await ws.call('POST', '/v1/attribution/spend', { lines: [{ date: '2026-06-01', channel: 'email', amount: 1 }] }, member.token)).statusCode).toBe(403);
      expect((await ws.call('POST', '/v1/attribution/runs', { from: '2026-06-01', to: '2026-06-30' }, member.token)).statusCode).toBe(403);
    }
    expect((await ws.call('PUT', '/v1/attribution/settings', change, analyst.token)).json()).toMatchObject({ lookbackDays: 14 });
    // An API key holds only the scopes it was given.
    const key = (await ws.call('POST', '/v1/api-keys', { name: 'BI tool', scopes: ['attribution.read'] })).json().key;
    expect((await ws.call('GET', '/v1/attribution/runs', undefined, key)).statusCode).toBe(200);
    expect((await ws.call('POST', '/v1/attribution/runs', { from: '2026-06-01', to: '2026-06-30' }, key)).json().error).toBe('This API key is not scoped for attribution.manage.');
  });

  it('changes settings with an audit event, refuses a bad grouping naming the field, and goes back to the defaults with null', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const before = (await readAuditEvents(hub.database.db, ws.id)).length;
    const grouping = { rules: [{ channel: 'partners', when: { sources: ['partner'] } }] };
    const changed = await ws.call('PUT', '/v1/attribution/settings', { channelGrouping: grouping, conversionEvents: [{ name: 'Signed Up', valueProperty: 'amount' }], reportingCurrency: 'eur' });
    expect(changed.json()).toMatchObject({ defaultGrouping: false, channels: ['partners', 'referral', 'direct', 'other'], conversionEvents: [{ name: 'Signed Up', valueProperty: 'amount', currencyProperty: 'currency' }], reportingCurrency: 'EUR', lookbackDays: 30 });
    const events = await readAuditEvents(hub.database.db, ws.id);
    expect(events.length).toBe(before + 1);
    expect(events.at(-1)).toMatchObject({ action: 'attribution.settings-changed', target: { kind: 'attribution-settings', id: ws.id } });
    const bad = await ws.call('PUT', '/v1/attribution/settings', { channelGrouping: { rules: [{ channel: 'Paid Social!', when: {} }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/channelGrouping\.rules\.0\.channel: use lower-case/);
    expect(bad.json().error).toMatch(/channelGrouping\.rules\.0\.when: give at least one condition/);
    expect((await ws.call('PUT', '/v1/attribution/settings', { channelGrouping: null })).json()).toMatchObject({ defaultGrouping: true, reportingCurrency: 'EUR', conversionEvents: [{ name: 'Signed Up' }] });
  });

  it('imports spend from CSV: a file with a bad line imports nothing and names the lines; the same day again replaces', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const bad = await ws.call('POST', '/v1/attribution/spend/csv', { csv: 'date,channel,amount\n2026-06-01,email,10\n2026-06-02,email,ten\n' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'invalid-spend', problems: ['line 3: amount: "ten" is not a number'] });
    expect((await ws.call('GET', '/v1/attribution/spend?from=2026-06-01&to=2026-06-30')).json().lines).toEqual([]);
    expect((await ws.call('POST', '/v1/attribution/spend/csv', { csv: 'date,channel,campaign,amount,currency\n2026-06-01,email,,10,EUR\n2026-06-02,display,c1,5,EUR\n' })).json()).toEqual({ imported: 2, days: { from: '2026-06-01', to: '2026-06-02' } });
    expect((await ws.call('POST', '/v1/attribution/spend', { lines: [{ date: '2026-06-01', channel: 'email', amount: 12.5, currency: 'EUR' }] })).json()).toMatchObject({ imported: 1 });
    expect((await ws.call('GET', '/v1/attribution/spend?from=2026-06-01&to=2026-06-30')).json().lines).toEqual([
      { day: '2026-06-01', week: '2026-06-01', channel: 'email', campaign: '', currency: 'EUR', amount: 12.5 },
      { day: '2026-06-02', week: '2026-06-01', channel: 'display', campaign: 'c1', currency: 'EUR', amount: 5 },
    ]);
    const twice = await ws.call('POST', '/v1/attribution/spend', { lines: [{ date: '2026-06-01', channel: 'email', amount: 1 }, { date: '2026-06-01', channel: 'email', amount: 2 }] });
    expect(twice.json().error).toMatch(/^lines\.1: repeats lines\.0/);
    expect((await readAuditEvents(hub.database.db, ws.id)).filter((e) => e.action === 'attribution.spend-imported')).toHaveLength(2);
  });

  it('runs models over events ingested through a write key, without a queue in process', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const site = await ws.writeKey();
    await site.send('/v1/page', { userId: 'u1', timestamp: '2026-06-03T10:00:00Z', context: { page: { url: 'https://shop.example/?gclid=abc', referrer: 'https://www.google.com/' } } });
    await site.send('/v1/track', { userId: 'u1', event: 'Order Completed', timestamp: '2026-06-04T10:00:00Z', properties: { revenue: 80, currency: 'USD' } });
    await site.send('/v1/page', { userId: 'u2', timestamp: '2026-06-05T10:00:00Z', context: { page: { url: 'https://shop.example/', referrer: '' } } });
    await ws.call('POST', '/v1/attribution/spend', { lines: [{ date: '2026-06-03', channel: 'paid-search', amount: 20 }] });
    const started = await ws.call('POST', '/v1/attribution/runs', { models: ['last', 'linear'], options: { halfLifeDays: 3 }, from: '2026-06-01', to: '2026-06-30' });
    expect(started.statusCode, started.body).toBe(202);
    const run = started.json();
    expect(run).toMatchObject({ status: 'completed', options: { halfLifeDays: 3 }, grouping: 'channel', from: '2026-06-01T00:00:00.000Z', to: '2026-06-30T23:59:59.999Z', jobId: null });
    expect(run.report.models.map((m: { model: string }) => m.model)).toEqual(['last', 'linear']);
    expect(run.report.models[0].rows).toEqual([
      { key: 'direct', label: 'direct', conversions: 0, value: 0, newCustomers: 0, spend: 0, roas: null, cpa: null, cac: null },
      { key: 'paid-search', label: 'paid-search', conversions: 1, value: 80, newCustomers: 1, spend: 20, roas: 4, cpa: 20, cac: 20 },
    ]);
    expect(run.report.journeys).toEqual({ converted: 1, notConverted: 1 });
    expect((await ws.call('GET', `/v1/attribution/runs/${run.id}`)).json()).toMatchObject({ id: run.id, status: 'completed' });
    expect((await ws.call('GET', '/v1/attribution/runs')).json()).toMatchObject({ runs: [{ id: run.id }], nextCursor: null });
    // A page at a time, newest first: the next page starts after the cursor.
    const again = (await ws.call('POST', '/v1/attribution/runs', { models: ['last'], from: '2026-06-01', to: '2026-06-30' })).json();
    const newest = (await ws.call('GET', '/v1/attribution/runs?limit=1')).json();
    expect(newest.runs.map((r: { id: string }) => r.id)).toEqual([again.id]);
    expect((await ws.call('GET', `/v1/attribution/runs?limit=1&cursor=${newest.nextCursor}`)).json()).toMatchObject({ runs: [{ id: run.id }], nextCursor: null });
    expect((await ws.call('GET', '/v1/attribution/runs?cursor=yesterday')).json().error).toMatch(/cursor: is not a cursor the Hub handed out/);
    expect((await ws.call('POST', '/v1/attribution/runs', { from: '2026-06-30', to: '2026-06-01' })).json().error).toBe('to: must be on or after from.');
    expect((await ws.call('POST', '/v1/attribution/runs', { from: '2026-06-01', to: '2026-06-30', models: ['magic'] })).json().error).toMatch(/models\.0: Invalid option/);
    expect((await ws.call('POST', '/v1/attribution/runs', { from: '2026-06-01', to: '2026-06-30', options: { position: { first: 0.5, middle: 0.5, last: 0.5 } } })).json().error).toMatch(/options\.position: the position weights must add up to 1/);
  });

  it('makes tracking links that redirect only to their campaign’s own landing page', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    await pushCampaign(ws, 'camp-links', 'Links campaign');
    expect((await ws.call('POST', '/v1/attribution/links', { campaignId: 'nope', channel: 'influencer', destinationUrl: 'https://shop.example/' })).json().error).toMatch(/^campaignId: no such campaign/);
    expect((await ws.call('POST', '/v1/attribution/links', { campaignId: 'camp-links', channel: 'tv', destinationUrl: 'https://shop.example/' })).json().error).toMatch(/^channel: "tv" is not a channel/);
    for (const destinationUrl of ['javascript:alert(1)', 'ftp://shop.example/', '//evil.example/', 'https://user:pw@shop.example/']) {
      expect((await ws.call('POST', '/v1/attribution/links', { campaignId: 'camp-links', channel: 'influencer', destinationUrl })).statusCode, destinationUrl).toBe(400);
    }
    const link = (await ws.call('POST', '/v1/attribution/links', { campaignId: 'camp-links', channel: 'influencer', destinationUrl: 'https://shop.example/spring?x=1' })).json();
    expect(link.url).toBe(`http://127.0.0.1:4400/v1/attribution/go/${link.id}`);
    for (const url of [`/v1/attribution/go/${link.id}`, `/v1/attribution/go/${link.id}?to=https://evil.example/&url=https://evil.example/`]) {
      const followed = await hub.app.inject({ method: 'GET', url });
      expect(followed.statusCode).toBe(302);
      expect(followed.headers.location).toBe('https://shop.example/spring?x=1&utm_source=kata&utm_medium=influencer&utm_campaign=camp-links&kata_cid=camp-links');
    }
    expect((await hub.app.inject({ method: 'GET', url: '/v1/attribution/go/unknown-link' })).statusCode).toBe(404);
    expect((await ws.call('DELETE', `/v1/attribution/links/${link.id}`)).statusCode).toBe(204);
    expect((await hub.app.inject({ method: 'GET', url: `/v1/attribution/go/${link.id}` })).statusCode).toBe(404);
    expect((await readAuditEvents(hub.database.db, ws.id)).map((e) => e.action)).toEqual(expect.arrayContaining(['attribution.link-created', 'attribution.link-revoked']));
  });

  it('withholds a stable share of a segment and measures the lift with its interval', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    await pushCampaign(ws, 'camp-holdout', 'Holdout campaign');
    const data = attributionData(hub.database.db, ws.id);
    const members = Array.from({ length: 300 }, (_, i) => `h-${i}`);
    for (const id of members) await data.profile(id);
    await data.segmentMembers('seg-h', 1, members);
    for (const id of members.filter((_, i) => i % 3 === 0)) await data.track(id, '2026-06-10T00:00:00Z', 'Order Completed', { revenue: 1 });
    expect((await ws.call('POST', '/v1/attribution/holdouts', { name: 'x', campaignId: 'camp-holdout', segmentId: 'missing', share: 0.1 })).json().error).toMatch(/^segmentId: no such segment/);
    expect((await ws.call('POST', '/v1/attribution/holdouts', { name: 'x', campaignId: 'camp-holdout', segmentId: 'seg-h', share: 1 })).statusCode).toBe(400);
    const holdout = (await ws.call('POST', '/v1/attribution/holdouts', { name: 'Spring holdout', campaignId: 'camp-holdout', segmentId: 'seg-h', share: 0.2 })).json();
    expect(holdout).toMatchObject({ name: 'Spring holdout', share: 0.2 });
    const held = members.filter((m) => isHeldOut({ id: holdout.id, share: 0.2 }, m));
    const lift = (await ws.call('GET', `/v1/attribution/holdouts/${holdout.id}/lift?from=2026-06-01&to=2026-06-30`)).json();
    const heldBuyers = held.filter((m) => Number(m.slice(2)) % 3 === 0).length;
    expect(lift.lift.holdout).toEqual({ members: held.length, converted: heldBuyers, rate: heldBuyers / held.length });
    expect(lift.lift.treated.members).toBe(300 - held.length);
    expect(lift.lift.interval.lower).toBeLessThan(lift.lift.difference);
    expect(lift.lift.interval.upper).toBeGreaterThan(lift.lift.difference);
    const page = (await ws.call('GET', `/v1/attribution/holdouts/${holdout.id}/members?limit=5000`)).json();
    expect(page.members).toEqual([...held].sort());
  });
});

describe.each(hubDatabases)('attribution runs as jobs on $name', ({ open }) => {
  let database: HubDatabase;
  let jobs: JobQueue;
  let app: Awaited<ReturnType<typeof testHub>>;
  beforeAll(async () => {
    database = await open();
    jobs = await startJobQueue(database, { pollingIntervalSeconds: 0.5 });
    await defineAttributionJobs(jobs, { db: database.db, now: () => new Date() }, attribute);
    app = await testHub(database, { jobs });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await jobs.stop();
    await database.close();
  });

  it('queues a run, and its job status shows the progress it reported', async () => {
    const ws = await testWorkspace(app, database);
    const data = attributionData(database.db, ws.id);
    for (const id of ['j1', 'j2', 'j3']) {
      await data.profile(id);
      await data.page(id, '2026-06-02T00:00:00Z', 'https://shop.example/?utm_medium=email');
    }
    await data.track('j2', '2026-06-03T00:00:00Z', 'Order Completed', { revenue: 10 });
    const started = (await ws.call('POST', '/v1/attribution/runs', { models: ['first'], grouping: 'channel', from: '2026-06-01', to: '2026-06-30' })).json();
    expect(started.status).toBe('queued');
    expect(started.jobId).toEqual(expect.any(String));
    const done = await waitFor(
      async () => (await ws.call('GET', `/v1/attribution/runs/${started.id}`)).json(),
      (run) => run.status === 'completed' || run.status === 'failed',
    );
    expect(done).toMatchObject({ status: 'completed', report: { journeys: { converted: 1, notConverted: 2 } } });
    const job = (await ws.call('GET', `/v1/jobs/${started.jobId}`)).json();
    expect(job).toMatchObject({ name: 'attribution.run', state: 'completed', output: { runId: started.id, status: 'completed' }, progress: { done: 3, total: 3, phase: 'running 1 model over the journeys' } });
  }, 60_000);
});
