import { z } from 'zod';
import { connectionsToSync } from '../db/connector-store';
import type { JobQueue } from '../jobs/queue';
import { runConnectorSync, type ConnectorServices } from './sync-run';

export const connectorJobNames = { sync: 'connectors.sync', syncDue: 'connectors.sync-due' } as const;

/**
 * A sync per connection, one at a time (a singleton per connection): the job
 * carries the connection's id only. A failed run is retried with back-off;
 * committed batches and the saved cursor make the retry resume, not restart.
 * With `syncEveryMinutes`, a schedule queues a sync of every authorized
 * connection that often.
 */
export async function defineConnectorJobs(jobs: JobQueue, services: ConnectorServices, options: { syncEveryMinutes?: number } = {}): Promise<void> {
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
  await jobs.define({
    name: connectorJobNames.syncDue,
    data: z.object({}),
    singleton: true,
    run: async () => {
      const connections = await connectionsToSync(services.db);
      // A connection whose sync still waits keeps that one job (singleton per connection).
      for (const c of connections) await jobs.send(connectorJobNames.sync, c.workspace_id, { connectionId: c.id }, { singletonKey: c.id });
      return { queued: connections.length };
    },
  });
  if (options.syncEveryMinutes) await jobs.schedule(connectorJobNames.syncDue, `*/${options.syncEveryMinutes} * * * *`, {});
}
