import { setImmediate as nextTurn } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import { z } from 'zod';
import { ValidationError, parseOrThrow } from '../../../src/shared/validation';
import type { HubDatabase } from '../db/database';
import { findWaitingJob, jobConnection, readJobs } from '../db/job-connection';
import { jobProgress, saveJobProgress } from '../db/job-progress-store';
import { pgBossStates, toJobStatus, type JobStatus } from './job-status';

export type { JobStatus } from './job-status';

/** The workspace that system jobs (schedules such as audit checkpoints and retention) run under. */
export const systemWorkspaceId = 'hub';

/** What a handler learns about the job it runs. */
export interface RunningJob {
  id: string;
  workspaceId: string;
  /** 1 on the first run, 2 on the first retry, ... */
  attempt: number;
  /** Records how far the job got (`done` of `total`, in the job's own units), which its status shows. */
  progress(done: number, total?: number | null, phase?: string): Promise<void>;
}

/** One kind of background work: its name, the data it takes, what it does and how it retries. */
export interface JobDefinition<T> {
  /** The queue's name, e.g. `audit.sign-checkpoints`. */
  name: string;
  /** Checks the data at send and again when the job runs (a job may wait across a deploy), so keep it free of transforms. */
  data: z.ZodType<T>;
  /** Does the work; what it returns is the job's output. A throw fails this attempt. */
  run(input: T, job: RunningJob): Promise<unknown>;
  /** Retries after the first run before the job goes to its dead letter queue (default 3). */
  retryLimit?: number;
  /** Wait before the first retry, in whole seconds (default 10); each later retry waits about twice as long as the one before. */
  retryDelaySeconds?: number;
  /** A run that takes longer fails (default 15 minutes). */
  timeoutSeconds?: number;
  /** At most one job per singleton key (by default, per workspace) waits, and one runs, at a time. */
  singleton?: boolean;
}

export interface JobQueue {
  /** Enqueues work for a workspace; the definition's schema checks `data`. Returns the job id (for a singleton already waiting, that job's id). */
  send(name: string, workspaceId: string, data: unknown, options?: { singletonKey?: string; startAfterSeconds?: number }): Promise<string>;
  /** Registers a kind of job and starts working its queue. */
  define<T>(definition: JobDefinition<T>): Promise<void>;
  /** Runs a defined job for the system workspace on a cron schedule (UTC, minute resolution); one schedule per job name. */
  schedule(name: string, cron: string, data?: unknown): Promise<void>;
  unschedule(name: string): Promise<void>;
  /** Null for an unknown id and for another workspace's job. */
  get(workspaceId: string, id: string): Promise<JobStatus | null>;
  /** A workspace's jobs, newest first (live and archived). */
  list(workspaceId: string, filter: { name?: string; state?: JobStatus['state']; limit: number }): Promise<JobStatus[]>;
  /** Runs a dead-lettered (or failed) job once more; false if it is not this workspace's or has not failed. */
  retry(workspaceId: string, id: string): Promise<boolean>;
  /** Stops taking jobs, waits for the running ones to finish (up to the stop timeout), then stops polling. */
  stop(): Promise<void>;
}

export interface JobQueueOptions {
  /** How often each queue looks for work (default 2 s, at least 0.5 s). */
  pollingIntervalSeconds?: number;
  /** How often schedules are checked (default 30 s, 1 to 45 s). */
  scheduleIntervalSeconds?: number;
  /** How long stop() waits for running jobs before failing them (default 30 s; they are retried). */
  stopTimeoutSeconds?: number;
  /** pg-boss's own failures (a poll that could not reach the database, ...). */
  onError?: (error: Error) => void;
}

/** Data that does not fit a job's schema; answers 400 when it reaches the HTTP error handler. */
export class JobDataError extends ValidationError {
  override name = 'JobDataError';
  readonly statusCode = 400;
}

/** Each job's data in pg-boss: the workspace it belongs to, beside its checked input. */
const envelope = z.object({ workspaceId: z.string().min(1), input: z.unknown() });
const jobId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const workspaceIdSchema = z.string().min(1, 'a workspace id is required');

export const deadLetterQueueOf = (name: string) => `${name}.dead-letter`;

/** Starts pg-boss on the Hub's own database (installing or migrating its schema `pgboss` on first start). */
export async function startJobQueue(database: HubDatabase, options: JobQueueOptions = {}): Promise<JobQueue> {
  const connection = jobConnection(database);
  const pollingIntervalSeconds = options.pollingIntervalSeconds ?? 2;
  const scheduleIntervalSeconds = options.scheduleIntervalSeconds ?? 30;
  const boss = new PgBoss({
    db: connection,
    pollingIntervalSeconds,
    cronMonitorIntervalSeconds: scheduleIntervalSeconds,
    cronWorkerIntervalSeconds: Math.min(scheduleIntervalSeconds, 5),
  });
  // An EventEmitter without an 'error' listener would throw, and take the Hub down with it.
  boss.on('error', options.onError ?? ((error) => process.emitWarning(error)));
  await boss.start();

  const definitions = new Map<string, JobDefinition<unknown>>();
  let running = 0;

  const definitionOf = (name: string) => {
    const definition = definitions.get(name);
    if (!definition) throw new Error(`No job named "${name}" is defined; known jobs: ${[...definitions.keys()].join(', ') || 'none'}.`);
    return definition;
  };
  const checkInput = (definition: JobDefinition<unknown>, data: unknown) => {
    try {
      return parseOrThrow(definition.data, data, `data for job ${definition.name}`);
    } catch (error) {
      if (error instanceof ValidationError) throw new JobDataError(error.what, error.issues, error.message);
      throw error;
    }
  };

  const queue: JobQueue = {
    async define<T>(definition: JobDefinition<T>) {
      const { name } = definition;
      if (definitions.has(name)) throw new Error(`The job "${name}" is already defined.`);
      const settings: PgBoss.Queue = {
        name,
        policy: definition.singleton ? 'stately' : 'standard',
        retryLimit: definition.retryLimit ?? 3,
        retryDelay: definition.retryDelaySeconds ?? 10,
        retryBackoff: true,
        deadLetter: deadLetterQueueOf(name),
        ...(definition.timeoutSeconds ? { expireInSeconds: definition.timeoutSeconds } : {}),
      };
      await boss.createQueue(deadLetterQueueOf(name));
      await boss.createQueue(name, settings);
      // The code is the source of truth: a changed retry policy applies to jobs sent from now on.
      await boss.updateQueue(name, settings);
      definitions.set(name, definition as JobDefinition<unknown>);
      await boss.work<z.infer<typeof envelope>>(name, { pollingIntervalSeconds, includeMetadata: true }, async ([job]) => {
        if (!job) return undefined;
        running += 1;
        try {
          const { workspaceId, input } = envelope.parse(job.data);
          let total: number | null = null;
          const progress = async (done: number, given?: number | null, phase?: string) => {
            if (given !== undefined) total = given;
            await saveJobProgress(database.db, { workspaceId, jobId: job.id, done, total, phase: phase ?? null, at: new Date() });
          };
          const output = await definition.run(checkInput(definition, input) as T, { id: job.id, workspaceId, attempt: job.retryCount + 1, progress });
          // Wrapped, so that any output (a string, an array) reads back the same.
          return { value: output ?? null };
        } finally {
          running -= 1;
        }
      });
    },

    async send(name, workspaceId, data, sendOptions = {}) {
      const definition = definitionOf(name);
      const workspace = parseOrThrow(workspaceIdSchema, workspaceId, 'workspace id');
      const input = checkInput(definition, data);
      if (sendOptions.singletonKey !== undefined && !definition.singleton) {
        throw new Error(`The job "${name}" is not a singleton; define it with singleton: true to use a singleton key.`);
      }
      // Keys are per workspace: one tenant's key never holds back another's job.
      const singletonKey = definition.singleton ? `${workspace}:${sendOptions.singletonKey ?? ''}` : undefined;
      const jobOptions: PgBoss.SendOptions = {
        ...(singletonKey ? { singletonKey } : {}),
        ...(sendOptions.startAfterSeconds ? { startAfter: sendOptions.startAfterSeconds } : {}),
      };
      // A singleton send finds its key taken or the waiting job just started; a second look settles it.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const id = await boss.send(name, { workspaceId: workspace, input: input as object }, jobOptions);
        if (id) return id;
        const waiting = singletonKey ? await findWaitingJob(connection, name, singletonKey) : null;
        if (waiting) return waiting;
      }
      throw new Error(`The job "${name}" could not be queued; try again.`);
    },

    async schedule(name, cron, data) {
      const input = checkInput(definitionOf(name), data);
      await boss.schedule(name, cron, { workspaceId: systemWorkspaceId, input: input as object }, { tz: 'UTC' });
    },

    async unschedule(name) {
      await boss.unschedule(name);
    },

    async get(workspaceId, id) {
      if (!jobId.test(id)) return null;
      const [row] = await readJobs(connection, { workspaceId, id, limit: 1 });
      return row ? toJobStatus(row, (await jobProgress(database.db, workspaceId, [row.id])).get(row.id)) : null;
    },

    async list(workspaceId, filter) {
      const limit = Math.min(Math.max(Math.trunc(filter.limit), 1), 500);
      const rows = await readJobs(connection, { workspaceId, limit, ...(filter.name ? { name: filter.name } : {}), ...(filter.state ? { state: pgBossStates[filter.state] } : {}) });
      const progress = await jobProgress(database.db, workspaceId, rows.map((r) => r.id));
      return rows.map((row) => toJobStatus(row, progress.get(row.id)));
    },

    async retry(workspaceId, id) {
      const job = await queue.get(workspaceId, id);
      if (!job || (job.state !== 'dead-letter' && job.state !== 'failed')) return false;
      // Typed as void, pg-boss 10 answers with how many jobs it moved back to `retry`.
      const result = (await boss.retry(job.name, id)) as unknown as { affected: number };
      return result.affected === 1;
    },

    async stop() {
      await boss.stop({ graceful: true, wait: true, close: false, timeout: (options.stopTimeoutSeconds ?? 30) * 1000 });
      // pg-boss records a finished job without waiting for the write, and a poll under way may still hand out a
      // job: wait until no handler runs and no statement is in flight, a turn of the event loop apart.
      do {
        await connection.settled();
        await nextTurn();
        while (running > 0) await new Promise((resolve) => setTimeout(resolve, 20));
      } while (connection.busy());
    },
  };
  return queue;
}
