import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as client from 'openid-client';
import { z } from 'zod';
import { digestSecret, newSecret } from '../auth/secrets';
import * as store from '../db/identity-store';
import { claimCode, findGrantByAccessToken, findGrantByRefreshToken, revokeGrants, rotateGrantTokens, saveProviderRefreshToken, type GrantRow } from '../db/oauth-store';
import { getOidcConfig } from '../db/oidc-store';
import { audited } from '../http/access';
import type { HubServices } from '../http/services';
import { providerClients } from '../sso/oidc-provider-client';
import { grantIdleDays } from './authorize-routes';
import { studioClientId, studioScope } from './studio-client';

const accessTokenSeconds = 3600;

/** An OAuth error answer (RFC 6749 §5.2). */
export class OAuthError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_grant' | 'invalid_client' | 'unsupported_grant_type' | 'temporarily_unavailable',
    description: string,
    readonly statusCode = 400,
  ) {
    super(description);
  }
}

const tokenBody = z.discriminatedUnion('grant_type', [
  z.object({ grant_type: z.literal('authorization_code'), code: z.string().min(1).max(256), redirect_uri: z.string().min(1).max(2048), code_verifier: z.string().regex(/^[A-Za-z0-9._~-]{43,128}$/, { error: 'must be 43 to 128 unreserved characters (RFC 7636)' }), client_id: z.string().max(64) }),
  z.object({ grant_type: z.literal('refresh_token'), refresh_token: z.string().min(1).max(256), client_id: z.string().max(64).optional(), scope: z.string().max(256).optional() }),
]);

/**
 * The token endpoint (codes for tokens, refresh with rotation) and the
 * revocation endpoint, for Kata Studio, a public client: no client secret,
 * PKCE binds the code to the Studio that asked. Answers are never cached.
 */
export function tokenRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const providers = providerClients(services.cipher);

  r.post('/oauth/token', { schema: { hide: true, body: z.object({ grant_type: z.string().max(64) }).passthrough() }, config: { access: 'public' } }, async (request, reply) => {
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    const grantType = request.body.grant_type;
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code or refresh_token.');
    const parsed = tokenBody.safeParse(request.body);
    if (!parsed.success) throw new OAuthError('invalid_request', parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    const body = parsed.data;
    if (body.client_id !== undefined && body.client_id !== studioClientId) throw new OAuthError('invalid_client', `client_id must be "${studioClientId}".`);
    return body.grant_type === 'authorization_code' ? exchangeCode(request, body) : refresh(request, body.refresh_token);
  });

  r.post('/oauth/revoke', { schema: { hide: true, body: z.object({ token: z.string().max(256), token_type_hint: z.string().max(64).optional(), client_id: z.string().max(64).optional() }) }, config: { access: 'public' } }, async (request, reply) => {
    const digest = digestSecret(request.body.token);
    const grant = (await findGrantByRefreshToken(services.db, digest))?.grant ?? (await findGrantByAccessToken(services.db, digest));
    if (grant && !grant.revoked_at) await revokeAudited(request, grant, 'auth.studio.revoked');
    // RFC 7009: an unknown or already revoked token is answered the same.
    return reply.status(200).header('cache-control', 'no-store').send();
  });

  async function exchangeCode(request: FastifyRequest, body: { code: string; redirect_uri: string; code_verifier: string }) {
    const now = services.now();
    const claimed = await claimCode(services.db, digestSecret(body.code), now);
    if (!claimed) throw new OAuthError('invalid_grant', 'The code is unknown.');
    const { grant, replayed } = claimed;
    if (replayed) {
      // Someone else may hold the code: whatever it gave is taken back.
      if (!grant.revoked_at) await revokeAudited(request, grant, 'auth.studio.revoked.code-replayed');
      throw new OAuthError('invalid_grant', 'The code was already used; everything issued from it is revoked. Sign in again.');
    }
    if (grant.code_expires_at <= now || grant.revoked_at) throw new OAuthError('invalid_grant', 'The code has expired; sign in again.');
    if (grant.redirect_uri !== body.redirect_uri) throw new OAuthError('invalid_grant', 'redirect_uri is not the one the code was issued for.');
    const challenge = createHash('sha256').update(body.code_verifier).digest('base64url');
    if (challenge !== grant.code_challenge) throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge of the authorization request.');
    return issue(request, grant, null);
  }

  async function refresh(request: FastifyRequest, refreshToken: string) {
    const now = services.now();
    const found = await findGrantByRefreshToken(services.db, digestSecret(refreshToken));
    if (!found) throw new OAuthError('invalid_grant', 'The refresh token is unknown.');
    const { grant, current } = found;
    if (grant.revoked_at) throw new OAuthError('invalid_grant', 'This sign-in was revoked; sign in again.');
    if (!current) {
      // A rotated token used again: it was copied, so neither copy may go on.
      await revokeAudited(request, grant, 'auth.studio.revoked.refresh-reused');
      throw new OAuthError('invalid_grant', 'The refresh token was already used; this sign-in is revoked. Sign in again.');
    }
    if (grant.expires_at <= now) throw new OAuthError('invalid_grant', 'The refresh token has expired; sign in again.');
    if (grant.oidc_refresh_token) await refreshAtProvider(request, grant);
    return issue(request, grant, grant.refresh_hash);
  }

  /** The member is still let in by their identity provider, asked afresh with the provider's refresh token (rotated if it rotates it). */
  async function refreshAtProvider(request: FastifyRequest, grant: GrantRow): Promise<void> {
    const config = await getOidcConfig(services.db, grant.workspace_id);
    if (!config) {
      await revokeAudited(request, grant, 'auth.studio.revoked.sso-removed');
      throw new OAuthError('invalid_grant', 'Single sign-on was turned off for this workspace; sign in again.');
    }
    const unavailable = new OAuthError('temporarily_unavailable', `The identity provider at ${config.issuer} does not answer; try again later.`, 503);
    let tokens: client.TokenEndpointResponse;
    try {
      tokens = await client.refreshTokenGrant(await providers.forWorkspace(config), services.cipher.decrypt(grant.oidc_refresh_token!));
    } catch (error) {
      if (error instanceof client.ResponseBodyError && error.error === 'invalid_grant') {
        await revokeAudited(request, grant, 'auth.studio.revoked.provider-refused');
        throw new OAuthError('invalid_grant', 'Your identity provider no longer lets you in; sign in again, or ask your administrator.');
      }
      throw unavailable;
    }
    if (tokens.refresh_token) await saveProviderRefreshToken(services.db, grant.id, services.cipher.encrypt(tokens.refresh_token));
  }

  /** A new access session and refresh token for a live grant of an active member, replacing the previous ones. */
  async function issue(request: FastifyRequest, grant: GrantRow, previousRefreshHash: string | null) {
    const now = services.now();
    const user = await store.getUser(services.db, grant.workspace_id, grant.user_id);
    const workspace = await store.getWorkspace(services.db, grant.workspace_id);
    if (!user || user.deactivated_at || !workspace) {
      await revokeAudited(request, grant, 'auth.studio.revoked.member-removed');
      throw new OAuthError('invalid_grant', 'This account is no longer a member of the workspace.');
    }
    const accessToken = newSecret('access-token');
    const refreshToken = newSecret('refresh-token');
    const rotated = await services.db.transaction().execute(async (tx) => {
      const next = { refreshHash: digestSecret(refreshToken), accessTokenHash: digestSecret(accessToken), expiresAt: new Date(now.getTime() + grantIdleDays * 24 * 3600_000), previousRefreshHash };
      if (!(await rotateGrantTokens(tx, grant, next, now))) return false;
      await store.createSession(tx, {
        token_hash: next.accessTokenHash,
        workspace_id: grant.workspace_id,
        user_id: grant.user_id,
        kind: 'bearer',
        mfa_enrolment_required: workspace.mfa_required && !user.totp_enabled,
        ip: request.ip,
        user_agent: request.headers['user-agent']?.slice(0, 512) ?? null,
        expires_at: new Date(now.getTime() + accessTokenSeconds * 1000),
        oidc_sub: grant.oidc_sub,
        oidc_sid: grant.oidc_sid,
      });
      return true;
    });
    if (!rotated) throw new OAuthError('invalid_grant', 'This sign-in was revoked or its refresh token was used at the same time elsewhere; sign in again.');
    return { access_token: accessToken, token_type: 'Bearer', expires_in: accessTokenSeconds, refresh_token: refreshToken, scope: studioScope };
  }

  function revokeAudited(request: FastifyRequest, grant: GrantRow, action: string) {
    return audited(request, services, { action, target: { kind: 'user', id: grant.user_id }, change: { grant: grant.id }, actor: { kind: 'system', id: 'studio-sign-in', workspaceId: grant.workspace_id } }, (tx) => revokeGrants(tx, { grantId: grant.id }, services.now()));
  }
}

/** Errors of the token and revocation endpoints, in OAuth's shape: `{ error, error_description }`, never a stack trace. */
export function sendOAuthError(reply: FastifyReply, error: { statusCode?: number; message: string; validation?: unknown }) {
  const known = error instanceof OAuthError;
  const status = known ? error.statusCode : (error.statusCode ?? 500);
  const code = known ? error.error : status === 429 || status >= 500 ? 'temporarily_unavailable' : 'invalid_request';
  const description = status >= 500 && !known ? 'Something went wrong on the Hub; try again.' : error.message;
  return reply.status(status >= 500 && !known ? 503 : status).header('cache-control', 'no-store').send({ error: code, error_description: description });
}
