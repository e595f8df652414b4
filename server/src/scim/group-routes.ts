import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import * as store from '../db/scim-group-store';
import { audited, callerOf } from '../http/access';
import type { HubServices } from '../http/services';
import { listResponseUrn, maxResults, scimBaseUrl } from './discovery';
import { scimError, scimErrorResponses } from './errors';
import { groupFilter, groupInput, groupOut, memberIdsOf, patchGroup, presentGroup, type GroupInput } from './group-resource';
import { patchBody } from './user-resource';

const listQuery = z.object({
  filter: z.string().max(2000).optional(),
  /** 1-based; below 1 reads as 1 (RFC 7644 §3.4.2.4). */
  startIndex: z.coerce.number().int().optional(),
  count: z.coerce.number().int().min(0).optional(),
  /** Entra asks for groups without their members (`excludedAttributes=members`) when it only needs to find one. */
  excludedAttributes: z.string().max(200).optional(),
});
const oneQuery = listQuery.pick({ excludedAttributes: true });
const listOut = z.object({ schemas: z.array(z.string()), totalResults: z.number(), startIndex: z.number(), itemsPerPage: z.number(), Resources: z.array(groupOut) });

/** SCIM Groups under /scim/v2/Groups: the identity provider's groups of the workspace's users. Registered by scimRoutes, inside its error handling. */
export function scimGroupRoutes(scoped: FastifyInstance, services: HubServices): void {
  const r = scoped.withTypeProvider<ZodTypeProvider>();
  const scim = { access: 'scim' as const };
  const withoutMembers = (excluded: string | undefined) => (excluded ?? '').split(',').some((name) => name.trim().toLowerCase() === 'members');

  r.get('/Groups', { schema: { tags: ['scim'], summary: 'List and filter groups', querystring: listQuery, response: { 200: listOut, ...scimErrorResponses } }, config: scim }, async (request) => {
    const { workspaceId } = callerOf(request);
    // Like users, a workspace's groups fit in memory; filters are evaluated on the rendered resources.
    const test = request.query.filter ? groupFilter(request.query.filter) : () => true;
    const members = new Map<string, store.ScimGroupMember[]>();
    for (const member of await store.listScimGroupMembers(services.db, workspaceId)) members.set(member.group_id, [...(members.get(member.group_id) ?? []), member]);
    const matching = (await store.listScimGroups(services.db, workspaceId)).map((row) => presentGroup(row, members.get(row.id) ?? [], scimBaseUrl(services))).filter(test);
    const startIndex = Math.max(1, request.query.startIndex ?? 1);
    const page = matching.slice(startIndex - 1, startIndex - 1 + Math.min(request.query.count ?? maxResults, maxResults));
    const shown = withoutMembers(request.query.excludedAttributes) ? page.map(({ members: _members, ...group }) => group) : page;
    return { schemas: [listResponseUrn], totalResults: matching.length, startIndex, itemsPerPage: shown.length, Resources: shown };
  });

  r.post('/Groups', { schema: { tags: ['scim'], summary: 'Create a group of workspace users', body: groupInput, response: { 201: groupOut, ...scimErrorResponses } }, config: scim }, async (request, reply) => {
    const group = await writeGroup(request, undefined, request.body);
    return reply.status(201).header('location', group.meta.location).send(group);
  });

  r.get('/Groups/:id', { schema: { tags: ['scim'], summary: 'One group', params: idParams, querystring: oneQuery, response: { 200: groupOut, ...scimErrorResponses } }, config: scim }, async (request) => {
    const group = await present(request, await existingGroup(request, request.params.id));
    if (!withoutMembers(request.query.excludedAttributes)) return group;
    const { members: _members, ...rest } = group;
    return rest;
  });

  r.put('/Groups/:id', { schema: { tags: ['scim'], summary: 'Replace a group (members left out means none)', params: idParams, body: groupInput, response: { 200: groupOut, ...scimErrorResponses } }, config: scim }, async (request) => {
    return writeGroup(request, await existingGroup(request, request.params.id), request.body);
  });

  r.patch('/Groups/:id', { schema: { tags: ['scim'], summary: 'Change a group: rename, add or remove members (PatchOp)', params: idParams, body: patchBody, response: { 200: groupOut, ...scimErrorResponses } }, config: scim }, async (request) => {
    const row = await existingGroup(request, request.params.id);
    const group = await present(request, row);
    return writeGroup(request, row, patchGroup(group, request.body.Operations), (group.members ?? []).map((member) => member.value));
  });

  r.delete('/Groups/:id', { schema: { tags: ['scim'], summary: 'Delete a group (its members stay in the workspace)', params: idParams, response: { 204: z.null(), ...scimErrorResponses } }, config: scim }, async (request, reply) => {
    const { workspaceId } = callerOf(request);
    const row = await existingGroup(request, request.params.id);
    const members = (await store.listScimGroupMembers(services.db, workspaceId, [row.id])).map((member) => member.user_id);
    await audited(request, services, { action: 'scim.group.deleted', target: { kind: 'scim-group', id: row.id }, change: { displayName: row.display_name, membersRemoved: members } }, async (tx) => {
      await store.deleteScimGroup(tx, workspaceId, row.id);
    });
    return reply.status(204).send(null);
  });

  /** The workspace's group, or 404: another workspace's ids are as unknown as made-up ones. */
  async function existingGroup(request: FastifyRequest, id: string): Promise<store.ScimGroupRow> {
    const row = await store.getScimGroup(services.db, callerOf(request).workspaceId, id);
    if (!row) throw scimError(404, undefined, `No group ${id} in this workspace.`);
    return row;
  }

  async function present(request: FastifyRequest, row: store.ScimGroupRow) {
    return presentGroup(row, await store.listScimGroupMembers(services.db, callerOf(request).workspaceId, [row.id]), scimBaseUrl(services));
  }

  /**
   * Creates a group or writes a whole one (PUT, or a PATCH's result): members must be users of this workspace, the name free.
   * Only the members added and removed relative to `patchedFrom` (the members a PATCH saw) are written, so
   * concurrent PATCHes of one group's members, which Entra and Okta send, do not undo each other.
   */
  async function writeGroup(request: FastifyRequest, row: store.ScimGroupRow | undefined, input: GroupInput, patchedFrom?: string[]) {
    const { workspaceId } = callerOf(request);
    const fields = { display_name: input.displayName, external_id: input.externalId || null };
    const holder = await store.findScimGroupByName(services.db, workspaceId, fields.display_name);
    if (holder && holder.id !== row?.id) throw scimError(409, 'uniqueness', `displayName: "${holder.display_name}" already names group ${holder.id} in this workspace.`);
    const wanted = memberIdsOf(input);
    const users = await store.existingScimUserIds(services.db, workspaceId, wanted);
    const unknown = wanted.filter((id) => !users.has(id));
    if (unknown.length > 0) throw scimError(400, 'invalidValue', `members: ${unknown.join(', ')} ${unknown.length === 1 ? 'is not a user' : 'are not users'} of this workspace; provision ${unknown.length === 1 ? 'it' : 'them'} through /Users first.`);
    const current = patchedFrom ?? (row ? (await store.listScimGroupMembers(services.db, workspaceId, [row.id])).map((member) => member.user_id) : []);
    const added = wanted.filter((id) => !current.includes(id));
    const removed = current.filter((id) => !wanted.includes(id));
    const id = row?.id ?? randomUUID();
    const now = services.now();
    const action = row ? 'scim.group.updated' : 'scim.group.created';
    await audited(request, services, { action, target: { kind: 'scim-group', id }, change: { displayName: fields.display_name, externalId: fields.external_id, membersAdded: added, membersRemoved: removed } }, async (tx) => {
      if (row) await store.updateScimGroup(tx, workspaceId, id, { ...fields, updated_at: now });
      else await store.createScimGroup(tx, { ...fields, id, workspace_id: workspaceId, now });
      await store.changeScimGroupMembers(tx, workspaceId, id, { added, removed, now });
    });
    return present(request, (await store.getScimGroup(services.db, workspaceId, id))!);
  }
}
