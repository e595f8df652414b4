import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { can, canAssign, permissionsOf, type Permission, type Role } from '../auth/permissions';
import { emailSchema, idParams, permissionSchema, roleSchema, userSummary, workspaceSummary } from '../auth/schemas';
import { digestSecret, newKey, newSecret } from '../auth/secrets';
import * as store from '../db/identity-store';
import { audited, callerOf, memberOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { decodeTimeCursor, pageOf, timeCursorSchema } from '../http/time-cursor';

const invitationDays = 7;
const conflict = { 409: errorResponses[400] };

/** The workspace itself, its members and roles, invitations and API keys. */
export function workspaceRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const workspaceOut = workspaceSummary.extend({ mfaRequired: z.boolean(), auditRetentionDays: z.number().nullable(), eventRetentionDays: z.number().nullable(), createdAt: z.string() });
  const present = (w: store.WorkspaceRow) => ({ id: w.id, name: w.name, slug: w.slug ?? w.id, mfaRequired: w.mfa_required, auditRetentionDays: w.audit_retention_days, eventRetentionDays: w.event_retention_days, createdAt: w.created_at.toISOString() });

  r.get('/v1/workspace', { schema: { tags: ['workspace'], summary: 'This workspace and its settings', response: { 200: workspaceOut, ...errorResponses } }, config: { access: { permission: 'workspace.read' } } }, async (request) =>
    present((await store.getWorkspace(services.db, callerOf(request).workspaceId))!),
  );

  r.patch(
    '/v1/workspace',
    { schema: { tags: ['workspace'], summary: 'Rename the workspace, require two-step sign-in, or set how long audit events and raw customer events are kept', body: z.object({ name: z.string().trim().min(1).max(120).optional(), mfaRequired: z.boolean().optional(), auditRetentionDays: z.number().int().min(30).max(3650).nullable().optional().describe('Days to keep audit events (null: forever); older ones are removed daily behind a signed tombstone'), eventRetentionDays: z.number().int().min(1).max(3650).nullable().optional().describe("Days to keep customers' raw events (null: forever); profiles keep what they learned") }).strict(), response: { 200: workspaceOut, ...errorResponses } }, config: { access: { permission: 'workspace.manage' } } },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const { name, mfaRequired, auditRetentionDays, eventRetentionDays } = request.body;
      const change = {
        ...(name !== undefined && { name }),
        ...(mfaRequired !== undefined && { mfa_required: mfaRequired }),
        ...(auditRetentionDays !== undefined && { audit_retention_days: auditRetentionDays }),
        ...(eventRetentionDays !== undefined && { event_retention_days: eventRetentionDays }),
      };
      await audited(request, services, { action: 'workspace.updated', target: { kind: 'workspace', id: workspaceId }, change }, (tx) => store.updateWorkspace(tx, workspaceId, change));
      return present((await store.getWorkspace(services.db, workspaceId))!);
    },
  );

  // Members

  const memberOut = userSummary.extend({ mfaEnabled: z.boolean(), active: z.boolean(), createdAt: z.string() });
  const presentMember = (u: store.UserRow) => ({ id: u.id, email: u.email, name: u.name, role: u.role as Role, mfaEnabled: u.totp_enabled, active: u.deactivated_at === null, createdAt: u.created_at.toISOString() });

  r.get(
    '/v1/members',
    {
      schema: {
        tags: ['members'],
        summary: "The workspace's members and their roles, in the order they joined, a page at a time",
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(100),
          cursor: timeCursorSchema.optional().describe("The previous page's nextCursor"),
          status: z.enum(['active', 'all']).default('all').describe('active: leave out deactivated members'),
        }),
        response: { 200: z.object({ members: z.array(memberOut), nextCursor: z.string().nullable() }), ...errorResponses },
      },
      config: { access: { permission: 'members.read' } },
    },
    async (request) => {
      const { limit, cursor, status } = request.query;
      const rows = await store.listUsersPage(services.db, callerOf(request).workspaceId, { limit: limit + 1, after: cursor === undefined ? undefined : decodeTimeCursor(cursor), active: status === 'active' });
      const page = pageOf(rows, limit, (row) => ({ at: row.created_at, id: row.id }));
      return { members: page.rows.map(presentMember), nextCursor: page.nextCursor };
    },
  );

  /** Checks the change an actor wants to make to a member; the last active owner always stays. */
  async function guardMemberChange(actorRole: Role, workspaceId: string, userId: string, newRole: Role | null): Promise<store.UserRow> {
    const target = await store.getUser(services.db, workspaceId, userId);
    if (!target || target.deactivated_at) throw new HubError(404, `No active member ${userId} in this workspace.`, 'not-found');
    if (!canAssign(actorRole, target.role as Role) || (newRole && !canAssign(actorRole, newRole))) throw new HubError(403, `Your role (${actorRole}) cannot change a member to or from ${newRole && !canAssign(actorRole, newRole) ? newRole : target.role}.`, 'forbidden');
    if (target.role === 'owner' && newRole !== 'owner' && (await store.countActiveOwners(services.db, workspaceId)) <= 1) throw new HubError(409, 'A workspace keeps at least one owner: make someone else owner first.', 'last-owner');
    return target;
  }

  r.patch(
    '/v1/members/:id',
    { schema: { tags: ['members'], summary: "Change a member's role", params: idParams, body: z.object({ role: roleSchema }), response: { 200: memberOut, ...errorResponses, ...conflict } }, config: { access: { permission: 'members.manage' } } },
    async (request) => {
      const member = memberOf(request);
      const target = await guardMemberChange(member.role, member.workspaceId, request.params.id, request.body.role);
      await audited(request, services, { action: 'member.role-changed', target: { kind: 'user', id: target.id }, change: { from: target.role, to: request.body.role } }, (tx) => store.updateUser(tx, member.workspaceId, target.id, { role: request.body.role }));
      return presentMember((await store.getUser(services.db, member.workspaceId, target.id))!);
    },
  );

  r.delete('/v1/members/:id', { schema: { tags: ['members'], summary: 'Remove a member (their sessions end at once)', params: idParams, response: { 204: z.null(), ...errorResponses, ...conflict } }, config: { access: { permission: 'members.manage' } } }, async (request, reply) => {
    const member = memberOf(request);
    const target = await guardMemberChange(member.role, member.workspaceId, request.params.id, null);
    const now = services.now();
    await audited(request, services, { action: 'member.removed', target: { kind: 'user', id: target.id } }, async (tx) => {
      await store.updateUser(tx, member.workspaceId, target.id, { deactivated_at: now });
      await store.revokeUserSessions(tx, member.workspaceId, target.id, now);
    });
    return reply.status(204).send(null);
  });

  // Invitations

  const invitationOut = z.object({ id: z.string(), email: z.string(), role: roleSchema, expiresAt: z.string() });
  r.get('/v1/invitations', { schema: { tags: ['members'], summary: 'Open invitations', response: { 200: z.object({ invitations: z.array(invitationOut) }), ...errorResponses } }, config: { access: { permission: 'members.manage' } } }, async (request) => ({
    invitations: (await store.listOpenInvitations(services.db, callerOf(request).workspaceId, services.now())).map((i) => ({ id: i.id, email: i.email, role: i.role as Role, expiresAt: i.expires_at.toISOString() })),
  }));

  r.post(
    '/v1/invitations',
    { schema: { tags: ['members'], summary: 'Invite someone: the link is shown once', body: z.object({ email: emailSchema, role: roleSchema }), response: { 201: invitationOut.extend({ token: z.string(), link: z.string() }), ...errorResponses, ...conflict } }, config: { access: { permission: 'members.manage' } } },
    async (request, reply) => {
      const member = memberOf(request);
      if (!canAssign(member.role, request.body.role)) throw new HubError(403, `Your role (${member.role}) cannot invite a ${request.body.role}.`, 'forbidden');
      if ((await store.findActiveUsersByEmail(services.db, request.body.email, member.workspaceId)).length > 0) throw new HubError(409, 'email: this person is already a member.', 'already-member');
      const id = randomUUID();
      const token = newSecret('invitation');
      const expiresAt = new Date(services.now().getTime() + invitationDays * 24 * 3600_000);
      await audited(request, services, { action: 'member.invited', target: { kind: 'invitation', id }, change: { role: request.body.role, email: request.body.email } }, (tx) =>
        store.createInvitation(tx, { id, workspace_id: member.workspaceId, email: request.body.email, role: request.body.role, token_hash: digestSecret(token), invited_by: member.userId, expires_at: expiresAt }),
      );
      return reply.status(201).send({ id, email: request.body.email, role: request.body.role, expiresAt: expiresAt.toISOString(), token, link: `${services.publicUrl}/join?token=${encodeURIComponent(token)}` });
    },
  );

  r.delete('/v1/invitations/:id', { schema: { tags: ['members'], summary: 'Withdraw an invitation', params: idParams, response: { 204: z.null(), ...errorResponses } }, config: { access: { permission: 'members.manage' } } }, async (request, reply) => {
    const { workspaceId } = callerOf(request);
    await audited(request, services, { action: 'member.invitation-withdrawn', target: { kind: 'invitation', id: request.params.id } }, async (tx) => {
      if (!(await store.closeInvitation(tx, workspaceId, request.params.id, 'revoked', services.now()))) throw new HubError(404, `No open invitation ${request.params.id} in this workspace.`, 'not-found');
    });
    return reply.status(204).send(null);
  });

  // API keys

  const keyOut = z.object({ id: z.string(), name: z.string(), scopes: z.array(z.string()), createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable() });
  const presentKey = (k: store.ApiKeyRow) => ({ id: k.id, name: k.name, scopes: k.scopes, createdAt: k.created_at.toISOString(), lastUsedAt: k.last_used_at?.toISOString() ?? null, revokedAt: k.revoked_at?.toISOString() ?? null });

  r.get('/v1/api-keys', { schema: { tags: ['api keys'], summary: "The workspace's API keys (never their secrets)", response: { 200: z.object({ apiKeys: z.array(keyOut) }), ...errorResponses } }, config: { access: { permission: 'api-keys.manage' } } }, async (request) => ({
    apiKeys: (await store.apiKeys.list(services.db, callerOf(request).workspaceId)).map(presentKey),
  }));

  r.post(
    '/v1/api-keys',
    {
      schema: { tags: ['api keys'], summary: 'Create an API key: the key is shown once', body: z.object({ name: z.string().trim().min(1).max(80), scopes: z.array(permissionSchema).min(1).max(40) }), response: { 201: keyOut.extend({ key: z.string() }), ...errorResponses } },
      config: { access: { permission: 'api-keys.manage' } },
    },
    async (request, reply) => {
      const member = memberOf(request);
      const beyond = request.body.scopes.filter((scope) => !can(member.role, scope));
      if (beyond.length > 0) throw new HubError(403, `scopes: your role (${member.role}) cannot grant ${beyond.join(', ')}; it may grant ${permissionsOf(member.role).join(', ')}.`, 'forbidden');
      const scopes = [...new Set(request.body.scopes)] as Permission[];
      const { id, key } = newKey('api-key');
      await audited(request, services, { action: 'api-key.created', target: { kind: 'api-key', id }, change: { name: request.body.name, scopes } }, (tx) =>
        store.createApiKey(tx, { id, workspace_id: member.workspaceId, name: request.body.name, secret_hash: digestSecret(key), scopes, created_by: member.userId }),
      );
      const created = (await store.apiKeys.list(services.db, member.workspaceId)).find((k) => k.id === id)!;
      return reply.status(201).send({ ...presentKey(created), key });
    },
  );

  r.delete('/v1/api-keys/:id', { schema: { tags: ['api keys'], summary: 'Revoke an API key (at once)', params: idParams, response: { 204: z.null(), ...errorResponses } }, config: { access: { permission: 'api-keys.manage' } } }, async (request, reply) => {
    const { workspaceId } = callerOf(request);
    await audited(request, services, { action: 'api-key.revoked', target: { kind: 'api-key', id: request.params.id } }, async (tx) => {
      if (!(await store.apiKeys.revoke(tx, workspaceId, request.params.id, services.now()))) throw new HubError(404, `No live API key ${request.params.id} in this workspace.`, 'not-found');
    });
    return reply.status(204).send(null);
  });
}
