import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';
import { appendAuditEvent } from '../db/audit-store';
import { getWorkspaceBySlug } from '../db/identity-store';
import { endProviderSessions, getOidcConfig, recordLogoutToken, type OidcConfigRow } from '../db/oidc-store';
import { auditBase } from '../http/access';
import { errorResponses } from '../http/errors';
import type { HubServices } from '../http/services';
import { providerClients } from './oidc-provider-client';

/** The event a logout token must carry (OpenID Connect Back-Channel Logout 1.0, section 2.4). */
const backchannelLogoutEvent = 'http://schemas.openid.net/event/backchannel-logout';
/** A logout token older than this is refused; its jti is remembered this long (plus the clock tolerance) against replays. */
const maxTokenAgeSeconds = 600;
const clockToleranceSeconds = 60;

const logoutError = z.object({ error: z.string(), error_description: z.string() });

/** Why a logout token was refused: the reason goes to the audit log, the description to the provider. */
class LogoutRefusal extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Back-channel logout: the workspace's OpenID Provider posts a signed logout
 * token here when a person signs out there, and the Hub ends the sessions
 * started from that provider session. Public by design (the provider has no
 * Hub credentials); the token's signature, issuer, audience and age decide.
 * Every refusal is audited.
 */
export function oidcLogoutRoutes(services: HubServices, limits: { perMinute: number }) {
  const providers = providerClients(services.cipher);
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  return async function oidcLogoutPlugin(scoped: FastifyInstance): Promise<void> {
    // The provider posts a form (section 2.5); it is parsed here only, not across the Hub.
    scoped.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16_384 }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
    const r = scoped.withTypeProvider<ZodTypeProvider>();
    r.post(
      '/v1/sso/oidc/:workspaceSlug/backchannel-logout',
      {
        schema: {
          tags: ['sign-in'],
          summary: "Back-channel logout: the workspace's identity provider ends Hub sessions (the back-channel logout URI to register there)",
          params: z.object({ workspaceSlug: z.string().min(1).max(64) }),
          body: z.object({ logout_token: z.string().min(1).max(8192) }),
          // A body that fails the schema gets the Hub's usual error shape.
          response: { 200: z.null(), 400: z.union([logoutError, errorResponses[400]]), 404: logoutError, 429: errorResponses[429] },
        },
        config: { access: 'public', rateLimit: { max: limits.perMinute, timeWindow: '1 minute', keyGenerator: (request: FastifyRequest) => `backchannel-logout:${request.ip}` } },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        const workspace = await getWorkspaceBySlug(services.db, request.params.workspaceSlug);
        const config = workspace ? await getOidcConfig(services.db, workspace.id) : undefined;
        if (!workspace || !config) return reply.status(404).send({ error: 'invalid_request', error_description: `The workspace "${request.params.workspaceSlug}" does not exist or has no single sign-on.` });
        const audit = (action: string) => appendAuditEvent(services.db, { ...auditBase(request, { kind: 'system', id: 'sso', workspaceId: workspace.id }, services.now()), action, target: { kind: 'workspace', id: workspace.id }, changeDigest: null });
        try {
          const claims = await verifyLogoutToken(config, request.body.logout_token);
          const now = services.now();
          const expires = new Date(((claims.iat ?? 0) + maxTokenAgeSeconds + clockToleranceSeconds) * 1000);
          if (!(await recordLogoutToken(services.db, { workspace_id: workspace.id, jti: claims.jti!, expires_at: expires }, now))) throw new LogoutRefusal('replayed');
          const ended = await endProviderSessions(services.db, workspace.id, { ...(claims.sub !== undefined && { sub: claims.sub }), ...(typeof claims.sid === 'string' && { sid: claims.sid }) }, now);
          await audit(ended.length ? 'sso.oidc.logged-out' : 'sso.oidc.logged-out.no-sessions');
          return reply.status(200).send(null);
        } catch (error) {
          if (!(error instanceof LogoutRefusal)) throw error;
          await audit(`sso.oidc.logout-refused.${error.reason}`);
          return refuse(reply, error.reason);
        }
      },
    );
  };

  /** Checks a logout token as section 2.6 asks; openid-client has no helper for it, so jose does it against the provider's published keys. */
  async function verifyLogoutToken(config: OidcConfigRow, token: string): Promise<JWTPayload> {
    let jwksUri: string | undefined;
    try {
      jwksUri = (await providers.forWorkspace(config)).serverMetadata().jwks_uri;
    } catch {
      throw new LogoutRefusal('provider-unreachable');
    }
    if (!jwksUri) throw new LogoutRefusal('provider-has-no-jwks');
    let keySet = keySets.get(jwksUri);
    if (!keySet) keySets.set(jwksUri, (keySet = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 10_000 })));
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, keySet, { issuer: config.issuer, audience: config.client_id, requiredClaims: ['iat', 'jti', 'events'], maxTokenAge: maxTokenAgeSeconds, clockTolerance: clockToleranceSeconds, currentDate: services.now() }));
    } catch (error) {
      throw new LogoutRefusal(whyRefused(error));
    }
    const events = claims.events as Record<string, unknown> | undefined;
    if (typeof events !== 'object' || events === null || typeof events[backchannelLogoutEvent] !== 'object') throw new LogoutRefusal('missing-logout-event');
    // A nonce means an ID token sent in its place (section 2.6, step 5).
    if ('nonce' in claims) throw new LogoutRefusal('has-nonce');
    if (typeof claims.sub !== 'string' && typeof claims.sid !== 'string') throw new LogoutRefusal('no-subject-or-session');
    if (typeof claims.jti !== 'string' || claims.jti.length > 512) throw new LogoutRefusal('bad-jti');
    return claims;
  }
}

/** jose's error as a short audit reason (never the token). */
function whyRefused(error: unknown): string {
  const e = error as { code?: string; claim?: string; reason?: string };
  if (e.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'bad-signature';
  if (e.code === 'ERR_JWKS_NO_MATCHING_KEY' || e.code === 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') return 'unknown-signing-key';
  if (e.code === 'ERR_JWT_EXPIRED') return 'token-expired';
  if (e.code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') return `${e.reason === 'missing' ? 'missing' : 'wrong'}-${e.claim ?? 'claim'}`.replace(/[^a-z0-9-]/gi, '');
  if (e.code === 'ERR_JOSE_ALG_NOT_ALLOWED' || e.code === 'ERR_JOSE_NOT_SUPPORTED') return 'unsupported-algorithm';
  if (e.code === 'ERR_JWKS_TIMEOUT' || e.code === 'ERR_JOSE_GENERIC') return 'provider-unreachable';
  return 'token-invalid';
}

function refuse(reply: FastifyReply, reason: string) {
  return reply.status(400).send({ error: 'invalid_request', error_description: `The logout token was refused (${reason}).` });
}
