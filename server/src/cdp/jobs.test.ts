import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { testHub, testWorkspace, waitFor } from '../../test/hub';
import type { HubDatabase } from '../db/database';
import { startJobQueue, systemWorkspaceId, type JobQueue } from '../jobs/queue';
import { cdpJobNames, defineCdpJobs } from './jobs';

describe.each(hubDatabases)('raw event retention on $name', ({ open }) => {
  let database: HubDatabase;
  let jobs: JobQueue;
  let app: FastifyInstance;
  const now = new Date('2026-11-24T12:00:00Z');
  beforeAll(async () => {
    database = await open();
    jobs = await startJobQueue(database, { pollingIntervalSeconds: 0.5 });
    await defineCdpJobs(jobs, { db: database.db, now: () => now });
    app = await testHub(database, { jobs });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await jobs.stop();
    await database.close();
  });

  it('removes events past the retention each night, while the profile keeps what it learned', async () => {
    const ws = await testWorkspace(app, database);
    const { send } = await ws.writeKey();
    const batch = ['2026-09-01', '2026-10-01', '2026-11-20'].map((day, i) => ({ type: 'track', messageId: `e${i}`, userId: 'u1', event: 'Visit', timestamp: `${day}T10:00:00Z` }));
    await send('/v1/batch', { batch });
    expect((await ws.call('PATCH', '/v1/workspace', { eventRetentionDays: 30 })).json().eventRetentionDays).toBe(30);

    await jobs.send(cdpJobNames.eventRetention, systemWorkspaceId, {});
    const own = await waitFor(async () => (await ws.call('GET', `/v1/jobs?name=${cdpJobNames.eventRetention}`)).json().jobs[0], (job) => job?.state === 'completed');
    expect(own).toMatchObject({ state: 'completed', output: { removed: 2 } });
    const events = await database.db.selectFrom('events').select('message_id').where('workspace_id', '=', ws.id).execute();
    expect(events.map((e) => e.message_id)).toEqual(['e2']);
    const [customer] = (await ws.call('GET', '/v1/customers')).json().customers;
    expect(customer).toMatchObject({ eventCount: 3, firstSeenAt: '2026-09-01T10:00:00.000Z' });
  }, 60_000);
});
