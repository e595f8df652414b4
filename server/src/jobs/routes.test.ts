import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hubDatabases } from '../../test/databases';
import { testHub, testWorkspace, waitFor } from '../../test/hub';
import { readAuditEvents } from '../db/audit-store';
import type { HubDatabase } from '../db/database';
import { startJobQueue, type JobQueue } from './queue';

describe.each(hubDatabases)('jobs over HTTP on $name', ({ open }) => {
  let database: HubDatabase;
  let jobs: JobQueue;
  let app: FastifyInstance;
  let failuresLeft = 0;
  beforeAll(async () => {
    database = await open();
    jobs = await startJobQueue(database, { pollingIntervalSeconds: 0.5 });
    await jobs.define({
      name: 'test.flaky-export',
      data: z.object({ rows: z.number().int() }),
      retryLimit: 0,
      retryDelaySeconds: 1,
      run: async (input) => {
        if (failuresLeft-- > 0) throw new Error('the CRM did not answer');
        return { exported: input.rows };
      },
    });
    app = await testHub(database, { jobs });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await jobs.stop();
    await database.close();
  });

  it('shows a job that used up its retries as dead-lettered, and an admin can run it again', async () => {
    const ws = await testWorkspace(app, database);
    failuresLeft = 1;
    const id = await jobs.send('test.flaky-export', ws.id, { rows: 12 });
    const dead = await waitFor(async () => (await ws.call('GET', `/v1/jobs/${id}`)).json(), (job) => job.state === 'dead-letter');
    expect(dead).toMatchObject({ id, name: 'test.flaky-export', state: 'dead-letter', error: 'the CRM did not answer', attempts: 1 });
    expect((await ws.call('GET', '/v1/jobs?state=dead-letter')).json().jobs.map((j: { id: string }) => j.id)).toEqual([id]);

    const analyst = await ws.member('analyst');
    expect((await ws.call('GET', `/v1/jobs/${id}`, undefined, analyst.token)).statusCode).toBe(200);
    expect((await ws.call('POST', `/v1/jobs/${id}/retry`, undefined, analyst.token)).statusCode).toBe(403);
    expect((await ws.call('POST', `/v1/jobs/${id}/retry`)).statusCode).toBe(200);
    const done = await waitFor(async () => (await ws.call('GET', `/v1/jobs/${id}`)).json(), (job) => job.state === 'completed');
    expect(done).toMatchObject({ state: 'completed', output: { exported: 12 } });
    expect((await ws.call('POST', `/v1/jobs/${id}/retry`)).statusCode).toBe(404);
    expect((await readAuditEvents(database.db, ws.id)).filter((e) => e.action === 'job.retried')).toHaveLength(1);
    expect((await ws.call('GET', '/v1/jobs?state=sleeping')).json().error).toMatch(/state: Invalid option/);
  }, 60_000);
});
