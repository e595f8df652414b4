import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import { digestSecret, newKey } from '../auth/secrets';
import * as store from '../db/cdp-store';
import { audited, callerOf, memberOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';

/** Write keys: what analytics libraries send events with. Shown once, stored as a digest, revocable at once. */
export function writeKeyRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const keyOut = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable() });
  const present = (k: Awaited<ReturnType<typeof store.writeKeys.list>>[number]) => ({ id: k.id, name: k.name, createdAt: k.created_at.toISOString(), lastUsedAt: k.last_used_at?.toISOString() ?? null, revokedAt: k.revoked_at?.toISOString() ?? null });

  r.get('/v1/write-keys', { schema: { tags: ['ingest'], summary: "The workspace's write keys (never their secrets)", response: { 200: z.object({ writeKeys: z.array(keyOut) }), ...errorResponses } }, config: { access: { permission: 'api-keys.manage' } } }, async (request) => ({
    writeKeys: (await store.writeKeys.list(services.db, callerOf(request).workspaceId)).map(present),
  }));

  r.post('/v1/write-keys', { schema: { tags: ['ingest'], summary: 'Create a write key for an analytics source: shown once', body: z.object({ name: z.string().trim().min(1).max(80) }), response: { 201: keyOut.extend({ writeKey: z.string() }), ...errorResponses } }, config: { access: { permission: 'api-keys.manage' } } }, async (request, reply) => {
    const member = memberOf(request);
    const { id, key } = newKey('write-key');
    await audited(request, services, { action: 'write-key.created', target: { kind: 'write-key', id }, change: { name: request.body.name } }, (tx) => store.createWriteKey(tx, { id, workspace_id: member.workspaceId, name: request.body.name, secret_hash: digestSecret(key), created_by: member.userId }));
    const created = (await store.writeKeys.list(services.db, member.workspaceId)).find((k) => k.id === id)!;
    return reply.status(201).send({ ...present(created), writeKey: key });
  });

  r.delete('/v1/write-keys/:id', { schema: { tags: ['ingest'], summary: 'Revoke a write key (at once)', params: idParams, response: { 204: z.null(), ...errorResponses } }, config: { access: { permission: 'api-keys.manage' } } }, async (request, reply) => {
    const { workspaceId } = callerOf(request);
    await audited(request, services, { action: 'write-key.revoked', target: { kind: 'write-key', id: request.params.id } }, async (tx) => {
      if (!(await store.writeKeys.revoke(tx, workspaceId, request.params.id, services.now()))) throw new HubError(404, `No live write key ${request.params.id} in this workspace.`, 'not-found');
    });
    return reply.status(204).send(null);
  });
}
