import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import { digestSecret, newKey } from '../auth/secrets';
import * as store from '../db/scim-store';
import { audited, callerOf, memberOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { scimBaseUrl } from './discovery';

/** SCIM tokens: what an identity provider (Okta, Entra) provisions users with. Shown once, stored as a digest, revocable at once. */
export function scimTokenRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tokenOut = z.object({ id: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable() });
  const present = (t: store.ScimTokenRow) => ({ id: t.id, name: t.name, createdAt: t.created_at.toISOString(), lastUsedAt: t.last_used_at?.toISOString() ?? null, revokedAt: t.revoked_at?.toISOString() ?? null });

  r.get('/v1/scim-tokens', { schema: { tags: ['sso'], summary: "The workspace's SCIM tokens (never their secrets)", response: { 200: z.object({ scimTokens: z.array(tokenOut) }), ...errorResponses } }, config: { access: { permission: 'sso.manage' } } }, async (request) => ({
    scimTokens: (await store.scimTokens.list(services.db, callerOf(request).workspaceId)).map(present),
  }));

  r.post(
    '/v1/scim-tokens',
    {
      schema: { tags: ['sso'], summary: 'Create a SCIM token for an identity provider: shown once', body: z.object({ name: z.string().trim().min(1).max(80) }), response: { 201: tokenOut.extend({ token: z.string(), scimUrl: z.string() }), ...errorResponses } },
      config: { access: { permission: 'sso.manage' } },
    },
    async (request, reply) => {
      const member = memberOf(request);
      const { id, key: token } = newKey('scim-token');
      await audited(request, services, { action: 'scim-token.created', target: { kind: 'scim-token', id }, change: { name: request.body.name } }, (tx) =>
        store.createScimToken(tx, { id, workspace_id: member.workspaceId, name: request.body.name, secret_hash: digestSecret(token), created_by: member.userId }),
      );
      const created = (await store.scimTokens.list(services.db, member.workspaceId)).find((t) => t.id === id)!;
      return reply.status(201).send({ ...present(created), token, scimUrl: scimBaseUrl(services) });
    },
  );

  r.delete('/v1/scim-tokens/:id', { schema: { tags: ['sso'], summary: 'Revoke a SCIM token (at once)', params: idParams, response: { 204: z.null(), ...errorResponses } }, config: { access: { permission: 'sso.manage' } } }, async (request, reply) => {
    const { workspaceId } = callerOf(request);
    await audited(request, services, { action: 'scim-token.revoked', target: { kind: 'scim-token', id: request.params.id } }, async (tx) => {
      if (!(await store.scimTokens.revoke(tx, workspaceId, request.params.id, services.now()))) throw new HubError(404, `No live SCIM token ${request.params.id} in this workspace.`, 'not-found');
    });
    return reply.status(204).send(null);
  });
}
