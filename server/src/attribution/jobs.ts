import { z } from 'zod';
import { getRun, updateRun } from '../db/attribution-store';
import type { HubServices } from '../http/services';
import type { JobQueue } from '../jobs/queue';
import type { ModelName, ModelOptions } from './models/types';
import type { AttributeFn } from './report';
import { runAttribution } from './run';
import { attributionSettingsOf } from './settings';

export const attributionJobNames = { run: 'attribution.run' } as const;
const retryLimit = 2;

type RunServices = Pick<HubServices, 'db' | 'now'>;

/**
 * Works one recorded run: reads its journeys (reporting progress), runs its
 * models, stores the report. A failure on the last attempt marks the run
 * failed with the reason; an earlier one leaves it for the retry.
 */
export async function executeRun(services: RunServices, run: { workspaceId: string; id: string }, options: { attribute: AttributeFn; finalAttempt: boolean; progress?: (done: number, total: number | null, phase: string) => Promise<void> }): Promise<'completed' | 'failed' | 'missing'> {
  const { workspaceId, id } = run;
  const row = await getRun(services.db, workspaceId, id);
  if (!row) return 'missing';
  await updateRun(services.db, workspaceId, id, { status: 'running' });
  try {
    const settings = await attributionSettingsOf(services, workspaceId);
    const report = await runAttribution(
      services.db,
      { workspaceId, models: row.models as ModelName[], modelOptions: row.model_options as ModelOptions, grouping: row.grouping, from: row.from_at, to: row.to_at },
      { settings, attribute: options.attribute, ...(options.progress && { progress: options.progress }) },
    );
    await updateRun(services.db, workspaceId, id, { status: 'completed', report, completedAt: services.now() });
    return 'completed';
  } catch (error) {
    if (!options.finalAttempt) throw error;
    await updateRun(services.db, workspaceId, id, { status: 'failed', error: error instanceof Error ? error.message : String(error), completedAt: services.now() });
    return 'failed';
  }
}

/** Attribution runs as jobs: the job carries only the run's id; the report lands on the run. */
export async function defineAttributionJobs(jobs: JobQueue, services: RunServices, attribute: AttributeFn): Promise<void> {
  await jobs.define({
    name: attributionJobNames.run,
    data: z.object({ runId: z.string().min(1).max(64) }),
    retryLimit,
    retryDelaySeconds: 30,
    timeoutSeconds: 60 * 60,
    run: async ({ runId }, job) => {
      const status = await executeRun(services, { workspaceId: job.workspaceId, id: runId }, { attribute, finalAttempt: job.attempt > retryLimit, progress: (done, total, phase) => job.progress(done, total, phase) });
      return { runId, status };
    },
  });
}
