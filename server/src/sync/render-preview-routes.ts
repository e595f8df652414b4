import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readPermissionOf, writePermissionOf } from '../../../src/shared/sync/protocol';
import { idParams } from '../auth/schemas';
import { liveRenderExists, renderPreview, saveRenderPreview } from '../db/render-preview-store';
import { audited, callerOf } from '../http/access';
import { errorBody, errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';

/** Studio makes previews of at most 2 MB (3 s at 320 px); the Hub takes twice that, and nothing larger. */
export const previewByteLimit = 4 * 1024 * 1024;
const mp4Type = 'video/mp4';

/**
 * An MP4 (ISO base media file) opens with its `ftyp` box: 4 bytes of size,
 * the letters "ftyp", a 4-letter major brand. Anything else is refused before
 * it is stored, so the console never hands a browser something else as video.
 */
export function describeNotMp4(bytes: Buffer): string | null {
  if (bytes.length < 16) return `the body is ${bytes.length} bytes, too short to be an MP4`;
  const boxSize = bytes.readUInt32BE(0);
  if (bytes.toString('latin1', 4, 8) !== 'ftyp') return 'the body is not an MP4: it does not open with an "ftyp" box';
  if (boxSize < 16 || boxSize > Math.min(bytes.length, 1024)) return `the body is not a valid MP4: its "ftyp" box says it is ${boxSize} bytes long`;
  if (!/^[\x20-\x7e]{4}$/.test(bytes.toString('latin1', 8, 12))) return 'the body is not a valid MP4: its "ftyp" box has no brand';
  return null;
}

const notFound = (id: string) => new HubError(404, `No render ${id} in this workspace: sync the render from Studio first.`, 'not-found');

/**
 * A render's preview clip: Studio uploads it (PUT, the bytes of an MP4), the
 * console fetches it to draw a thumbnail (GET, with an ETag so a second look
 * costs a 304). The record must be a live render of the caller's workspace.
 */
export async function renderPreviewRoutes(app: FastifyInstance, services: HubServices): Promise<void> {
  // In this plugin only: other routes keep refusing video bodies (415).
  app.addContentTypeParser(mp4Type, { parseAs: 'buffer', bodyLimit: previewByteLimit }, (_request, body, done) => done(null, body));
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.put(
    '/v1/renders/:id/preview',
    {
      bodyLimit: previewByteLimit,
      schema: {
        tags: ['sync'],
        summary: `Uploads a render's preview clip (Content-Type video/mp4, at most ${previewByteLimit / 1024 / 1024} MB), replacing the one before`,
        params: idParams,
        response: { 200: z.object({ id: z.string(), size: z.number(), etag: z.string() }), 413: errorBody, 415: errorBody, ...errorResponses },
      },
      config: { access: { permission: writePermissionOf.render } },
    },
    async (request) => {
      const caller = callerOf(request);
      const { id } = request.params;
      if (!Buffer.isBuffer(request.body)) throw new HubError(415, `Send the preview as the request body with Content-Type ${mp4Type}.`, 'unsupported-media-type');
      const problem = describeNotMp4(request.body);
      if (problem) throw new HubError(400, `body: ${problem}.`, 'not-mp4');
      const bytes = request.body;
      const saved = await audited(request, services, { action: 'render.preview-uploaded', target: { kind: 'render', id }, change: { size: bytes.length } }, async (tx) => {
        if (!(await liveRenderExists(tx, caller.workspaceId, id))) throw notFound(id);
        return saveRenderPreview(tx, { workspaceId: caller.workspaceId, renderId: id, bytes, uploadedBy: 'userId' in caller ? caller.userId : `api-key:${caller.keyId}`, now: services.now() });
      });
      return { id, ...saved };
    },
  );

  r.get(
    '/v1/renders/:id/preview',
    {
      schema: {
        tags: ['sync'],
        summary: "A render's preview clip (video/mp4); send If-None-Match with its ETag to get 304 when it has not changed",
        params: idParams,
        response: errorResponses,
      },
      config: { access: { permission: readPermissionOf.render } },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { id } = request.params;
      const preview = (await liveRenderExists(services.db, caller.workspaceId, id)) ? await renderPreview(services.db, caller.workspaceId, id) : null;
      if (!preview) throw new HubError(404, `Render ${id} has no preview in this workspace.`, 'not-found');
      const etag = `"${preview.etag}"`;
      // Private: previews are the workspace's; no-cache: a new upload must show, so the browser asks each time (a 304 is cheap).
      reply.header('etag', etag).header('cache-control', 'private, no-cache').header('last-modified', preview.uploadedAt.toUTCString());
      // The typed reply knows only the JSON answers; these two are not JSON.
      const raw = reply as unknown as FastifyReply;
      if (request.headers['if-none-match'] === etag) return raw.status(304).send();
      return raw.type(mp4Type).header('content-length', preview.size).send(preview.bytes);
    },
  );
}
