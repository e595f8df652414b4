import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditEvents } from '../db/audit-store';
import type { HubDatabase } from '../db/database';
import { startJobQueue, type JobQueue } from '../jobs/queue';
import { hubDatabases } from '../../test/databases';
import { experimentFixtures } from '../../test/experiments';
import { testHub, testWorkspace, waitFor } from '../../test/hub';
import { rollupTotals } from '../db/experiment-totals-store';
import { getExperiment } from '../db/experiment-store';
import { defineExperimentJobs, experimentJobNames, isDue } from './jobs';
import { totalsOf, totalsRequest } from './service';

describe('the schedule check', () => {
  it('is due in the minute after the cron fired, and not otherwise', () => {
    expect(isDue('0 * * * *', new Date('2026-11-24T10:00:20Z'))).toBe(true);
    expect(isDue('0 * * * *', new Date('2026-11-24T10:00:00Z'))).toBe(true);
    expect(isDue('0 * * * *', new Date('2026-11-24T10:01:05Z'))).toBe(false);
    expect(isDue('*/15 * * * *', new Date('2026-11-24T10:45:59Z'))).toBe(true);
  });
});

describe.each(hubDatabases)('experiment jobs on $name', ({ open }) => {
  let database: HubDatabase;
  let jobs: JobQueue;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await open();
    jobs = await startJobQueue(database, { pollingIntervalSeconds: 0.5 });
    await defineExperimentJobs(jobs, { db: database.db, now: () => new Date() });
    app = await testHub(database, { jobs });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await jobs?.stop();
    await database?.close();
  });

  /** Runs the evaluation job of one experiment through the queue and answers its output. */
  async function evaluate(workspaceId: string, experimentId: string) {
    const id = await jobs.send(experimentJobNames.evaluate, workspaceId, { experimentId }, { singletonKey: experimentId });
    const status = await waitFor(() => jobs.get(workspaceId, id), (job) => job?.state === 'completed' || job?.state === 'failed' || job?.state === 'dead-letter', 60);
    expect(status?.state, JSON.stringify(status)).toBe('completed');
    return status!.output as { bandit: { reweighted: boolean; weights: Record<string, number>; waitingFor: string[] } | null; decision: string; promoted: string | null };
  }

  /** `count` customers per variant, exposed to it, of whom the first `converting` order afterwards. */
  async function traffic(fixtures: ReturnType<typeof experimentFixtures>, experimentId: string, plan: { variantId: string; prefix: string; count: number; converting: number }[]) {
    const users = plan.flatMap((p) => Array.from({ length: p.count }, (_, i) => ({ userId: `${p.prefix}-${i}`, variantId: p.variantId, converts: i < p.converting })));
    await fixtures.customers(users.map((u) => ({ userId: u.userId, profiling: true })));
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 9, minute)).toISOString();
    await fixtures.send(users.flatMap((u) => [{ userId: u.userId, event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: u.variantId }, timestamp: at(1) }, ...(u.converts ? [{ userId: u.userId, event: 'Order Completed', properties: { revenue: 40 }, timestamp: at(2) }] : [])]));
  }

  it('leaves the bandit weights alone until every variant has its minimum of customers, then moves traffic to the better one, keeping the minimum share', async () => {
    const ws = await testWorkspace(app, database);
    const fixtures = experimentFixtures(app, ws);
    const { experimentId } = await fixtures.experiment({ bandit: { enabled: true, minShare: 0.1, minUnitsPerArm: 50 } });
    await traffic(fixtures, experimentId, [
      { variantId: 'control', prefix: 'c', count: 60, converting: 6 },
      { variantId: 'bold', prefix: 'b', count: 40, converting: 16 },
    ]);
    const waiting = await evaluate(ws.id, experimentId);
    expect(waiting.bandit).toMatchObject({ reweighted: false, weights: { control: 0.5, bold: 0.5 }, waitingFor: ['bold'] });
    expect((await ws.call('GET', `/v1/experiments/${experimentId}/weights`)).json().history.map((h: { reason: string }) => h.reason)).toEqual(['started']);

    await traffic(fixtures, experimentId, [{ variantId: 'bold', prefix: 'b2', count: 20, converting: 8 }]);
    const moved = await evaluate(ws.id, experimentId);
    expect(moved.bandit!.reweighted).toBe(true);
    // 10 % against 40 % conversion on 60 customers each: bold is best with a chance near 1, so it gets all but the control's minimum share.
    const { control, bold } = moved.bandit!.weights as { control: number; bold: number };
    expect(control).toBeGreaterThanOrEqual(0.1);
    expect(control).toBeLessThan(0.11);
    expect(bold).toBeCloseTo(1 - control, 12);
    const experiment = (await ws.call('GET', `/v1/experiments/${experimentId}`)).json();
    expect(experiment.weights).toEqual(moved.bandit!.weights);
    const history = (await ws.call('GET', `/v1/experiments/${experimentId}/weights`)).json().history;
    expect(history.map((h: { reason: string }) => h.reason)).toEqual(['started', 'bandit']);
    expect(history[1].details.units).toEqual({ control: 60, bold: 60 });
    const audit = (await readAuditEvents(database.db, ws.id)).filter((e) => e.action === 'experiment.weights-updated');
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toEqual({ kind: 'system', id: 'experiments' });
    // The results expect the split the traffic had (equal until now), so the bandit's own move is no sample-ratio mismatch.
    expect((await ws.call('GET', `/v1/experiments/${experimentId}/results`)).json().results.sampleRatio.mismatch).toBe(false);
  });

  it('promotes a decided winner to the campaign\'s active creative, which Studio pulls, audited', async () => {
    const ws = await testWorkspace(app, database);
    const fixtures = experimentFixtures(app, ws);
    const { experimentId, campaignId } = await fixtures.experiment({ autoPromote: true });
    const cursor = (await ws.call('GET', '/v1/sync/pull')).json().cursor as string;

    // Not decided yet: nothing promoted, and the promote route refuses without a named variant.
    await traffic(fixtures, experimentId, [
      { variantId: 'control', prefix: 'c', count: 5, converting: 1 },
      { variantId: 'bold', prefix: 'b', count: 5, converting: 2 },
    ]);
    expect((await evaluate(ws.id, experimentId)).promoted).toBeNull();
    const early = await ws.call('POST', `/v1/experiments/${experimentId}/promote`, {});
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatch(/has no winner to promote/);

    await traffic(fixtures, experimentId, [
      { variantId: 'control', prefix: 'c2', count: 200, converting: 10 },
      { variantId: 'bold', prefix: 'b2', count: 200, converting: 60 },
    ]);
    const decided = await evaluate(ws.id, experimentId);
    expect(decided).toMatchObject({ decision: 'decided', promoted: 'bold' });
    expect((await ws.call('GET', `/v1/experiments/${experimentId}`)).json()).toMatchObject({ status: 'decided', winnerVariantId: 'bold' });

    const pulled = (await ws.call('GET', `/v1/sync/pull?cursor=${cursor}`)).json();
    const campaign = pulled.changes.find((c: { recordId: string }) => c.recordId === campaignId);
    expect(campaign.version).toBe(2);
    expect(campaign.fields).toMatchObject({ name: 'Spring launch', activeCreative: { recordType: 'render', recordId: 'render-bold', experimentId, variantId: 'bold' } });
    expect(campaign.updatedBy).toBe('system:experiments');

    // Studio's own change on the version it had merges with the Hub's: its field changes, the active creative stays.
    const push = await ws.call('POST', '/v1/sync/push', { deviceId: fixtures.deviceId, mutations: [{ id: crypto.randomUUID(), recordType: 'campaign', recordId: campaignId, op: 'update', baseRev: 1, changes: { name: 'Spring launch EU' }, deviceTime: new Date().toISOString() }] });
    expect(push.json().results[0]).toMatchObject({ status: 'applied', version: 3, overwritten: [] });
    const after = (await ws.call('GET', `/v1/sync/pull?cursor=${cursor}`)).json().changes.find((c: { recordId: string }) => c.recordId === campaignId);
    expect(after.fields).toMatchObject({ name: 'Spring launch EU', activeCreative: { recordId: 'render-bold' } });

    const audit = (await readAuditEvents(database.db, ws.id)).filter((e) => e.action === 'experiment.winner-promoted-automatically');
    expect(audit).toHaveLength(1);
    expect(audit[0]!.target).toEqual({ kind: 'experiment', id: experimentId });
    // Decided is final: a second promotion is refused.
    expect((await ws.call('POST', `/v1/experiments/${experimentId}/promote`, { variantId: 'control' })).statusCode).toBe(409);
  });

  it('keeps the experiment rollup caught up as a job, from events and merges written by ingest', async () => {
    const ws = await testWorkspace(app, database);
    const fixtures = experimentFixtures(app, ws);
    const { experimentId } = await fixtures.experiment({});
    const catchUp = async () => {
      const id = await jobs.send(experimentJobNames.rollup, ws.id, {}, { singletonKey: 'rollup' });
      const status = await waitFor(() => jobs.get(ws.id, id), (job) => job?.state === 'completed' || job?.state === 'failed' || job?.state === 'dead-letter', 60);
      expect(status?.state, JSON.stringify(status)).toBe('completed');
      return status!.output as { rebuilt: number; advanced: number };
    };
    /** The rollup as the job left it (no catch-up on reading) against the raw events. */
    const expectCaughtUp = async () => {
      const rows = [(await getExperiment(database.db, ws.id, experimentId))!];
      const raw = await totalsOf(database.db, ws.id, rows, 'raw');
      expect(await rollupTotals(database.db, await totalsRequest(database.db, ws.id, rows))).toEqual(raw);
      return raw;
    };
    await traffic(fixtures, experimentId, [
      { variantId: 'control', prefix: 'rc', count: 8, converting: 2 },
      { variantId: 'bold', prefix: 'rb', count: 8, converting: 5 },
    ]);
    expect(await catchUp()).toMatchObject({ rebuilt: 1, advanced: 0 });
    expect((await expectCaughtUp()).map((t) => [t.variantId, t.n, t.converted])).toEqual([['control', 8, 2], ['bold', 8, 5]]);
    // An anonymous visitor sees a variant and orders, then signs in as a known customer: ingest merges the two.
    await fixtures.sendMessages([
      { type: 'track', anonymousId: 'anon-rollup', event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: 'control' }, timestamp: new Date(Date.UTC(2026, 10, 24, 8, 30)).toISOString() },
      { type: 'track', anonymousId: 'anon-rollup', event: 'Order Completed', properties: { revenue: 10 }, timestamp: new Date(Date.UTC(2026, 10, 24, 8, 40)).toISOString() },
    ]);
    await fixtures.sendMessages([{ type: 'identify', userId: 'rc-7', anonymousId: 'anon-rollup', timestamp: new Date(Date.UTC(2026, 10, 24, 8, 50)).toISOString() }]);
    expect(await catchUp()).toMatchObject({ rebuilt: 0, advanced: 1 });
    // rc-7 was first exposed earlier now, and their order from before their own exposure counts: control converts 3 of 8.
    expect((await expectCaughtUp()).map((t) => [t.variantId, t.n, t.converted])).toEqual([['control', 8, 3], ['bold', 8, 5]]);
  });

  it('promotes a named variant by hand, audited as the member who did it', async () => {
    const ws = await testWorkspace(app, database);
    const fixtures = experimentFixtures(app, ws);
    const { experimentId, campaignId } = await fixtures.experiment({});
    expect((await ws.call('POST', `/v1/experiments/${experimentId}/promote`, { variantId: 'nope' })).json().error).toMatch(/variantId: experiment .* has no variant "nope"/);
    const promoted = await ws.call('POST', `/v1/experiments/${experimentId}/promote`, { variantId: 'control' });
    expect(promoted.json()).toMatchObject({ status: 'decided', winnerVariantId: 'control' });
    const campaign = (await ws.call('GET', '/v1/sync/pull')).json().changes.find((c: { recordId: string }) => c.recordId === campaignId);
    expect(campaign.fields.activeCreative).toMatchObject({ recordId: 'render-control', variantId: 'control' });
    const audit = (await readAuditEvents(database.db, ws.id)).filter((e) => e.action === 'experiment.winner-promoted');
    expect(audit[0]!.actor).toEqual({ kind: 'user', id: ws.ownerId });
  });
});
