import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import { countActiveOwners, findUserByEmail, revokeUserSessions } from '../db/identity-store';
import { removeUserFromScimGroups, scimGroupsOfUsers } from '../db/scim-group-store';
import * as store from '../db/scim-store';
import { audited, callerOf } from '../http/access';
import { describeValidation, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { listResponseUrn, maxResults, resourceTypes, schemas, scimBaseUrl, serviceProviderConfig } from './discovery';
import { scimError, scimErrorOf, scimErrorResponses } from './errors';
import { scimGroupRoutes } from './group-routes';
import { patchBody, patchUser, presentUser, userFields, userFilter, userInput, userOut, type UserInput } from './user-resource';

const scimMediaType = 'application/scim+json';
const listQuery = z.object({
  filter: z.string().max(2000).optional(),
  /** 1-based; below 1 reads as 1 (RFC 7644 §3.4.2.4). */
  startIndex: z.coerce.number().int().optional(),
  count: z.coerce.number().int().min(0).optional(),
});
const discoveryDocument = z.looseObject({ schemas: z.array(z.string()) });

/**
 * SCIM 2.0 (RFC 7643/7644) under /scim/v2, for identity providers that
 * provision the workspace's members: Users and Groups. Only a SCIM token
 * opens these routes, and every answer, errors included, is SCIM's own JSON.
 */
export function scimRoutes(services: HubServices) {
  return async function scimPlugin(scoped: FastifyInstance): Promise<void> {
    const r = scoped.withTypeProvider<ZodTypeProvider>();
    scoped.addContentTypeParser(scimMediaType, { parseAs: 'string' }, scoped.getDefaultJsonParser('error', 'error'));
    scoped.addHook('onSend', async (_request, reply) => {
      if (reply.statusCode !== 204) reply.header('content-type', `${scimMediaType}; charset=utf-8`);
    });
    scoped.setErrorHandler((error: FastifyError, request, reply) => {
      const send = (status: number, detail: string, scimType?: string) => reply.status(status).send(scimErrorOf(status, detail, scimType));
      if (hasZodFastifySchemaValidationErrors(error)) return send(400, describeValidation(error), 'invalidValue');
      // Two identity-provider calls racing past the checks meet the unique indexes.
      if ((error as { code?: unknown }).code === '23505') return send(409, request.url.includes('/Groups') ? 'displayName: another group of this workspace has this name.' : 'userName: another member of this workspace has this email.', 'uniqueness');
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      if (status >= 500) {
        request.log.error({ err: error }, 'SCIM request failed');
        return send(500, 'Something went wrong on the Hub; the request id helps the administrator find it.');
      }
      if (error instanceof HubError) return send(status, error.message, error.code);
      // Fastify's own refusals: JSON that does not parse, an unknown media type, a body too large.
      return send(status, error.message, status === 400 ? 'invalidSyntax' : undefined);
    });
    scoped.setNotFoundHandler((request, reply) => reply.status(404).send(scimErrorOf(404, `No SCIM endpoint ${request.method} ${request.url.split('?')[0]}; this Hub serves /Users, /Groups, /Schemas, /ResourceTypes and /ServiceProviderConfig.`)));

    const scim = { access: 'scim' as const };
    const discovery = { response: { 200: discoveryDocument, ...scimErrorResponses } };
    r.get('/ServiceProviderConfig', { schema: { tags: ['scim'], summary: 'What this SCIM service supports', ...discovery }, config: scim }, async () => serviceProviderConfig(scimBaseUrl(services)));
    r.get('/ResourceTypes', { schema: { tags: ['scim'], summary: 'The SCIM resource types (User, Group)', ...discovery }, config: scim }, async () => resourceTypes(scimBaseUrl(services)));
    r.get('/Schemas', { schema: { tags: ['scim'], summary: 'The SCIM User and Group schemas', ...discovery }, config: scim }, async () => schemas(scimBaseUrl(services)));

    const listOut = z.object({ schemas: z.array(z.string()), totalResults: z.number(), startIndex: z.number(), itemsPerPage: z.number(), Resources: z.array(userOut) });
    r.get('/Users', { schema: { tags: ['scim'], summary: 'List and filter users', querystring: listQuery, response: { 200: listOut, ...scimErrorResponses } }, config: scim }, async (request) => {
      const { workspaceId } = callerOf(request);
      // A workspace's members fit in memory; SCIM filters are evaluated on the rendered resources.
      const test = request.query.filter ? userFilter(request.query.filter) : () => true;
      const groups = await scimGroupsOfUsers(services.db, workspaceId);
      const matching = (await store.listScimUsers(services.db, workspaceId)).map((row) => presentUser(row, scimBaseUrl(services), groups.get(row.id))).filter(test);
      const startIndex = Math.max(1, request.query.startIndex ?? 1);
      const page = matching.slice(startIndex - 1, startIndex - 1 + Math.min(request.query.count ?? maxResults, maxResults));
      return { schemas: [listResponseUrn], totalResults: matching.length, startIndex, itemsPerPage: page.length, Resources: page };
    });

    r.post('/Users', { schema: { tags: ['scim'], summary: 'Provision a user (role viewer, no password)', body: userInput, response: { 201: userOut, ...scimErrorResponses } }, config: scim }, async (request, reply) => {
      const { workspaceId } = callerOf(request);
      const input = request.body;
      const fields = userFields(input);
      const earlier = await findUserByEmail(services.db, workspaceId, fields.email);
      if (earlier && !earlier.scim_deleted_at) throw scimError(409, 'uniqueness', `userName: ${fields.email} is already a member of this workspace (id ${earlier.id}).`);
      // A user deleted through SCIM and provisioned again keeps their id, so the audit log's history stays theirs.
      const id = earlier?.id ?? randomUUID();
      const now = services.now();
      await audited(request, services, { action: 'scim.user.created', target: { kind: 'user', id }, change: { ...fields, active: input.active ?? true } }, async (tx) => {
        if (earlier) await store.reviveScimUser(tx, workspaceId, id, { ...fields, role: 'viewer', now });
        else await store.createScimUser(tx, { ...fields, id, workspace_id: workspaceId, role: 'viewer', now });
        if (input.active === false) await store.updateScimUser(tx, workspaceId, id, { deactivated_at: now, updated_at: now });
      });
      const user = await present(request, (await store.getScimUser(services.db, workspaceId, id))!);
      return reply.status(201).header('location', user.meta.location).send(user);
    });

    const userParams = idParams;
    r.get('/Users/:id', { schema: { tags: ['scim'], summary: 'One user', params: userParams, response: { 200: userOut, ...scimErrorResponses } }, config: scim }, async (request) => {
      return present(request, await existingUser(request, request.params.id));
    });

    r.put('/Users/:id', { schema: { tags: ['scim'], summary: 'Replace a user (active=false deactivates them)', params: userParams, body: userInput, response: { 200: userOut, ...scimErrorResponses } }, config: scim }, async (request) => {
      return replaceUser(request, await existingUser(request, request.params.id), request.body);
    });

    r.patch('/Users/:id', { schema: { tags: ['scim'], summary: 'Change a user (PatchOp: add, replace, remove)', params: userParams, body: patchBody, response: { 200: userOut, ...scimErrorResponses } }, config: scim }, async (request) => {
      const row = await existingUser(request, request.params.id);
      return replaceUser(request, row, patchUser(await present(request, row), request.body.Operations));
    });

    r.delete('/Users/:id', { schema: { tags: ['scim'], summary: 'Remove a user from the workspace (their sessions end at once)', params: userParams, response: { 204: z.null(), ...scimErrorResponses } }, config: scim }, async (request, reply) => {
      const { workspaceId } = callerOf(request);
      const row = await existingUser(request, request.params.id);
      await guardLastOwner(row);
      const now = services.now();
      await audited(request, services, { action: 'scim.user.deleted', target: { kind: 'user', id: row.id } }, async (tx) => {
        // The same removal as DELETE /v1/members/:id, and the row leaves SCIM.
        await store.updateScimUser(tx, workspaceId, row.id, { deactivated_at: row.deactivated_at ?? now, scim_deleted_at: now, updated_at: now });
        await revokeUserSessions(tx, workspaceId, row.id, now);
        await removeUserFromScimGroups(tx, workspaceId, row.id);
      });
      return reply.status(204).send(null);
    });

    scimGroupRoutes(scoped, services);

    /** The workspace's user, or 404: another workspace's ids are as unknown as made-up ones. */
    async function existingUser(request: FastifyRequest, id: string): Promise<store.ScimUserRow> {
      const row = await store.getScimUser(services.db, callerOf(request).workspaceId, id);
      if (!row) throw scimError(404, undefined, `No user ${id} in this workspace.`);
      return row;
    }

    /** A workspace keeps at least one active owner, whatever the identity provider says. */
    async function guardLastOwner(row: store.ScimUserRow): Promise<void> {
      if (row.role === 'owner' && !row.deactivated_at && (await countActiveOwners(services.db, row.workspace_id)) <= 1) {
        throw scimError(409, undefined, `${row.email} is the workspace's last owner and stays active; make someone else owner in the Hub first.`);
      }
    }

    /** Writes a whole user (PUT, or a PATCH's result); deactivating ends their sessions in the same transaction. */
    async function replaceUser(request: FastifyRequest, row: store.ScimUserRow, input: UserInput) {
      const { workspaceId } = callerOf(request);
      const fields = userFields(input);
      if (fields.email !== row.email) {
        const holder = await findUserByEmail(services.db, workspaceId, fields.email);
        if (holder) throw scimError(409, 'uniqueness', `userName: ${fields.email} already belongs to another ${holder.scim_deleted_at ? 'former ' : ''}member of this workspace.`);
      }
      const wasActive = row.deactivated_at === null;
      // A PUT that leaves `active` out must not reactivate someone by accident.
      const active = input.active ?? wasActive;
      if (wasActive && !active) await guardLastOwner(row);
      const action = wasActive && !active ? 'scim.user.deactivated' : !wasActive && active ? 'scim.user.reactivated' : 'scim.user.updated';
      const now = services.now();
      await audited(request, services, { action, target: { kind: 'user', id: row.id }, change: { ...fields, active } }, async (tx) => {
        await store.updateScimUser(tx, workspaceId, row.id, { ...fields, ...(active !== wasActive && { deactivated_at: active ? null : now }), updated_at: now });
        if (!active) await revokeUserSessions(tx, workspaceId, row.id, now);
      });
      return present(request, (await store.getScimUser(services.db, workspaceId, row.id))!);
    }

    /** A user as SCIM shows them, with the groups they belong to. */
    async function present(request: FastifyRequest, row: store.ScimUserRow) {
      return presentUser(row, scimBaseUrl(services), (await scimGroupsOfUsers(services.db, callerOf(request).workspaceId, [row.id])).get(row.id));
    }
  };
}
