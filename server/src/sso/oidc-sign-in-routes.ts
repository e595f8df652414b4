import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as client from 'openid-client';
import { z } from 'zod';
import * as store from '../db/identity-store';
import { claimOidcSignIn, createOidcSignIn, getOidcConfig, type OidcConfigRow } from '../db/oidc-store';
import { digestSecret } from '../auth/secrets';
import { startSession } from '../auth/sessions';
import { errorResponses } from '../http/errors';
import type { HubServices } from '../http/services';
import { admitMember, afterSignIn, authorizationRequestToReturnTo, expiredAuthorizationRequest, mostTrustedRole, Refusal, refuse, refuseAudited, ssoStartQuery } from './sign-in-rules';
import { oidcCallbackUrl, providerClients } from './oidc-provider-client';

const signInMinutes = 10;

/**
 * Sign-in through a workspace's OpenID Provider (authorization code flow with
 * PKCE, state and nonce kept in the database for ten minutes, one use).
 * Public by design: the person has no session yet. Every refusal is audited.
 */
export function oidcSignInRoutes(app: FastifyInstance, services: HubServices, limits: { signInPerMinute: number }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const providers = providerClients(services.cipher);
  const rateLimit = { max: limits.signInPerMinute, timeWindow: '1 minute', keyGenerator: (request: FastifyRequest) => `sign-in:${request.ip}` };

  r.get(
    '/v1/sso/oidc/:workspaceSlug/start',
    {
      schema: {
        tags: ['sign-in'],
        summary: "Sign in through the workspace's identity provider (redirects there)",
        params: z.object({ workspaceSlug: z.string().min(1).max(64) }),
        querystring: ssoStartQuery,
        response: { 302: z.null(), ...errorResponses, 502: errorResponses[400] },
      },
      config: { access: 'public', rateLimit },
    },
    async (request, reply) => {
      const workspace = await store.getWorkspaceBySlug(services.db, request.params.workspaceSlug);
      const config = workspace ? await getOidcConfig(services.db, workspace.id) : undefined;
      // Nothing to audit yet (no sign-in has started); the person, usually in a browser, gets a page.
      if (!workspace || !config) return refuse(request, reply, new Refusal(404, 'not-configured', `The workspace "${request.params.workspaceSlug}" does not exist or has no single sign-on; sign in with your email and password instead.`));
      let configuration: client.Configuration;
      try {
        configuration = await providers.forWorkspace(config);
      } catch {
        return refuse(request, reply, new Refusal(502, 'provider-unreachable', `The identity provider at ${config.issuer} did not answer its discovery document; try again later, or ask your administrator to check the issuer in the single sign-on settings.`));
      }
      const returnTo = await authorizationRequestToReturnTo(services, request.query);
      if (returnTo === false) return refuse(request, reply, expiredAuthorizationRequest);
      const state = client.randomState();
      const nonce = client.randomNonce();
      const codeVerifier = client.randomPKCECodeVerifier();
      await createOidcSignIn(services.db, { state_hash: digestSecret(state), workspace_id: workspace.id, nonce, code_verifier: codeVerifier, client: request.query.client, authorization_request_id: returnTo, expires_at: new Date(services.now().getTime() + signInMinutes * 60_000) });
      const target = client.buildAuthorizationUrl(configuration, {
        redirect_uri: oidcCallbackUrl(services),
        scope: config.scopes.join(' '),
        state,
        nonce,
        code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        // OpenID Connect Core §11: a refresh token for offline_access is asked for with the person's consent.
        ...(config.scopes.includes('offline_access') && { prompt: 'consent' }),
      });
      return reply.redirect(target.href, 302);
    },
  );

  r.get(
    '/v1/sso/oidc/callback',
    {
      schema: {
        tags: ['sign-in'],
        summary: 'Where the identity provider sends people back (the redirect URI to register there)',
        querystring: z.object({ state: z.string().max(512).optional(), code: z.string().max(4096).optional(), error: z.string().max(256).optional(), error_description: z.string().max(1024).optional(), iss: z.string().max(512).optional() }),
        response: { 302: z.null(), ...errorResponses },
      },
      config: { access: 'public', rateLimit },
    },
    async (request, reply) => {
      const query = request.query;
      const pending = query.state ? await claimOidcSignIn(services.db, digestSecret(query.state), services.now()) : undefined;
      try {
        if (!pending) throw new Refusal(400, query.state ? 'unknown-state' : 'missing-state', 'This sign-in has expired, was already finished, or did not start here. Start again from the sign-in page.');
        const config = await getOidcConfig(services.db, pending.workspace_id);
        if (!config) throw new Refusal(400, 'not-configured', 'Single sign-on was turned off for this workspace while you were signing in; sign in with your email and password.');
        // Only the provider's error code is shown: the description is free text anyone can put in a link.
        if (query.error) throw new Refusal(401, 'provider-refused', `Your identity provider did not sign you in${/^[a-z_]{1,64}$/.test(query.error) ? ` (${query.error})` : ''}; try again, or ask your administrator whether you may use Kata.`);
        const tokens = await exchangeCode(config, pending, request);
        await admit(config, tokens, request, reply);
        return reply.redirect(afterSignIn(services, pending.authorization_request_id), 302);
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        return refuseAudited(request, reply, services, 'oidc', pending?.workspace_id, error);
      }
    },
  );

  async function exchangeCode(config: OidcConfigRow, pending: { nonce: string; code_verifier: string }, request: FastifyRequest): Promise<ProviderTokens> {
    let configuration: client.Configuration;
    try {
      configuration = await providers.forWorkspace(config);
    } catch {
      throw new Refusal(502, 'provider-unreachable', `The identity provider at ${config.issuer} does not answer; try again later.`);
    }
    try {
      // The state was checked by claiming it; openid-client checks the issuer, the audience, the times, the signature (the provider's JWKS) and the nonce.
      // The URL the provider sent the person to, rebuilt on the public address (it is also the redirect_uri of the code exchange).
      const query = request.url.indexOf('?');
      const currentUrl = new URL(`${oidcCallbackUrl(services)}${query < 0 ? '' : request.url.slice(query)}`);
      const tokens = await client.authorizationCodeGrant(configuration, currentUrl, { pkceCodeVerifier: pending.code_verifier, expectedNonce: pending.nonce, expectedState: client.skipStateCheck, idTokenExpected: true });
      const claims = tokens.claims();
      if (!claims) throw new Refusal(401, 'no-id-token', 'Your identity provider did not send an ID token; ask your administrator to check the scopes (openid is needed).');
      return { claims, idToken: tokens.id_token!, refreshToken: tokens.refresh_token };
    } catch (error) {
      if (error instanceof Refusal) throw error;
      throw whyTokenRefused(error);
    }
  }

  async function admit(config: OidcConfigRow, { claims, idToken, refreshToken }: ProviderTokens, request: FastifyRequest, reply: FastifyReply) {
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    if (!email) throw new Refusal(403, 'no-email', 'Your identity provider did not tell us your email address; ask your administrator to add the email scope.');
    if (claims.email_verified === false) throw new Refusal(403, 'email-not-verified', 'Your identity provider says your email address is not verified yet; verify it there first.');
    const name = typeof claims.name === 'string' ? claims.name.trim() : undefined;
    const mapped = config.role_claim ? mostTrustedRole(claims[config.role_claim], config.role_mapping) : undefined;
    const { member, workspace } = await admitMember(request, services, config, { through: 'oidc', email, name, mapped, subject: claims.sub });
    // The ID token is kept sealed: it is the id_token_hint when the member signs out at the provider too.
    // The refresh token (offline_access) too: Studio's refreshes ask the provider whether the member may still come in.
    const provider = { sub: claims.sub, sid: typeof claims.sid === 'string' ? claims.sid : null, sealedIdToken: services.cipher.encrypt(idToken), sealedRefreshToken: refreshToken ? services.cipher.encrypt(refreshToken) : null };
    return startSession(request, reply, services, { user: member, workspace, client: 'browser', action: 'auth.login.succeeded', change: { through: 'oidc' }, provider });
  }
}

interface ProviderTokens {
  claims: client.IDToken;
  idToken: string;
  refreshToken: string | undefined;
}

/** openid-client's error, in words the person can act on, and a reason for the audit log (never the token). */
function whyTokenRefused(error: unknown): Refusal {
  // openid-client wraps oauth4webapi's error, which says what failed (its code) and, for claims, which one (in its cause).
  let e = error as { code?: string; error?: string; cause?: unknown; message?: string };
  while (e.cause instanceof Error && 'code' in e.cause) e = e.cause as typeof e;
  const tryAgain = 'Start again from the sign-in page; if it keeps happening, tell your administrator.';
  if (e.error === 'invalid_client') return new Refusal(401, 'client-rejected', `Your identity provider did not accept the Hub's own credentials; ask your administrator to check the client secret, or the JWKS address registered for private_key_jwt, in the single sign-on settings.`);
  if (e.error === 'invalid_grant') return new Refusal(400, 'code-rejected', `Your identity provider did not accept this sign-in code (it was already used or has expired). ${tryAgain}`);
  if (e.code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
    const claim = (e.cause as { claim?: string } | undefined)?.claim ?? 'claim';
    return new Refusal(401, `wrong-${claim}`, `The identity provider's answer was not meant for this Hub (its "${claim}" does not match). ${tryAgain}`);
  }
  if (e.code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') return new Refusal(401, 'token-expired', `The identity provider's answer has expired or is not valid yet; check that the clocks are right. ${tryAgain}`);
  if (e.code === 'OAUTH_KEY_SELECTION_FAILED') return new Refusal(401, 'unknown-signing-key', `The identity provider's answer is signed with a key it does not publish. ${tryAgain}`);
  if (e.code === 'OAUTH_JWS_SIGNATURE_VERIFICATION_FAILED') return new Refusal(401, 'bad-signature', `The identity provider's answer has a signature that does not verify. ${tryAgain}`);
  if (e.code === 'OAUTH_UNSUPPORTED_OPERATION' || /"alg"|unsecured/i.test(e.message ?? '')) return new Refusal(401, 'unsigned-or-unsupported-token', `The identity provider's answer is unsigned or signed in a way the Hub does not accept. ${tryAgain}`);
  return new Refusal(401, 'token-invalid', `The identity provider's answer could not be checked. ${tryAgain}`);
}

