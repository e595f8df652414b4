import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import { identifierHash, identifierText } from '../cdp/identifiers';
import type { IdentifierKind } from '../cdp/identity-graph';
import * as store from '../db/privacy-store';
import { audited, callerOf } from '../http/access';
import { errorBody, errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import type { JobQueue } from '../jobs/queue';
import { privacyJobNames } from './jobs';
import { runPrivacyRequest, type PrivacyResult } from './requests';

const requestSummary = z.object({
  id: z.string(),
  kind: z.enum(['export', 'erase']),
  /** Which kind of identifier named the subject; the identifier itself is never shown again. */
  subjectKind: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  requestedBy: z.string(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
  error: z.string().nullable(),
});
const requestDetail = requestSummary.extend({
  outcome: z
    .object({ found: z.boolean().nullable(), message: z.string().nullable(), erased: z.record(z.string(), z.number()).nullable(), download: z.string().nullable() })
    .nullable()
    .describe('Once completed: whether a customer was found, what was erased, or where the export is'),
});
const responses = { ...errorResponses, 409: errorBody, 410: errorBody };

/**
 * Data-subject requests: export everything about a person, or erase them.
 * A request is recorded (and audited) at once, then worked on: by the job
 * queue when the app has one (it survives restarts and is retried), or, when
 * it has none (tests, tools that embed the Hub), in process through the same
 * function before the answer is sent, so the answer already shows the outcome.
 */
export function privacyRequestRoutes(app: FastifyInstance, services: HubServices, jobs: JobQueue | undefined): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const access = { access: { permission: 'privacy.manage' as const } };

  const summary = (row: Pick<store.PrivacyRequestRow, 'id' | 'kind' | 'subject_kind' | 'status' | 'requested_by' | 'created_at' | 'completed_at' | 'error'>) => ({
    id: row.id,
    kind: row.kind,
    subjectKind: row.subject_kind,
    status: row.status,
    requestedBy: row.requested_by,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
    error: row.error,
  });
  const detail = (row: store.PrivacyRequestRow) => {
    const result = row.result as PrivacyResult | null;
    const found = result && 'found' in result ? result.found : null;
    return {
      ...summary(row),
      outcome: result && {
        found,
        message: 'message' in result ? result.message : 'removed' in result ? result.removed : null,
        erased: 'erased' in result ? result.erased : null,
        download: row.kind === 'export' && found !== null ? `/v1/privacy-requests/${row.id}/download` : null,
      },
    };
  };

  async function requestOf(workspaceId: string, id: string) {
    const row = await store.getPrivacyRequest(services.db, workspaceId, id);
    if (!row) throw new HubError(404, `No privacy request ${id} in this workspace.`, 'not-found');
    return row;
  }

  r.post(
    '/v1/privacy-requests',
    {
      schema: {
        tags: ['privacy'],
        summary: 'Ask to export everything about a person, or to erase them',
        body: z.object({ kind: z.enum(['export', 'erase']), identifier: identifierText.describe('kind:value, e.g. email:maya@acme.example or user_id:42') }),
        response: { 202: requestDetail, ...responses, 503: errorBody },
      },
      config: access,
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { workspaceId } = caller;
      const { kind, identifier } = request.body;
      const id = randomUUID();
      const requestedBy = caller.kind === 'user' ? `user:${caller.userId}` : `api-key:${caller.keyId}`;
      const subjectHash = identifierHash(services.cipher, workspaceId, identifier as { kind: IdentifierKind; value: string });
      // The audit log learns what was asked, never of whom.
      await audited(request, services, { action: 'privacy-request.created', target: { kind: 'privacy-request', id }, change: { kind, subjectKind: identifier.kind } }, (tx) =>
        store.createPrivacyRequest(tx, { workspace_id: workspaceId, id, kind, subject_kind: identifier.kind, subject_hash: subjectHash, requested_by: requestedBy, created_at: services.now() }),
      );
      // Sent after the request is committed: on the embedded database the queue shares the transaction's one connection.
      if (jobs) {
        try {
          await jobs.send(privacyJobNames.request, workspaceId, { requestId: id });
        } catch (error) {
          request.log.error({ err: error }, 'queueing a privacy request failed');
          await store.updatePrivacyRequest(services.db, workspaceId, id, { status: 'failed', error: 'The request could not be queued; create it again.', completed_at: services.now() });
          throw new HubError(503, 'The request was recorded but could not be queued; create it again.', 'not-queued');
        }
      } else {
        await runPrivacyRequest(services, { workspaceId, id }, { finalAttempt: true, onError: (error) => request.log.error({ err: error }, 'privacy request failed') });
      }
      return reply.status(202).send(detail(await requestOf(workspaceId, id)));
    },
  );

  r.get(
    '/v1/privacy-requests',
    {
      schema: {
        tags: ['privacy'],
        summary: "The workspace's privacy requests, newest first",
        querystring: z.object({ before: z.string().max(64).optional().describe('the last id of the previous page'), limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ requests: z.array(requestSummary), next: z.string().nullable() }), ...responses },
      },
      config: access,
    },
    async (request) => {
      const rows = await store.listPrivacyRequests(services.db, callerOf(request).workspaceId, request.query);
      return { requests: rows.map(summary), next: rows.length === request.query.limit ? rows.at(-1)!.id : null };
    },
  );

  r.get('/v1/privacy-requests/:id', { schema: { tags: ['privacy'], summary: "A privacy request's status, times, error and outcome", params: idParams, response: { 200: requestDetail, ...responses } }, config: access }, async (request) =>
    detail(await requestOf(callerOf(request).workspaceId, request.params.id)),
  );

  r.get(
    '/v1/privacy-requests/:id/download',
    { schema: { tags: ['privacy'], summary: 'A completed export, as a JSON file', params: idParams, response: { 200: z.record(z.string(), z.unknown()).describe('the export document (an attachment)'), ...responses } }, config: access },
    async (request, reply) => {
      const { workspaceId } = callerOf(request);
      const row = await requestOf(workspaceId, request.params.id);
      if (row.kind !== 'export') throw new HubError(409, 'This is an erase request: only export requests have something to download.', 'not-an-export');
      if (row.status !== 'completed') throw new HubError(409, `The export is ${row.status}${row.error ? ` (${row.error})` : ''}; download it once it is completed.`, 'not-ready');
      const result = row.result as PrivacyResult;
      if ('removed' in result) throw new HubError(410, result.removed, 'gone');
      const document = 'export' in result ? result.export : { format: 'kata-hub.person-export', version: 1, ...result };
      await audited(request, services, { action: 'privacy-request.downloaded', target: { kind: 'privacy-request', id: row.id } }, async () => undefined);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="person-export-${row.id}.json"`)
        .header('cache-control', 'no-store')
        .send(document as Record<string, unknown>);
    },
  );
}
