import { z } from 'zod';
import { removeEventsBefore, workspacesWithEventRetention } from '../db/cdp-store';
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
      return { removed: await removeEventsBefore(services.db, job.workspaceId, cutoff), before: cutoff.toISOString() };
    },
  });
  await jobs.schedule(cdpJobNames.eventRetention, '41 3 * * *', {});
}
