import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { testWorkspace } from './hub';

type Workspace = Awaited<ReturnType<typeof testWorkspace>>;

/** A variant-pair experiment definition on a campaign, overridable field by field. */
export const baseDefinition = {
  variants: [
    { id: 'control', name: 'Control', ref: { recordType: 'render', recordId: 'render-control' } },
    { id: 'bold', name: 'Bold hook', ref: { recordType: 'render', recordId: 'render-bold' } },
  ],
  primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' },
};

/** Campaigns pushed as Studio pushes them, customers and events sent through a write key, experiments made through the API. */
export function experimentFixtures(app: FastifyInstance, ws: Workspace) {
  let writeKey: Awaited<ReturnType<Workspace['writeKey']>> | undefined;
  const key = async () => (writeKey ??= await ws.writeKey('Experiments site'));
  const fixtures = {
    deviceId: randomUUID(),
    async campaign(): Promise<{ campaignId: string; definition: typeof baseDefinition }> {
      const campaignId = randomUUID();
      const push = await ws.call('POST', '/v1/sync/push', { deviceId: fixtures.deviceId, mutations: [{ id: randomUUID(), recordType: 'campaign', recordId: campaignId, op: 'create', baseRev: 0, changes: { name: 'Spring launch', objective: 'conversion' }, deviceTime: new Date().toISOString() }] });
      if (push.json().results[0].status !== 'applied') throw new Error(`campaign push failed: ${push.body}`);
      return { campaignId, definition: baseDefinition };
    },
    /** A running experiment on a new campaign. */
    async experiment(overrides: Record<string, unknown>): Promise<{ experimentId: string; campaignId: string }> {
      const { campaignId } = await fixtures.campaign();
      const created = await ws.call('POST', '/v1/experiments', { campaignId, name: 'Hooks', definition: { ...baseDefinition, ...overrides } });
      if (created.statusCode !== 201) throw new Error(`experiment not created: ${created.body}`);
      const experimentId = created.json().id as string;
      const started = await ws.call('POST', `/v1/experiments/${experimentId}/start`, {});
      if (started.statusCode !== 200) throw new Error(`experiment not started: ${started.body}`);
      return { experimentId, campaignId };
    },
    /** Identifies customers (with or without profiling consent); answers their Hub ids by user id. */
    async customers(list: { userId: string; profiling: boolean; plan?: string }[]): Promise<Map<string, string>> {
      await fixtures.sendMessages(list.map((c) => ({ type: 'identify', userId: c.userId, traits: { key: c.userId, ...(c.plan && { plan: c.plan }) }, context: { consent: { categoryPreferences: { profiling: c.profiling } } }, timestamp: new Date(Date.UTC(2026, 10, 24, 8)).toISOString() })));
      const ids = new Map<string, string>();
      let after: string | null = null;
      do {
        const page = (await ws.call('GET', `/v1/customers?limit=500${after ? `&after=${after}` : ''}`)).json() as { customers: { id: string; traits: { key?: string } }[]; next: string | null };
        for (const customer of page.customers) if (customer.traits.key) ids.set(customer.traits.key, customer.id);
        after = page.next;
      } while (after);
      return ids;
    },
    /** Track events, in order. */
    async send(tracks: { userId: string; event: string; properties: Record<string, unknown>; timestamp: string }[]): Promise<void> {
      await fixtures.sendMessages(tracks.map((t) => ({ type: 'track', ...t })));
    },
    async sendMessages(messages: Record<string, unknown>[]): Promise<void> {
      const sender = await key();
      for (let i = 0; i < messages.length; i += 400) {
        const response = await sender.send('/v1/batch', { batch: messages.slice(i, i + 400) });
        if (response.statusCode !== 200) throw new Error(`ingest failed: ${response.body}`);
      }
    },
  };
  return fixtures;
}
