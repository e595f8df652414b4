import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkPassword, passwordCredentials, signInRateLimit } from '../auth/password-sign-in';
import { digestSecret, newSecret } from '../auth/secrets';
import { startSession } from '../auth/sessions';
import * as store from '../db/identity-store';
import { createAuthorizationRequest, createGrant, decideAuthorizationRequest, findOpenAuthorizationRequest, sessionProvider, type AuthorizationRequestRow } from '../db/oauth-store';
import { getOidcConfig } from '../db/oidc-store';
import { getSamlConfig } from '../db/saml-store';
import { audited, sessionCookie } from '../http/access';
import { HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { confirmPage, errorPage, signInPage } from './pages';
import { authorizationServerMetadata, checkRedirectUri, redirectBack, studioClientId, studioScope } from './studio-client';

const requestMinutes = 10;
const codeSeconds = 60;
/** A refresh token not used for this long stops working. */
export const grantIdleDays = 30;
const requestParams = z.object({ id: z.string().min(1).max(64) });
const expired = 'This sign-in request has expired or was already answered.';

/**
 * The authorization endpoint and the pages behind it: Studio sends the
 * system browser here; the person signs in to the Hub (password, or the
 * workspace's single sign-on) and allows or cancels; the browser goes back
 * to Studio's loopback address with a code or an error.
 */
export function authorizeRoutes(app: FastifyInstance, services: HubServices, limits: { signInPerMinute: number }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/.well-known/oauth-authorization-server', { schema: { hide: true }, config: { access: 'public' } }, async () => authorizationServerMetadata(services));

  const text = (max: number) => z.string().max(max).optional();
  r.get(
    '/oauth/authorize',
    {
      schema: { hide: true, querystring: z.object({ response_type: text(64), client_id: text(64), redirect_uri: text(2048), code_challenge: text(256), code_challenge_method: text(16), state: text(1024), scope: text(256) }) },
      config: { access: 'public' },
    },
    async (request, reply) => {
      const query = request.query;
      // Until the client and its return address are known good, the answer is a page here, never a redirect.
      if (query.client_id !== studioClientId) return errorPage(reply, 400, `This sign-in is for an application the Hub does not know (client_id "${(query.client_id ?? '').slice(0, 64)}"); only Kata Studio signs in here.`, request.id);
      const checked = checkRedirectUri(query.redirect_uri ?? '');
      if ('problem' in checked) return errorPage(reply, 400, checked.problem, request.id);
      const back = (error: string, description: string) => reply.redirect(redirectBack(services, checked.url.href, { error, error_description: description, state: query.state }), 302);
      if (query.response_type !== 'code') return back('unsupported_response_type', 'response_type must be "code".');
      if (query.code_challenge_method !== 'S256') return back('invalid_request', 'code_challenge_method must be "S256".');
      if (!/^[A-Za-z0-9_-]{43}$/.test(query.code_challenge ?? '')) return back('invalid_request', 'code_challenge must be the 43-character base64url SHA-256 of the code verifier.');
      if (!query.state) return back('invalid_request', 'state is required.');
      if (query.scope !== undefined && query.scope !== studioScope) return back('invalid_scope', `scope must be "${studioScope}".`);
      // Kept exactly as given: the token request must name the same (RFC 6749 §4.1.3).
      const id = randomBytes(32).toString('base64url');
      const now = services.now();
      await createAuthorizationRequest(services.db, { id, client_id: studioClientId, redirect_uri: query.redirect_uri!, code_challenge: query.code_challenge!, state: query.state, scope: studioScope, expires_at: new Date(now.getTime() + requestMinutes * 60_000) }, now);
      return reply.redirect(`/oauth/requests/${id}`, 302);
    },
  );

  r.get('/oauth/requests/:id', { schema: { hide: true, params: requestParams }, config: { access: 'public' } }, async (request, reply) => {
    const pending = await findOpenAuthorizationRequest(services.db, request.params.id, services.now());
    if (!pending) return errorPage(reply, 400, expired, request.id);
    return showPending(request, reply, pending);
  });

  const formText = (max: number) => z.string().max(max).optional();
  r.post(
    '/oauth/requests/:id/sign-in',
    { schema: { hide: true, params: requestParams, body: z.object({ email: formText(320), password: formText(1024), workspace: formText(64), totp: formText(16) }) }, config: { access: 'public', rateLimit: signInRateLimit(limits.signInPerMinute) } },
    async (request, reply) => {
      const pending = await findOpenAuthorizationRequest(services.db, request.params.id, services.now());
      if (!pending) return errorPage(reply, 400, expired, request.id);
      // Empty form fields are fields left out.
      const filled = Object.fromEntries(Object.entries(request.body).filter(([, value]) => value !== ''));
      const again = { requestId: pending.id, email: filled.email, workspace: filled.workspace };
      const parsed = passwordCredentials.safeParse(filled);
      if (!parsed.success) return signInPage(reply, { ...again, askCode: filled.totp !== undefined, problem: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'form'}: ${issue.message}`).join('; ') }, 400);
      try {
        const { user, workspace } = await checkPassword(request, services, parsed.data);
        await startSession(request, reply, services, { user, workspace, client: 'browser', action: 'auth.login.succeeded', change: { for: studioClientId } });
      } catch (error) {
        if (!(error instanceof HubError)) throw error;
        return signInPage(reply, { ...again, askCode: ['mfa-required', 'mfa-wrong'].includes(error.code ?? ''), problem: error.message }, error.statusCode);
      }
      return reply.redirect(`/oauth/requests/${pending.id}`, 303);
    },
  );

  r.post(
    '/oauth/requests/:id/sso',
    { schema: { hide: true, params: requestParams, body: z.object({ workspace: z.string().max(64) }) }, config: { access: 'public', rateLimit: signInRateLimit(limits.signInPerMinute) } },
    async (request, reply) => {
      const pending = await findOpenAuthorizationRequest(services.db, request.params.id, services.now());
      if (!pending) return errorPage(reply, 400, expired, request.id);
      const slug = request.body.workspace.trim().toLowerCase();
      const workspace = slug ? await store.getWorkspaceBySlug(services.db, slug) : undefined;
      const returnTo = `authorizationRequest=${encodeURIComponent(pending.id)}`;
      if (workspace && (await getOidcConfig(services.db, workspace.id))) return reply.redirect(`/v1/sso/oidc/${encodeURIComponent(slug)}/start?${returnTo}`, 303);
      if (workspace && (await getSamlConfig(services.db, workspace.id))) return reply.redirect(`/v1/sso/saml/${encodeURIComponent(slug)}/start?${returnTo}`, 303);
      return signInPage(reply, { requestId: pending.id, ssoWorkspace: request.body.workspace, problem: `The workspace "${request.body.workspace}" does not exist or has no single sign-on; check its name, or sign in with your email and password.` }, 400);
    },
  );

  r.post(
    '/oauth/requests/:id/decision',
    { schema: { hide: true, params: requestParams, body: z.object({ decision: z.enum(['allow', 'cancel']), csrf: z.string().max(128) }) }, config: { access: 'public' } },
    async (request, reply) => {
      const now = services.now();
      const answer = await confirmForm(request, request.params.id, request.body.csrf);
      if ('refused' in answer) return errorPage(reply, answer.status, answer.refused, request.id);
      const { pending, member } = answer;
      const target = { kind: 'user', id: member.userId };
      if (request.body.decision === 'cancel') {
        await audited(request, services, { action: 'auth.studio.denied', target }, (tx) => decideAuthorizationRequest(tx, pending.id, now));
        return reply.redirect(redirectBack(services, pending.redirect_uri, { error: 'access_denied', error_description: 'The person cancelled signing Kata Studio in.', state: pending.state }), 302);
      }
      const code = newSecret('authorization-code');
      const grantId = randomBytes(16).toString('hex');
      const provider = await sessionProvider(services.db, member.sessionDigest);
      await audited(request, services, { action: 'auth.studio.authorized', target, change: { grant: grantId, client: studioClientId } }, async (tx) => {
        if (!(await decideAuthorizationRequest(tx, pending.id, now))) throw new HubError(409, expired, 'request-decided');
        await createGrant(tx, {
          id: grantId,
          workspace_id: member.workspaceId,
          user_id: member.userId,
          client_id: studioClientId,
          scope: pending.scope,
          code_hash: digestSecret(code),
          code_challenge: pending.code_challenge,
          redirect_uri: pending.redirect_uri,
          code_expires_at: new Date(now.getTime() + codeSeconds * 1000),
          expires_at: new Date(now.getTime() + grantIdleDays * 24 * 3600_000),
          oidc_sub: provider?.oidc_sub ?? null,
          oidc_sid: provider?.oidc_sid ?? null,
          oidc_id_token: provider?.oidc_id_token ?? null,
          oidc_refresh_token: provider?.oidc_refresh_token ?? null,
        });
      });
      return reply.redirect(redirectBack(services, pending.redirect_uri, { code, state: pending.state }), 302);
    },
  );

  r.post(
    '/oauth/requests/:id/other-account',
    { schema: { hide: true, params: requestParams, body: z.object({ csrf: z.string().max(128) }) }, config: { access: 'public' } },
    async (request, reply) => {
      const answer = await confirmForm(request, request.params.id, request.body.csrf);
      if ('refused' in answer) return errorPage(reply, answer.status, answer.refused, request.id);
      const { pending, member } = answer;
      // Signs this browser out of the Hub, so that the person signs in as someone else.
      await audited(request, services, { action: 'auth.logout', target: { kind: 'user', id: member.userId } }, (tx) => store.revokeSession(tx, member.sessionDigest, services.now()));
      reply.clearCookie(sessionCookie, { path: '/' });
      return reply.redirect(`/oauth/requests/${pending.id}`, 303);
    },
  );

  /** A form posted from the confirm page: the open request and the member of this browser session, if the form is bound to both. */
  async function confirmForm(request: FastifyRequest, requestId: string, csrf: string): Promise<{ status: number; refused: string } | { pending: AuthorizationRequestRow; member: NonNullable<ReturnType<typeof browserMember>> }> {
    const pending = await findOpenAuthorizationRequest(services.db, requestId, services.now());
    if (!pending) return { status: 400, refused: expired };
    const member = browserMember(request);
    if (!member || !sameCsrf(formCsrf(request, pending.id), csrf)) return { status: 403, refused: 'This answer did not come from the page the Hub showed you in this browser; go back to Kata Studio and start again.' };
    return { pending, member };
  }

  /** The confirm page for a person signed in to the Hub in this browser, else the sign-in page. */
  async function showPending(request: FastifyRequest, reply: FastifyReply, pending: AuthorizationRequestRow) {
    const member = browserMember(request);
    if (!member) return signInPage(reply, { requestId: pending.id });
    const user = (await store.getUser(services.db, member.workspaceId, member.userId))!;
    const workspace = (await store.getWorkspace(services.db, member.workspaceId))!;
    return confirmPage(reply, { requestId: pending.id, csrf: formCsrf(request, pending.id), name: user.name, email: user.email, workspace: workspace.name, redirectOrigin: new URL(pending.redirect_uri).origin });
  }
}

/** The member signed in to the Hub in this browser (a session cookie, not a bearer token). */
function browserMember(request: FastifyRequest) {
  const caller = request.caller;
  return caller?.kind === 'user' && caller.sessionKind === 'cookie' && !request.headers.authorization ? caller : undefined;
}

/** Binds the confirm form to this request and this browser session: a keyed digest of the request id under the session cookie. */
function formCsrf(request: FastifyRequest, requestId: string): string {
  return createHmac('sha256', request.cookies[sessionCookie] ?? '').update(`oauth-confirm:${requestId}`).digest('base64url');
}

function sameCsrf(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
