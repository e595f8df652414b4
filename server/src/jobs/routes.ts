import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import { audited, callerOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import type { JobQueue } from './queue';

const jobOut = z.object({
  id: z.string(),
  name: z.string(),
  state: z.enum(['queued', 'active', 'retrying', 'completed', 'failed', 'cancelled', 'dead-letter']),
  attempts: z.number(),
  retryLimit: z.number(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  runAfter: z.string().nullable(),
  completedAt: z.string().nullable(),
  error: z.string().nullable(),
  output: z.unknown(),
  progress: z.object({ done: z.number(), total: z.number().nullable(), phase: z.string().nullable(), updatedAt: z.string() }).nullable().describe('How far the job got, for jobs that report it'),
});

/** The workspace's background jobs: their state, and retrying one that used up its retries. */
export function jobRoutes(app: FastifyInstance, services: HubServices, jobs: JobQueue): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const present = ({ workspaceId: _workspaceId, ...job }: Awaited<ReturnType<JobQueue['get']>> & object) => job;

  r.get(
    '/v1/jobs',
    { schema: { tags: ['jobs'], summary: "The workspace's jobs, newest first", querystring: z.object({ name: z.string().min(1).max(120).optional(), state: jobOut.shape.state.optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }), response: { 200: z.object({ jobs: z.array(jobOut) }), ...errorResponses } }, config: { access: { permission: 'jobs.read' } } },
    async (request) => ({ jobs: (await jobs.list(callerOf(request).workspaceId, request.query)).map(present) }),
  );

  r.get('/v1/jobs/:id', { schema: { tags: ['jobs'], summary: "One job's state, attempts, error and output", params: idParams, response: { 200: jobOut, ...errorResponses } }, config: { access: { permission: 'jobs.read' } } }, async (request) => {
    const job = await jobs.get(callerOf(request).workspaceId, request.params.id);
    if (!job) throw new HubError(404, `No job ${request.params.id} in this workspace.`, 'not-found');
    return present(job);
  });

  r.post('/v1/jobs/:id/retry', { schema: { tags: ['jobs'], summary: 'Run a failed or dead-lettered job again', params: idParams, response: { 200: jobOut, ...errorResponses } }, config: { access: { permission: 'jobs.manage' } } }, async (request) => {
    const { workspaceId } = callerOf(request);
    // The queue works on its own connection (on the embedded database, the same one a transaction would hold), so retry first, then record it.
    if (!(await jobs.retry(workspaceId, request.params.id))) throw new HubError(404, `No failed or dead-lettered job ${request.params.id} in this workspace.`, 'not-found');
    await audited(request, services, { action: 'job.retried', target: { kind: 'job', id: request.params.id } }, async () => undefined);
    return present((await jobs.get(workspaceId, request.params.id))!);
  });
}
