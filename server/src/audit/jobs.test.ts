import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { testHub, testSigningKey, testWorkspace, waitFor } from '../../test/hub';
import type { HubDatabase } from '../db/database';
import { startJobQueue, systemWorkspaceId, type JobQueue } from '../jobs/queue';
import { auditJobNames, defineAuditJobs } from './jobs';

describe.each(hubDatabases)('the audit log’s jobs on $name', ({ open }) => {
  let database: HubDatabase;
  let jobs: JobQueue;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await open();
    jobs = await startJobQueue(database, { pollingIntervalSeconds: 0.5 });
    await defineAuditJobs(jobs, { db: database.db, now: () => new Date(), auditSigningKey: testSigningKey, auditKeys: [testSigningKey] }, { signEveryMinutes: 5 });
    app = await testHub(database, { jobs });
  }, 60_000);
  afterAll(async () => {
    await app.close();
    await jobs.stop();
    await database.close();
  });

  it('signs the chains, then removes events past retention behind a tombstone, as jobs the workspace can see', async () => {
    const ws = await testWorkspace(app, database);
    for (const name of ['a', 'b', 'c']) await ws.call('POST', '/v1/api-keys', { name, scopes: ['members.read'] });
    expect((await ws.call('PATCH', '/v1/workspace', { auditRetentionDays: 30 })).json().auditRetentionDays).toBe(30);
    expect((await ws.call('PATCH', '/v1/workspace', { auditRetentionDays: 3 })).json().error).toMatch(/auditRetentionDays: Too small/);
    // The first three events happened 40 days ago.
    await sql`update audit_events set recorded_at = now() - interval '40 days' where workspace_id = ${ws.id} and sequence <= 3`.execute(database.db);

    const signing = await jobs.send(auditJobNames.sign, systemWorkspaceId, {});
    expect((await waitFor(() => jobs.get(systemWorkspaceId, signing), (j) => j?.state === 'completed'))?.state).toBe('completed');
    const daily = await jobs.send(auditJobNames.retention, systemWorkspaceId, {});
    expect((await waitFor(() => jobs.get(systemWorkspaceId, daily), (j) => j?.state === 'completed'))?.output).toMatchObject({ queued: expect.any(Number) });

    const ownJob = await waitFor(async () => (await ws.call('GET', `/v1/jobs?name=${auditJobNames.retention}`)).json().jobs[0], (j) => j?.state === 'completed');
    expect(ownJob).toMatchObject({ state: 'completed', output: { outcome: 'removed', removedCount: 3 } });
    const verification = (await ws.call('GET', '/v1/audit/verify')).json();
    expect(verification).toMatchObject({ ok: true, tombstone: { throughSequence: 3 } });
    expect((await ws.call('GET', '/v1/audit/events?limit=500')).json().events.map((e: { sequence: number }) => e.sequence)).not.toContain(3);
  }, 60_000);
});
