import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import * as store from '../db/identity-store';
import { sessionIdToken } from '../db/oidc-store';
import { audited, memberOf, sessionCookie, setSessionCookie } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { checkPassword, passwordCredentials, signInRateLimit } from './password-sign-in';
import { permissionsOf, type Role } from './permissions';
import { newPasswordSchema, signedIn, userSummary, workspaceSummary } from './schemas';
import { providerSignOut } from '../sso/oidc-end-session';
import { digestSecret, hashPassword, newSecret, verifyPassword } from './secrets';
import { startSession } from './sessions';
import { newTotpSecret, totpStep, totpUri } from './totp';

const cookieSessionHours = 12;

const loginBody = passwordCredentials.extend({
  /** `browser` gets an httpOnly session cookie; `studio` gets a bearer access token in the answer. */
  client: z.enum(['browser', 'studio']).default('browser'),
});

/** Local sign-in: password (argon2id), optional TOTP, lockout with back-off; every attempt audited. */
export function authRoutes(app: FastifyInstance, services: HubServices, limits: { signInPerMinute: number }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/auth/login',
    {
      schema: { tags: ['sign-in'], summary: 'Sign in with email and password', body: loginBody, response: { 200: signedIn, ...errorResponses, 409: errorResponses[400], 423: errorResponses[400] } },
      config: { access: 'public', rateLimit: signInRateLimit(limits.signInPerMinute) },
    },
    async (request, reply) => {
      const { user, workspace } = await checkPassword(request, services, request.body);
      return startSession(request, reply, services, { user, workspace, client: request.body.client, action: 'auth.login.succeeded' });
    },
  );

  const endSessionUrl = providerSignOut(services);
  r.post(
    '/v1/auth/logout',
    {
      schema: {
        tags: ['sign-in'],
        summary: 'End this session or revoke this access token',
        /** 200 for a session started through the workspace's identity provider: send the browser to `endSessionUrl` to sign out there too. */
        response: { 200: z.object({ endSessionUrl: z.string() }), 204: z.null(), ...errorResponses },
      },
      config: { access: 'signed-in', duringMfaEnrolment: true },
    },
    async (request, reply) => {
      const member = memberOf(request);
      const sealedIdToken = await sessionIdToken(services.db, member.sessionDigest);
      await audited(request, services, { action: 'auth.logout', target: { kind: 'user', id: member.userId } }, (tx) => store.revokeSession(tx, member.sessionDigest, services.now()));
      reply.clearCookie(sessionCookie, { path: '/' });
      const atProvider = sealedIdToken ? await endSessionUrl({ workspaceId: member.workspaceId, sealedIdToken }) : undefined;
      return atProvider ? reply.status(200).send({ endSessionUrl: atProvider }) : reply.status(204).send(null);
    },
  );

  r.get(
    '/v1/me',
    {
      schema: {
        tags: ['sign-in'],
        summary: 'Who is calling, in which workspace, and what they may do',
        response: { 200: z.object({ user: userSummary.extend({ mfaEnabled: z.boolean() }).nullable(), apiKey: z.object({ id: z.string() }).nullable(), workspace: workspaceSummary.extend({ mfaRequired: z.boolean() }), permissions: z.array(z.string()), mfaEnrolmentRequired: z.boolean() }), ...errorResponses },
      },
      config: { access: 'signed-in', duringMfaEnrolment: true },
    },
    async (request) => {
      const caller = request.caller!;
      const workspace = (await store.getWorkspace(services.db, caller.workspaceId))!;
      const workspaceOut = { id: workspace.id, name: workspace.name, slug: workspace.slug ?? workspace.id, mfaRequired: workspace.mfa_required };
      if (caller.kind === 'api-key') return { user: null, apiKey: { id: caller.keyId }, workspace: workspaceOut, permissions: caller.scopes, mfaEnrolmentRequired: false };
      if (caller.kind === 'write-key' || caller.kind === 'scim') throw new HubError(403, caller.kind === 'scim' ? 'A SCIM token can only be used on /scim/v2.' : 'A write key can only send events.', 'forbidden');
      const user = (await store.getUser(services.db, caller.workspaceId, caller.userId))!;
      return { user: { id: user.id, email: user.email, name: user.name, role: caller.role, mfaEnabled: user.totp_enabled }, apiKey: null, workspace: workspaceOut, permissions: permissionsOf(caller.role), mfaEnrolmentRequired: caller.mfaEnrolmentRequired };
    },
  );

  r.post(
    '/v1/auth/mfa/totp/setup',
    { schema: { tags: ['sign-in'], summary: 'Start two-step sign-in: a secret for an authenticator app', response: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }), ...errorResponses, 409: errorResponses[400] } }, config: { access: 'signed-in', duringMfaEnrolment: true } },
    async (request) => {
      const member = memberOf(request);
      const user = (await store.getUser(services.db, member.workspaceId, member.userId))!;
      if (user.totp_enabled) throw new HubError(409, 'Two-step sign-in is already on; turn it off first to change the app.', 'mfa-already-enabled');
      // Kept encrypted with the personal-data key: a copy of the database alone cannot make codes.
      const secret = newTotpSecret();
      await audited(request, services, { action: 'auth.mfa.setup-started', target: { kind: 'user', id: user.id } }, (tx) => store.updateUser(tx, user.workspace_id, user.id, { totp_secret: services.cipher.encrypt(secret), totp_last_step: null }));
      return { secret, otpauthUri: totpUri(secret, user.email) };
    },
  );

  const codeBody = z.object({ code: z.string().regex(/^\d{6}$/, { error: 'must be the 6-digit code' }) });
  r.post('/v1/auth/mfa/totp/confirm', { schema: { tags: ['sign-in'], summary: 'Turn on two-step sign-in with a first code from the app', body: codeBody, response: { 204: z.null(), ...errorResponses } }, config: { access: 'signed-in', duringMfaEnrolment: true } }, async (request, reply) => {
    const member = memberOf(request);
    const user = (await store.getUser(services.db, member.workspaceId, member.userId))!;
    if (!user.totp_secret || user.totp_enabled) throw new HubError(400, 'Start with POST /v1/auth/mfa/totp/setup.', 'mfa-not-started');
    const step = totpStep(services.cipher.decrypt(user.totp_secret), request.body.code, services.now());
    if (step === null) throw new HubError(400, 'code: that code does not match; check the time on your phone and try the next one.', 'mfa-wrong');
    await audited(request, services, { action: 'auth.mfa.enabled', target: { kind: 'user', id: user.id } }, async (tx) => {
      await store.updateUser(tx, user.workspace_id, user.id, { totp_enabled: true, totp_last_step: step });
      await store.clearMfaEnrolmentRequirement(tx, user.workspace_id, user.id);
    });
    return reply.status(204).send(null);
  });

  r.post('/v1/auth/mfa/totp/disable', { schema: { tags: ['sign-in'], summary: 'Turn off two-step sign-in', body: codeBody, response: { 204: z.null(), ...errorResponses, 409: errorResponses[400] } }, config: { access: 'signed-in' } }, async (request, reply) => {
    const member = memberOf(request);
    const user = (await store.getUser(services.db, member.workspaceId, member.userId))!;
    const workspace = (await store.getWorkspace(services.db, member.workspaceId))!;
    if (workspace.mfa_required) throw new HubError(409, 'Your workspace requires two-step sign-in, so it cannot be turned off.', 'mfa-required-by-workspace');
    const step = user.totp_enabled && user.totp_secret ? totpStep(services.cipher.decrypt(user.totp_secret), request.body.code, services.now()) : null;
    if (step === null) throw new HubError(400, 'code: that code does not match.', 'mfa-wrong');
    await audited(request, services, { action: 'auth.mfa.disabled', target: { kind: 'user', id: user.id } }, (tx) => store.updateUser(tx, user.workspace_id, user.id, { totp_enabled: false, totp_secret: null, totp_last_step: null }));
    return reply.status(204).send(null);
  });

  r.post(
    '/v1/auth/password',
    { schema: { tags: ['sign-in'], summary: 'Change your password (ends your other sessions)', body: z.object({ currentPassword: z.string().min(1).max(1024), newPassword: newPasswordSchema }), response: { 204: z.null(), ...errorResponses } }, config: { access: 'signed-in' } },
    async (request, reply) => {
      const member = memberOf(request);
      const user = (await store.getUser(services.db, member.workspaceId, member.userId))!;
      if (!(await verifyPassword(user.password_hash, request.body.currentPassword))) throw new HubError(400, 'currentPassword: that is not your current password.', 'wrong-credentials');
      const passwordHash = await hashPassword(request.body.newPassword);
      await audited(request, services, { action: 'auth.password.changed', target: { kind: 'user', id: user.id } }, async (tx) => {
        await store.updateUser(tx, user.workspace_id, user.id, { password_hash: passwordHash });
        await store.revokeUserSessions(tx, user.workspace_id, user.id, services.now(), { except: member.sessionDigest });
      });
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/v1/auth/accept-invitation',
    { schema: { tags: ['sign-in'], summary: 'Join a workspace from an invitation', body: z.object({ token: z.string().min(10).max(200), name: z.string().trim().min(1).max(120), password: newPasswordSchema }), response: { 200: signedIn, ...errorResponses, 409: errorResponses[400] } }, config: { access: 'public', rateLimit: { max: limits.signInPerMinute, timeWindow: '1 minute' } } },
    async (request, reply) => {
      const now = services.now();
      const invitation = await store.findOpenInvitation(services.db, digestSecret(request.body.token), now);
      if (!invitation) throw new HubError(404, 'This invitation is unknown, was already used, or has expired; ask for a new one.', 'invitation-invalid');
      const earlier = await store.findUserByEmail(services.db, invitation.workspace_id, invitation.email);
      if (earlier && !earlier.deactivated_at) throw new HubError(409, 'This email already has an account in the workspace; sign in instead.', 'already-member');
      const workspace = (await store.getWorkspace(services.db, invitation.workspace_id))!;
      // A member who was removed and is invited back keeps their id, so the audit log's history stays theirs.
      const userId = earlier?.id ?? randomUUID();
      const passwordHash = await hashPassword(request.body.password);
      const token = newSecret('session');
      const expiresAt = new Date(now.getTime() + cookieSessionHours * 3600_000);
      await audited(request, services, { action: 'member.joined', target: { kind: 'user', id: userId }, change: { role: invitation.role, invitation: invitation.id }, actor: { kind: 'user', id: userId, workspaceId: workspace.id } }, async (tx) => {
        if (!(await store.closeInvitation(tx, workspace.id, invitation.id, 'accepted', now))) throw new HubError(404, 'This invitation was just used.', 'invitation-invalid');
        if (earlier) await store.updateUser(tx, workspace.id, userId, { name: request.body.name, role: invitation.role, password_hash: passwordHash, deactivated_at: null, failed_sign_ins: 0, locked_until: null, totp_enabled: false, totp_secret: null, totp_last_step: null });
        else await store.createUser(tx, { id: userId, workspace_id: workspace.id, email: invitation.email, name: request.body.name, role: invitation.role, password_hash: passwordHash });
        await store.createSession(tx, { token_hash: digestSecret(token), workspace_id: workspace.id, user_id: userId, kind: 'cookie', mfa_enrolment_required: workspace.mfa_required, ip: request.ip, user_agent: request.headers['user-agent']?.slice(0, 512) ?? null, expires_at: expiresAt });
      });
      setSessionCookie(reply, request, token, expiresAt);
      return { user: { id: userId, email: invitation.email, name: request.body.name, role: invitation.role as Role }, workspace: { id: workspace.id, name: workspace.name, slug: workspace.slug ?? workspace.id }, expiresAt: expiresAt.toISOString(), mfaEnrolmentRequired: workspace.mfa_required };
    },
  );
}
