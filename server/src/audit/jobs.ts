import { z } from 'zod';
import { workspacesWithAuditRetention } from '../db/identity-store';
import type { HubServices } from '../http/services';
import { systemWorkspaceId, type JobQueue } from '../jobs/queue';
import { signCheckpoints } from './checkpoints';
import { applyRetention } from './retention';

export const auditJobNames = { sign: 'audit.sign-checkpoints', retention: 'audit.retention' } as const;

/**
 * The audit log's background work: signing the chains' heads every few
 * minutes, and removing events past each workspace's retention once a day
 * (the daily run queues one job per workspace, which that workspace's
 * admins can see and retry).
 */
export async function defineAuditJobs(jobs: JobQueue, services: Pick<HubServices, 'db' | 'now' | 'auditSigningKey' | 'auditKeys'>, options: { signEveryMinutes: number }): Promise<void> {
  const previousKeys = services.auditKeys.filter((key) => key.keyId !== services.auditSigningKey.keyId);
  await jobs.define({
    name: auditJobNames.sign,
    data: z.object({}),
    singleton: true,
    retryLimit: 2,
    run: async () => {
      const run = await signCheckpoints(services.db, services.auditSigningKey, services.now(), { previousKeys });
      return JSON.parse(JSON.stringify(run)) as unknown;
    },
  });
  await jobs.define({
    name: auditJobNames.retention,
    data: z.object({}),
    singleton: true,
    retryLimit: 3,
    retryDelaySeconds: 60,
    run: async (_input, job) => {
      if (job.workspaceId === systemWorkspaceId) {
        const workspaces = await workspacesWithAuditRetention(services.db);
        for (const workspaceId of workspaces) await jobs.send(auditJobNames.retention, workspaceId, {});
        return { queued: workspaces.length };
      }
      const outcome = await applyRetention(services.db, job.workspaceId, services.auditSigningKey, services.now(), { previousKeys });
      // Events that no longer verify are evidence: the job fails (and is retried, then dead-lettered) rather than remove them.
      if (outcome.outcome === 'refused') throw new Error(`Retention refused: ${outcome.verification.message}`);
      return JSON.parse(JSON.stringify(outcome)) as unknown;
    },
  });
  await jobs.schedule(auditJobNames.sign, `*/${options.signEveryMinutes} * * * *`, {});
  await jobs.schedule(auditJobNames.retention, '17 3 * * *', {});
}
