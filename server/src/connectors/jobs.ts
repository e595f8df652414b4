import { z } from 'zod';
import type { JobQueue } from '../jobs/queue';
import { runConnectorSync, type ConnectorServices } from './sync-run';

export const connectorJobNames = { sync: 'connectors.sync' } as const;

/**
 * A sync per connection, one at a time (a singleton per connection): the job
 * carries the connection's id only. A failed run is retried with back-off;
 * committed batches and the saved cursor make the retry resume, not restart.
 */
export async function defineConnectorJobs(jobs: JobQueue, services: ConnectorServices): Promise<void> {
  await jobs.define({
    name: connectorJobNames.sync,
    data: z.object({ connectionId: z.string().min(1).max(64) }),
    singleton: true,
    retryLimit: 3,
    retryDelaySeconds: 60,
    timeoutSeconds: 2 * 60 * 60,
    run: async ({ connectionId }, job) => {
      const summary = await runConnectorSync(services, { workspaceId: job.workspaceId, connectionId, jobId: job.id });
      return { connectionId, runId: summary.runId, pushed: summary.pushed, updated: summary.updated, removed: summary.removed, failed: summary.failed, pulled: summary.pulled };
    },
  });
}
