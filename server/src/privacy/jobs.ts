import { z } from 'zod';
import type { JobQueue } from '../jobs/queue';
import type { PersonalDataEraser } from './erasers';
import { runPrivacyRequest, type PrivacyServices } from './requests';

export const privacyJobNames = { request: 'privacy.request' } as const;
const retryLimit = 3;

/**
 * Runs data-subject requests in the background, so one survives a restart
 * and is retried after a failure. The job carries only the request's id, and
 * returns only its status: the queue's own tables never hold personal data.
 */
export async function definePrivacyJobs(jobs: JobQueue, services: PrivacyServices, options: { erasers?: readonly PersonalDataEraser[] } = {}): Promise<void> {
  await jobs.define({
    name: privacyJobNames.request,
    data: z.object({ requestId: z.string().min(1).max(64) }),
    retryLimit,
    retryDelaySeconds: 30,
    timeoutSeconds: 30 * 60,
    run: async ({ requestId }, job) => {
      const outcome = await runPrivacyRequest(services, { workspaceId: job.workspaceId, id: requestId }, { finalAttempt: job.attempt > retryLimit, ...options });
      if (outcome.status === 'pending' || outcome.status === 'failed') throw new Error(`Privacy request ${requestId}: ${outcome.error}`);
      return { requestId, status: outcome.status };
    },
  });
}
