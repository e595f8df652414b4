import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readPermissionOf } from '../../../src/shared/sync/protocol';
import { previewEtags } from '../db/render-preview-store';
import { changesAfter } from '../db/sync-store';
import { callerOf } from '../http/access';
import { errorResponses } from '../http/errors';
import type { HubServices } from '../http/services';
import { renderPreviewRoutes } from './render-preview-routes';

const renderOut = z.object({
  id: z.string(),
  version: z.number(),
  /** As Studio synced them (name, composition, preset, status, output…). */
  fields: z.record(z.string(), z.unknown()),
  deleted: z.boolean(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  changeSeq: z.number(),
  /** Whether Studio uploaded a preview clip (GET /v1/renders/:id/preview); its ETag changes with each upload. */
  hasPreview: z.boolean(),
  previewEtag: z.string().nullable(),
});

/** Render records synced from Studio, for review in the console: filtered and paged in SQL, in the order they last changed. */
export function renderRoutes(app: FastifyInstance, services: HubServices): void {
  void app.register(async (scoped) => renderPreviewRoutes(scoped, services));
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/v1/renders',
    {
      schema: {
        tags: ['sync'],
        summary: 'Render records synced from Studio, in the order they last changed, a page at a time',
        querystring: z.object({ after: z.coerce.number().int().min(0).optional().describe('the `next` of the page before'), limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: { 200: z.object({ renders: z.array(renderOut), next: z.number().nullable() }), ...errorResponses },
      },
      config: { access: { permission: readPermissionOf.render } },
    },
    async (request) => {
      const { after = 0, limit } = request.query;
      const rows = await changesAfter(services.db, { workspaceId: callerOf(request).workspaceId, after, recordTypes: ['render'], limit: limit + 1 });
      const page = rows.slice(0, limit);
      const etags = await previewEtags(services.db, callerOf(request).workspaceId, page.map(({ record }) => record.recordId));
      return {
        renders: page.map(({ record, changeSeq }) => {
          const previewEtag = etags.get(record.recordId) ?? null;
          return { id: record.recordId, version: record.version, fields: record.fields, deleted: record.deleted, updatedAt: record.updatedAt, updatedBy: record.updatedBy, changeSeq, hasPreview: previewEtag !== null, previewEtag };
        }),
        next: rows.length > limit ? page.at(-1)!.changeSeq : null,
      };
    },
  );
}
