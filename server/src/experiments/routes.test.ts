import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubDatabase } from '../db/database';
import { readAuditEvents } from '../db/audit-store';
import { hubDatabases } from '../../test/databases';
import { testHub, testWorkspace } from '../../test/hub';
import { baseDefinition, experimentFixtures } from '../../test/experiments';
import { assignVariant } from './assignment';

describe.each(hubDatabases)('experiments on $name', ({ open }) => {
  const hub = {} as { database: HubDatabase; app: FastifyInstance };
  // An embedded database takes long to open on a busy machine: a longer wait than the shared helper's.
  beforeAll(async () => {
    hub.database = await open();
    hub.app = await testHub(hub.database);
  }, 120_000);
  afterAll(async () => {
    await hub.app?.close();
    await hub.database?.close();
  });

  it('creates, lists, starts and stops an experiment, audited, with permissions by role', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const { campaignId, definition } = await experimentFixtures(hub.app, ws).campaign();
    const unknown = await ws.call('POST', '/v1/experiments', { campaignId: 'no-such-campaign', name: 'Hooks', definition });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatch(/campaignId: no campaign no-such-campaign/);
    const badVariants = await ws.call('POST', '/v1/experiments', { campaignId, name: 'Hooks', definition: { ...definition, variants: [definition.variants[0], definition.variants[0]] } });
    expect(badVariants.statusCode).toBe(400);
    expect(badVariants.json().error).toMatch(/definition.variants.1.id: "control" is used by two variants/);

    const created = await ws.call('POST', '/v1/experiments', { campaignId, name: 'Hooks', definition });
    expect(created.statusCode, created.body).toBe(201);
    const experiment = created.json();
    expect(experiment).toMatchObject({ campaignId, name: 'Hooks', status: 'draft', weights: { control: 0.5, bold: 0.5 }, winnerVariantId: null });

    const viewer = await ws.member('viewer');
    expect((await ws.call('GET', `/v1/experiments?campaignId=${campaignId}`, undefined, viewer.token)).json().experiments.map((e: { id: string }) => e.id)).toEqual([experiment.id]);
    expect((await ws.call('POST', `/v1/experiments/${experiment.id}/start`, {}, viewer.token)).statusCode).toBe(403);
    const creator = await ws.member('creator');
    expect((await ws.call('POST', '/v1/experiments', { campaignId, name: 'Hooks', definition }, creator.token)).statusCode).toBe(403);
    const marketer = await ws.member('marketer');

    const started = await ws.call('POST', `/v1/experiments/${experiment.id}/start`, {}, marketer.token);
    expect(started.json()).toMatchObject({ status: 'running' });
    expect((await ws.call('POST', `/v1/experiments/${experiment.id}/start`, {})).statusCode).toBe(409);
    expect((await ws.call('GET', `/v1/experiments/${experiment.id}/weights`)).json().history).toMatchObject([{ reason: 'started', weights: { control: 0.5, bold: 0.5 } }]);
    expect((await ws.call('POST', `/v1/experiments/${experiment.id}/stop`, {})).json()).toMatchObject({ status: 'stopped' });
    expect((await ws.call('GET', '/v1/experiments?status=stopped')).json().experiments).toHaveLength(1);
    const actions = (await readAuditEvents(hub.database.db, ws.id)).filter((e) => e.target?.id === experiment.id).map((e) => e.action);
    expect(actions).toEqual(['experiment.created', 'experiment.started', 'experiment.stopped']);
  });

  it('assigns by hash only customers with profiling consent in the target segment', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const fixtures = experimentFixtures(hub.app, ws);
    const customers = await fixtures.customers([
      { userId: 'gold-yes', profiling: true, plan: 'gold' },
      { userId: 'gold-no', profiling: false, plan: 'gold' },
      { userId: 'silver-yes', profiling: true, plan: 'silver' },
    ]);
    const segment = (await ws.call('POST', '/v1/segments', { name: 'Gold', purpose: 'profiling', rule: { version: 1, match: { trait: 'plan', op: 'eq', value: 'gold' } } })).json();
    await ws.call('POST', `/v1/segments/${segment.id}/snapshot`);
    const { experimentId } = await fixtures.experiment({ targetSegmentId: segment.id });
    const ids = ['gold-yes', 'gold-no', 'silver-yes'].map((u) => customers.get(u)!);
    const ask = async () => (await ws.call('GET', `/v1/experiments/${experimentId}/assignments?customerIds=${[...ids, 'nobody'].join(',')}`)).json().assignments;
    const first = await ask();
    expect(first.map((a: { outcome: string }) => a.outcome)).toEqual(['variant', 'no-consent', 'not-targeted', 'unknown-customer']);
    expect(['control', 'bold']).toContain(first[0].variantId);
    expect(await ask()).toEqual(first);
  });

  it('counts exposures and conversions from events as a hand count does, leaving out customers without profiling consent', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const fixtures = experimentFixtures(hub.app, ws);
    const { experimentId } = await fixtures.experiment({ primaryMetric: { kind: 'mean', event: 'Order Completed', valueProperty: 'revenue' }, guardrails: [{ name: 'Refunds', metric: { kind: 'conversion-rate', event: 'Order Refunded' }, direction: 'lower-is-better', tolerance: 0 }] });
    const ids = await fixtures.customers(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'x1', 'x2'].map((userId) => ({ userId, profiling: true })).concat([{ userId: 'denied', profiling: false }]));
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 9, minute)).toISOString();
    await fixtures.send([
      // a1: two exposures (the first decides), an order before its first exposure (not counted), two after.
      { userId: 'a1', event: 'Order Completed', properties: { revenue: 100 }, timestamp: at(1) },
      { userId: 'a1', event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: 'control' }, timestamp: at(2) },
      { userId: 'a1', event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: 'bold' }, timestamp: at(3) },
      { userId: 'a1', event: 'Order Completed', properties: { revenue: 10 }, timestamp: at(4) },
      { userId: 'a1', event: 'Order Completed', properties: { revenue: 5.5 }, timestamp: at(5) },
      { userId: 'a2', event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: 'control' }, timestamp: at(2) },
      { userId: 'a2', event: 'Order Refunded', properties: {}, timestamp: at(9) },
      { userId: 'a3', event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: 'control' }, timestamp: at(2) },
      { userId: 'a3', event: 'Order Completed', properties: { revenue: 'not a number' }, timestamp: at(3) },
      // Segment's name for the variant is read too.
      { userId: 'b1', event: 'Experiment Viewed', properties: { experiment_id: experimentId, variation_id: 'bold' }, timestamp: at(2) },
      { userId: 'b1', event: 'Order Completed', properties: { revenue: 20 }, timestamp: at(6) },
      { userId: 'b2', event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: 'bold' }, timestamp: at(2) },
      { userId: 'b2', event: 'Order Completed', properties: { revenue: 30 }, timestamp: at(7) },
      { userId: 'b3', event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: 'bold' }, timestamp: at(2) },
      // An exposure naming no variant (counted where assignment puts x1), one naming a variant the experiment lacks, and one of another experiment.
      { userId: 'x1', event: 'Experiment Viewed', properties: { experiment_id: experimentId }, timestamp: at(2) },
      { userId: 'x2', event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: 'mystery' }, timestamp: at(2) },
      { userId: 'x2', event: 'Experiment Viewed', properties: { experiment_id: 'another', variant_id: 'control' }, timestamp: at(2) },
      // No profiling consent: not counted at all.
      { userId: 'denied', event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: 'bold' }, timestamp: at(2) },
      { userId: 'denied', event: 'Order Completed', properties: { revenue: 1000 }, timestamp: at(3) },
    ]);
    const { results } = (await ws.call('GET', `/v1/experiments/${experimentId}/results`)).json();
    const x1 = assignVariant({ experimentId, customerId: ids.get('x1')!, holdoutShare: 0, variants: [{ id: 'control' }, { id: 'bold' }], weights: { control: 0.5, bold: 0.5 } });
    const plusX1 = (variantId: string) => (x1.kind === 'variant' && x1.variantId === variantId ? 1 : 0);
    expect(results.variants).toEqual([
      { variantId: 'control', name: 'Control', weight: 0.5, n: 3 + plusX1('control'), conversions: 2, sum: 15.5, sumSquares: 15.5 ** 2 },
      { variantId: 'bold', name: 'Bold hook', weight: 0.5, n: 3 + plusX1('bold'), conversions: 2, sum: 50, sumSquares: 20 ** 2 + 30 ** 2 },
    ]);
    expect(results.unattributed).toEqual([{ variantId: null, n: 1 }]);
    expect(results.analysis.variants.map((v: { name: string; mean: number }) => [v.name, v.mean])).toEqual([['control', 15.5 / (3 + plusX1('control'))], ['bold', 50 / (3 + plusX1('bold'))]]);
    expect(results.sampleRatio.mismatch).toBe(false);
    expect(results.guardrails[0].variants[0]).toMatchObject({ variantId: 'bold', relativeChange: -1, hurt: false });
    expect(results.decision.state).toBe('collecting');
  });

  it('counts exposures that name no variant where assignment puts them, the held-out ones apart (the SQL hash agrees with assignment.ts)', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const fixtures = experimentFixtures(hub.app, ws);
    const variants = [...baseDefinition.variants, { id: 'calm', name: 'Calm', ref: { recordType: 'render', recordId: 'render-calm' }, weight: 2 }];
    const { experimentId } = await fixtures.experiment({ variants, holdoutShare: 0.25 });
    const users = Array.from({ length: 80 }, (_, i) => `anon-${i}`);
    const ids = await fixtures.customers(users.map((userId) => ({ userId, profiling: true })));
    await fixtures.send(users.map((userId) => ({ userId, event: 'Experiment Viewed', properties: { experiment_id: experimentId }, timestamp: new Date(Date.UTC(2026, 10, 24, 9)).toISOString() })));
    const expected: Record<string, number> = { control: 0, bold: 0, calm: 0, '(holdout)': 0 };
    for (const userId of users) {
      const a = assignVariant({ experimentId, customerId: ids.get(userId)!, holdoutShare: 0.25, variants, weights: { control: 0.25, bold: 0.25, calm: 0.5 } });
      expected[a.kind === 'holdout' ? '(holdout)' : a.variantId]! += 1;
    }
    const { results } = (await ws.call('GET', `/v1/experiments/${experimentId}/results`)).json();
    expect(Object.fromEntries(results.variants.map((v: { variantId: string; n: number }) => [v.variantId, v.n]))).toEqual({ control: expected.control, bold: expected.bold, calm: expected.calm });
    expect(results.unattributed).toEqual(expected['(holdout)'] ? [{ variantId: '(holdout)', n: expected['(holdout)'] }] : []);
  });

  it('flags a sample-ratio mismatch on a skewed split and decides nothing', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const fixtures = experimentFixtures(hub.app, ws);
    const { experimentId } = await fixtures.experiment({});
    // 600 against 450 on a 50/50 split: chi-square 21.4, p ≈ 4e-6.
    const users = Array.from({ length: 1050 }, (_, i) => ({ userId: `u${i}`, profiling: true }));
    await fixtures.customers(users);
    await fixtures.send(users.map((u, i) => ({ userId: u.userId, event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: i < 600 ? 'control' : 'bold' }, timestamp: new Date(Date.UTC(2026, 10, 24, 9)).toISOString() })));
    const { results } = (await ws.call('GET', `/v1/experiments/${experimentId}/results`)).json();
    expect(results.variants.map((v: { n: number }) => v.n)).toEqual([600, 450]);
    expect(results.sampleRatio.statistic).toBeCloseTo((2 * 75 ** 2) / 525, 9);
    expect(results.sampleRatio.pValue).toBeLessThan(0.001);
    expect(results.sampleRatio.mismatch).toBe(true);
    expect(results.decision.state).toBe('sample-ratio-mismatch');
  });
});
