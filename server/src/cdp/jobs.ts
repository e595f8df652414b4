import { z } from 'zod';
import { removeEventsBefore, workspacesWithEventRetention } from '../db/cdp-store';
import { forgetRollupsBefore } from '../db/experiment-rollup-store';
import type { HubServices } from '../http/services';
import { systemWorkspaceId, type JobQueue } from '../jobs/queue';

export const cdpJobNames = { eventRetention: 'cdp.event-retention' } as const;

/**
 * Raw events past a workspace's retention are removed each night; what the
 * profiles learned from them (counters, first and last seen, traits,
 * consent) stays. The nightly run queues one job per workspace.
 */
export async function defineCdpJobs(jobs: JobQueue, services: Pick<HubServices, 'db' | 'now'>): Promise<void> {
  await jobs.define({
    name: cdpJobNames.eventRetention,
    data: z.object({}),
    singleton: true,
    retryLimit: 3,
    retryDelaySeconds: 60,
    run: async (_input, job) => {
      const workspaces = await workspacesWithEventRetention(services.db);
      if (job.workspaceId === systemWorkspaceId) {
        for (const workspace of workspaces) await jobs.send(cdpJobNames.eventRetention, workspace.id, {});
        return { queued: workspaces.length };
      }
      const days = workspaces.find((w) => w.id === job.workspaceId)?.days;
      if (!days) return { removed: 0, reason: 'kept forever' };
      const cutoff = new Date(services.now().getTime() - days * 24 * 3600_000);
      const removed = await removeEventsBefore(services.db, job.workspaceId, cutoff);
      // Experiments that counted a removed event are built again from what is left, as their raw totals now read.
      const experimentsToRebuild = removed > 0 ? await forgetRollupsBefore(services.db, job.workspaceId, cutoff) : 0;
      return { removed, before: cutoff.toISOString(), experimentsToRebuild };
    },
  });
  await jobs.schedule(cdpJobNames.eventRetention, '41 3 * * *', {});
}
