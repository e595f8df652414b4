import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { roles } from '../auth/permissions';
import { getWorkspace, getWorkspaceBySlug } from '../db/identity-store';
import { deleteOidcConfig, getOidcConfig, saveOidcConfig, type OidcConfigRow } from '../db/oidc-store';
import { audited, callerOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { checkRolesAssignable } from './sign-in-rules';
import { newClientSigningKey, publicJwks } from './oidc-client-key';
import { postLogoutRedirectUrl } from './oidc-end-session';
import { oidcCallbackUrl } from './oidc-provider-client';

/** https only, except a provider on this machine (development, tests): tokens must not cross a network in the clear. */
const issuerSchema = z.url({ protocol: /^https?$/, error: 'must be the provider\'s issuer address, e.g. https://acme.okta.com' }).refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}, { error: 'must be an https:// address (http:// only for a provider on 127.0.0.1 or localhost)' });
const domainSchema = z.string().trim().toLowerCase().regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, { error: 'must be a domain name such as acme.com' });

const oidcConfigBody = z.object({
  issuer: issuerSchema,
  clientId: z.string().trim().min(1).max(512),
  /** Write-only: kept sealed, never shown again. Leave it out to keep the saved one; send null to remove it (a public client with PKCE). */
  clientSecret: z.string().min(1).max(2048).nullable().optional(),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,100}$/, { error: 'must be a scope name without spaces or quotes' }))
    .min(1)
    .max(20)
    .refine((scopes) => scopes.includes('openid'), { error: 'must include openid' })
    .default(['openid', 'email', 'profile']),
  allowedEmailDomains: z.array(domainSchema).min(1, { error: 'name at least one email domain whose people may sign in, e.g. ["acme.com"]' }).max(100),
  /** The ID token claim that carries the person's groups or role, e.g. "groups". */
  roleClaim: z.string().trim().min(1).max(100).nullable().optional(),
  /** Claim value → Hub role, e.g. {"kata-admins": "admin"}. */
  roleMapping: z.record(z.string().min(1).max(200), z.enum(roles)).default({}),
  defaultRole: z.enum(roles).default('viewer'),
  /** Create a member on first sign-in (true), or let in only people who are already members (false). */
  jitProvisioning: z.boolean().default(false),
  /** How the Hub proves itself at the token endpoint: the client secret, or `private_key_jwt` with a key pair the Hub makes for this workspace (register `jwksUri` at the provider). */
  clientAuth: z.enum(['client_secret', 'private_key_jwt']).default('client_secret'),
});

const oidcConfigOut = z.object({
  issuer: z.string(),
  clientId: z.string(),
  clientSecretSet: z.boolean(),
  scopes: z.array(z.string()),
  allowedEmailDomains: z.array(z.string()),
  roleClaim: z.string().nullable(),
  roleMapping: z.record(z.string(), z.string()),
  defaultRole: z.string(),
  jitProvisioning: z.boolean(),
  /** Register this address as the redirect URI at the provider. */
  redirectUri: z.string(),
  /** Where members of this workspace start signing in. */
  signInUrl: z.string(),
  /** Register this address as the back-channel logout URI at the provider (with backchannel_logout_session_required), so signing out there ends Hub sessions. */
  backchannelLogoutUri: z.string(),
  /** Register this address as a post-logout redirect URI, so signing out of the Hub signs out at the provider too. */
  postLogoutRedirectUri: z.string(),
  clientAuth: z.enum(['client_secret', 'private_key_jwt']),
  /** With private_key_jwt: the Hub's public keys for this workspace, to register at the provider as the client's JWKS URI. */
  jwksUri: z.string().nullable(),
  updatedAt: z.string(),
});

/** A workspace's OpenID Provider for single sign-on: set, read (without the secret), remove. */
export function oidcConfigRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const access = { permission: 'sso.manage' } as const;

  r.get('/v1/sso/oidc', { schema: { tags: ['sso'], summary: "The workspace's OIDC single sign-on settings (the client secret is never shown)", response: { 200: oidcConfigOut, ...errorResponses } }, config: { access } }, async (request) => {
    const workspaceId = callerOf(request).workspaceId;
    const config = await getOidcConfig(services.db, workspaceId);
    if (!config) throw new HubError(404, 'Single sign-on with OIDC is not set up for this workspace; set it up with PUT /v1/sso/oidc.', 'not-found');
    return describe(config, await slugOf(workspaceId));
  });

  r.put('/v1/sso/oidc', { schema: { tags: ['sso'], summary: 'Set up OIDC single sign-on with an OpenID Provider', body: oidcConfigBody, response: { 200: oidcConfigOut, ...errorResponses } }, config: { access } }, async (request) => {
    const caller = callerOf(request);
    const body = request.body;
    checkRolesAssignable(request, body.roleMapping, body.defaultRole);
    // The issuer is kept exactly as given: ID tokens must name it character for character (Auth0's ends in a slash).
    const settings = { issuer: body.issuer, client_id: body.clientId, scopes: body.scopes, allowed_email_domains: [...new Set(body.allowedEmailDomains)], role_claim: body.roleClaim ?? null, role_mapping: body.roleMapping, default_role: body.defaultRole, jit_provisioning: body.jitProvisioning };
    const sealed = body.clientSecret === undefined ? undefined : body.clientSecret === null ? null : services.cipher.encrypt(body.clientSecret);
    // The key pair is made once and kept (the provider has registered its public half); only the public half is ever shown.
    const existing = await getOidcConfig(services.db, caller.workspaceId);
    const signingKey = body.clientAuth === 'private_key_jwt' && !existing?.client_signing_key ? newClientSigningKey(services.cipher) : undefined;
    // The audit log proves what was set, never the secret: only whether it changed.
    await audited(request, services, { action: 'sso.oidc.configured', target: { kind: 'workspace', id: caller.workspaceId }, change: { ...settings, clientAuth: body.clientAuth, clientSecretChanged: body.clientSecret !== undefined, signingKeyMade: signingKey !== undefined } }, (tx) =>
      saveOidcConfig(tx, caller.workspaceId, { ...settings, client_auth: body.clientAuth, client_secret: sealed, ...(signingKey && { client_signing_key: signingKey }) }, services.now()),
    );
    return describe((await getOidcConfig(services.db, caller.workspaceId))!, await slugOf(caller.workspaceId));
  });

  r.get(
    '/v1/sso/oidc/:workspaceSlug/jwks',
    {
      schema: { tags: ['sign-in'], summary: "The Hub's public keys for this workspace (private_key_jwt): the client JWKS URI to register at the provider", params: z.object({ workspaceSlug: z.string().min(1).max(64) }), response: { 200: z.object({ keys: z.array(z.record(z.string(), z.string())) }), ...errorResponses } },
      config: { access: 'public' },
    },
    async (request) => {
      const workspace = await getWorkspaceBySlug(services.db, request.params.workspaceSlug);
      const config = workspace ? await getOidcConfig(services.db, workspace.id) : undefined;
      if (!config?.client_signing_key) throw new HubError(404, `The workspace "${request.params.workspaceSlug}" does not exist or does not sign in to its provider with private_key_jwt.`, 'not-found');
      return publicJwks(services.cipher, config.client_signing_key);
    },
  );

  r.delete('/v1/sso/oidc', { schema: { tags: ['sso'], summary: 'Turn off OIDC single sign-on (members keep their accounts and sessions)', response: { 204: z.null(), ...errorResponses } }, config: { access } }, async (request, reply) => {
    const workspaceId = callerOf(request).workspaceId;
    const removed = await audited(request, services, { action: 'sso.oidc.removed', target: { kind: 'workspace', id: workspaceId } }, (tx) => deleteOidcConfig(tx, workspaceId));
    if (!removed) throw new HubError(404, 'Single sign-on with OIDC is not set up for this workspace.', 'not-found');
    return reply.status(204).send(null);
  });

  async function slugOf(workspaceId: string): Promise<string> {
    const workspace = (await getWorkspace(services.db, workspaceId))!;
    return workspace.slug ?? workspace.id;
  }

  function describe(config: OidcConfigRow, slug: string): z.infer<typeof oidcConfigOut> {
    return {
      issuer: config.issuer,
      clientId: config.client_id,
      clientSecretSet: config.client_secret !== null,
      scopes: config.scopes,
      allowedEmailDomains: config.allowed_email_domains,
      roleClaim: config.role_claim,
      roleMapping: config.role_mapping,
      defaultRole: config.default_role,
      jitProvisioning: config.jit_provisioning,
      redirectUri: oidcCallbackUrl(services),
      signInUrl: `${services.publicUrl}/v1/sso/oidc/${encodeURIComponent(slug)}/start`,
      backchannelLogoutUri: `${services.publicUrl}/v1/sso/oidc/${encodeURIComponent(slug)}/backchannel-logout`,
      postLogoutRedirectUri: postLogoutRedirectUrl(services),
      clientAuth: config.client_auth === 'private_key_jwt' ? 'private_key_jwt' : 'client_secret',
      jwksUri: config.client_signing_key ? `${services.publicUrl}/v1/sso/oidc/${encodeURIComponent(slug)}/jwks` : null,
      updatedAt: config.updated_at.toISOString(),
    };
  }
}
