import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { HubDatabase } from '../src/db/database';
import { defineConnectorJobs } from '../src/connectors/jobs';
import type { ConnectorServices } from '../src/connectors/sync-run';
import { startJobQueue, type JobQueue } from '../src/jobs/queue';
import { definePrivacyJobs } from '../src/privacy/jobs';
import { testCipher, testHub, testWorkspace } from './hub';

/** The back-off the connector tests use: the documented policy, with a short first wait. */
export const quickRetries = { retries: 6, minDelayMs: 50 };

/** A Hub with its job queue running the connector and privacy jobs, for one describe block. */
export function connectorHub(open: () => Promise<HubDatabase>) {
  const hub = {} as { database: HubDatabase; app: FastifyInstance; jobs: JobQueue; services: ConnectorServices };
  beforeAll(async () => {
    hub.database = await open();
    hub.jobs = await startJobQueue(hub.database, { pollingIntervalSeconds: 0.5 });
    hub.services = { db: hub.database.db, cipher: testCipher, now: () => new Date(), connectorOptions: quickRetries };
    await defineConnectorJobs(hub.jobs, hub.services);
    await definePrivacyJobs(hub.jobs, { db: hub.database.db, cipher: testCipher, now: () => new Date() });
    hub.app = await testHub(hub.database, { jobs: hub.jobs, publicUrl: 'http://127.0.0.1:4400' });
  }, 60_000);
  afterAll(async () => {
    await hub.app?.close();
    await hub.jobs?.stop();
    await hub.database?.close();
  });
  return hub;
}

export interface ShopCustomer {
  userId: string;
  email: string;
  name: string;
  plan: string;
  consent: boolean;
  /** A company trait, sent when set (a Salesforce Lead needs one). */
  company?: string;
}

/** Customers as a website would send them (identify with traits and consent), through the Hub's ingest. */
export async function ingestCustomers(workspace: Awaited<ReturnType<typeof testWorkspace>>, customers: ShopCustomer[]): Promise<void> {
  const source = await workspace.writeKey();
  for (let at = 0; at < customers.length; at += 100) {
    const batch = customers.slice(at, at + 100).map((c) => ({ type: 'identify', userId: c.userId, traits: { email: c.email, name: c.name, plan: c.plan, ...(c.company !== undefined && { company: c.company }) }, context: { consent: { categoryPreferences: { 'email-marketing': c.consent } } } }));
    const response = await source.send('/v1/batch', { batch });
    if (response.statusCode >= 300) throw new Error(`ingest failed: ${response.body}`);
  }
}

export function shopCustomers(prefix: string, count: number, options: Partial<ShopCustomer> = {}): ShopCustomer[] {
  return Array.from({ length: count }, (_, i) => ({ userId: `${prefix}-${i}`, email: `${prefix}-${i}@shop.example`, name: `Ada ${prefix}${i} Lovelace`, plan: 'gold', consent: true, ...options }));
}

/** A gold-plan segment for email marketing, snapshotted, and its id. */
export async function goldSegment(workspace: Awaited<ReturnType<typeof testWorkspace>>): Promise<string> {
  const segment = (await workspace.call('POST', '/v1/segments', { name: 'Gold customers', purpose: 'email-marketing', rule: { version: 1, match: { trait: 'plan', op: 'eq', value: 'gold' } } })).json();
  await workspace.call('POST', `/v1/segments/${segment.id}/snapshot`);
  return segment.id;
}

export async function profileIdOf(workspace: Awaited<ReturnType<typeof testWorkspace>>, userId: string): Promise<string> {
  return (await workspace.call('GET', `/v1/customers?identifier=user_id:${userId}`)).json().customers[0].id;
}
