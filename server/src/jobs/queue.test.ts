import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hubDatabases } from '../../test/databases';
import type { HubDatabase } from '../db/database';
import { jobConnection } from '../db/job-connection';
import { JobDataError, deadLetterQueueOf, startJobQueue, systemWorkspaceId, type JobQueue, type JobStatus } from './queue';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(hubDatabases)('background jobs on $name', ({ open }) => {
  let hub: HubDatabase;
  let jobs: JobQueue;

  beforeAll(async () => {
    hub = await open();
    jobs = await startJobQueue(hub, { pollingIntervalSeconds: 0.5, scheduleIntervalSeconds: 1 });
    await jobs.define({
      name: 'thumbnail.render',
      data: z.object({ frames: z.number().int().positive() }),
      run: async ({ frames }, job) => ({ rendered: frames * 2, workspace: job.workspaceId }),
    });
  }, 60_000);
  afterAll(async () => {
    await jobs?.stop();
    await hub?.close();
  });

  /** Polls a job until `done` holds, and says where it stood if it never does. */
  async function waitFor(workspaceId: string, id: string, done: (job: JobStatus) => boolean, timeoutMs = 15_000): Promise<JobStatus> {
    const deadline = Date.now() + timeoutMs;
    let job: JobStatus | null = null;
    while (Date.now() < deadline) {
      job = await jobs.get(workspaceId, id);
      if (job && done(job)) return job;
      await sleep(100);
    }
    throw new Error(`Job ${id} never got there; last seen: ${JSON.stringify(job)}`);
  }

  it('runs a job and reports its output', async () => {
    const id = await jobs.send('thumbnail.render', 'ws-a', { frames: 12 });
    const job = await waitFor('ws-a', id, (j) => j.state === 'completed');
    expect(job).toMatchObject({ id, name: 'thumbnail.render', workspaceId: 'ws-a', attempts: 1, retryLimit: 3, error: null, runAfter: null });
    expect(job.output).toEqual({ rendered: 24, workspace: 'ws-a' });
    expect(Date.parse(job.completedAt!)).toBeGreaterThanOrEqual(Date.parse(job.startedAt!));
    const completed = await jobs.list('ws-a', { state: 'completed', limit: 20 });
    expect(completed.map((j) => j.id)).toContain(id);
  });

  it('retries a failing job with growing delays, dead-letters it, and runs it again when an admin retries', async () => {
    const runs: { attempt: number; at: number }[] = [];
    let crmIsBack = false;
    await jobs.define({
      name: 'crm.sync',
      data: z.object({ connectorId: z.string() }),
      retryLimit: 2,
      retryDelaySeconds: 1,
      run: async (_input, job) => {
        runs.push({ attempt: job.attempt, at: Date.now() });
        if (!crmIsBack) throw new Error(`The CRM refused attempt ${job.attempt}`);
        return 'synced';
      },
    });
    const id = await jobs.send('crm.sync', 'ws-a', { connectorId: 'hubspot-1' });

    const retrying = await waitFor('ws-a', id, (j) => j.state === 'retrying');
    expect(retrying.error).toBe('The CRM refused attempt 1');
    expect(retrying.attempts).toBe(1);
    expect(Date.parse(retrying.runAfter!) - Date.parse(retrying.startedAt!)).toBeGreaterThanOrEqual(1000);

    const dead = await waitFor('ws-a', id, (j) => j.state === 'dead-letter');
    expect(dead).toMatchObject({ attempts: 3, retryLimit: 2, error: 'The CRM refused attempt 3', output: null, runAfter: null });
    expect(runs.map((r) => r.attempt)).toEqual([1, 2, 3]);
    // Back-off: about 1-2 s before the first retry, 2-4 s before the second (a fixed 1 s delay would fail this).
    const [first, second, third] = runs.map((r) => r.at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual(950);
    expect(third - second).toBeGreaterThanOrEqual(1950);

    // pg-boss put a copy in the dead letter queue, carrying the workspace and the last error.
    const { rows } = await jobConnection(hub).executeSql('select data, output from pgboss.job where name = $1', [deadLetterQueueOf('crm.sync')]);
    expect(rows).toEqual([{ data: { workspaceId: 'ws-a', input: { connectorId: 'hubspot-1' } }, output: expect.objectContaining({ message: 'The CRM refused attempt 3' }) }]);
    expect((await jobs.list('ws-a', { state: 'dead-letter', limit: 20 })).map((j) => j.id)).toEqual([id]);
    // The copy is not a second job of the workspace's.
    expect((await jobs.list('ws-a', { limit: 100 })).filter((j) => j.name !== 'crm.sync' && j.name !== 'thumbnail.render')).toEqual([]);

    crmIsBack = true;
    expect(await jobs.retry('ws-b', id)).toBe(false);
    expect(await jobs.retry('ws-a', id)).toBe(true);
    const done = await waitFor('ws-a', id, (j) => j.state === 'completed');
    expect(done).toMatchObject({ attempts: 4, retryLimit: 3, output: 'synced', error: null });
    expect(await jobs.retry('ws-a', id)).toBe(false);
  }, 40_000);

  it("never shows or retries another workspace's job", async () => {
    const id = await jobs.send('thumbnail.render', 'ws-a', { frames: 1 });
    expect(await jobs.get('ws-a', id)).not.toBeNull();
    expect(await jobs.get('ws-b', id)).toBeNull();
    expect((await jobs.list('ws-b', { limit: 100 })).map((j) => j.id)).not.toContain(id);
    expect((await jobs.list('ws-a', { limit: 100 })).map((j) => j.id)).toContain(id);
    expect(await jobs.retry('ws-b', id)).toBe(false);
    expect(await jobs.get('ws-a', 'not-a-job-id')).toBeNull();
  });

  it('refuses bad data at send, naming the field, and queues nothing', async () => {
    const before = (await jobs.list('ws-c', { limit: 100 })).length;
    const refused = await jobs.send('thumbnail.render', 'ws-c', { frames: 'many' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(JobDataError);
    expect((refused as JobDataError).statusCode).toBe(400);
    expect((refused as Error).message).toMatch(/^Invalid data for job thumbnail\.render:\nframes: /);
    await expect(jobs.send('thumbnail.render', '', { frames: 1 })).rejects.toThrow(/workspace id/);
    await expect(jobs.send('no.such.job', 'ws-c', {})).rejects.toThrow(/No job named "no.such.job"/);
    expect((await jobs.list('ws-c', { limit: 100 })).length).toBe(before);
  });

  it('keeps one waiting singleton job per key and workspace, and delays a job asked to start later', async () => {
    await jobs.define({ name: 'segment.export', data: z.object({ segmentId: z.string() }), singleton: true, run: async () => 'exported' });
    const sentAt = Date.now();
    const first = await jobs.send('segment.export', 'ws-a', { segmentId: 's1' }, { singletonKey: 's1', startAfterSeconds: 60 });
    const again = await jobs.send('segment.export', 'ws-a', { segmentId: 's1' }, { singletonKey: 's1', startAfterSeconds: 60 });
    const otherKey = await jobs.send('segment.export', 'ws-a', { segmentId: 's2' }, { singletonKey: 's2', startAfterSeconds: 60 });
    const otherWorkspace = await jobs.send('segment.export', 'ws-b', { segmentId: 's1' }, { singletonKey: 's1', startAfterSeconds: 60 });
    expect(again).toBe(first);
    expect(new Set([first, otherKey, otherWorkspace]).size).toBe(3);
    const waiting = await jobs.get('ws-a', first);
    expect(waiting?.state).toBe('queued');
    expect(Date.parse(waiting!.runAfter!) - sentAt).toBeGreaterThan(55_000);
    await expect(jobs.send('thumbnail.render', 'ws-a', { frames: 1 }, { singletonKey: 'x' })).rejects.toThrow(/not a singleton/);
  });

  it('runs a scheduled system job', async () => {
    const runs: string[] = [];
    await jobs.define({
      name: 'audit.retention',
      data: z.object({ olderThanDays: z.number() }),
      run: async ({ olderThanDays }, job) => {
        runs.push(job.workspaceId);
        return { olderThanDays };
      },
    });
    await expect(jobs.schedule('audit.retention', '* * * * *', { olderThanDays: 'ninety' })).rejects.toThrow(/olderThanDays/);
    await jobs.schedule('audit.retention', '* * * * *', { olderThanDays: 90 });
    try {
      const deadline = Date.now() + 15_000;
      while (runs.length === 0 && Date.now() < deadline) await sleep(100);
      expect(runs[0]).toBe(systemWorkspaceId);
      const [ran] = await jobs.list(systemWorkspaceId, { name: 'audit.retention', limit: 5 });
      expect(ran?.workspaceId).toBe(systemWorkspaceId);
    } finally {
      await jobs.unschedule('audit.retention');
    }
  }, 30_000);

  it('stop() waits for a running job to finish and be recorded', async () => {
    const worker = await startJobQueue(hub, { pollingIntervalSeconds: 0.5 });
    let started!: () => void;
    const hasStarted = new Promise<void>((resolve) => (started = resolve));
    let finished = false;
    await worker.define({
      name: 'render.slow',
      data: z.object({}),
      run: async () => {
        started();
        await sleep(1500);
        finished = true;
        return 'rendered';
      },
    });
    const id = await worker.send('render.slow', 'ws-a', {});
    await hasStarted;
    await worker.stop();
    expect(finished).toBe(true);
    const job = await jobs.get('ws-a', id);
    expect(job).toMatchObject({ state: 'completed', output: 'rendered' });
  }, 30_000);
});
