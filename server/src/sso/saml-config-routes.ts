import { X509Certificate } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { roles } from '../auth/permissions';
import { getWorkspace } from '../db/identity-store';
import { deleteSamlConfig, getSamlConfig, saveSamlConfig, type SamlConfigRow } from '../db/saml-store';
import { audited, callerOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { checkRolesAssignable } from './sign-in-rules';
import { normaliseCertificate, parseIdpMetadata } from './saml-metadata';

/** https only, except an IdP on this machine (development, tests). */
const ssoUrlSchema = z.url({ protocol: /^https?$/, error: 'must be the identity provider\'s single sign-on address, e.g. https://acme.okta.com/app/…/sso/saml' }).refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}, { error: 'must be an https:// address (http:// only for an identity provider on 127.0.0.1 or localhost)' });
const domainSchema = z.string().trim().toLowerCase().regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, { error: 'must be a domain name such as acme.com' });

const samlConfigBody = z
  .object({
    /** The IdP's metadata XML; fills in the three fields below (which then must be left out). */
    metadataXml: z.string().min(1).max(200_000).optional(),
    idpEntityId: z.string().trim().min(1).max(1024).optional(),
    idpSsoUrl: ssoUrlSchema.optional(),
    /** The IdP's signing certificates, PEM or base64 (several while it rolls its key over). Public, not secret. */
    idpCertificates: z.array(z.string().min(1).max(20_000)).min(1).max(5).optional(),
    allowedEmailDomains: z.array(domainSchema).min(1, { error: 'name at least one email domain whose people may sign in, e.g. ["acme.com"]' }).max(100),
    /** The assertion attribute that carries the person's groups or role, e.g. "groups". */
    roleAttribute: z.string().trim().min(1).max(200).nullable().optional(),
    /** Attribute value → Hub role, e.g. {"kata-admins": "admin"}. */
    roleMapping: z.record(z.string().min(1).max(200), z.enum(roles)).default({}),
    defaultRole: z.enum(roles).default('viewer'),
    jitProvisioning: z.boolean().default(false),
    /** Accept responses the IdP sends unasked (from its app dashboard). Off: only sign-ins started at the Hub. */
    allowIdpInitiated: z.boolean().default(false),
  })
  .refine((b) => (b.metadataXml !== undefined) !== (b.idpEntityId !== undefined || b.idpSsoUrl !== undefined || b.idpCertificates !== undefined), { error: 'give either metadataXml or idpEntityId, idpSsoUrl and idpCertificates, not both' })
  .refine((b) => b.metadataXml !== undefined || (b.idpEntityId && b.idpSsoUrl && b.idpCertificates), { error: 'without metadataXml, idpEntityId, idpSsoUrl and idpCertificates are all needed' });

const samlConfigOut = z.object({
  idpEntityId: z.string(),
  idpSsoUrl: z.string(),
  idpCertificates: z.array(z.object({ subject: z.string(), validTo: z.string(), fingerprint256: z.string() })),
  allowedEmailDomains: z.array(z.string()),
  roleAttribute: z.string().nullable(),
  roleMapping: z.record(z.string(), z.string()),
  defaultRole: z.string(),
  jitProvisioning: z.boolean(),
  allowIdpInitiated: z.boolean(),
  /** Give these to the IdP: the Hub's entity ID (audience), ACS address, and its metadata. */
  spEntityId: z.string(),
  acsUrl: z.string(),
  metadataUrl: z.string(),
  signInUrl: z.string(),
  updatedAt: z.string(),
});

/** The Hub's own SAML addresses for a workspace: its entity ID is the metadata address. */
export function samlAddresses(publicUrl: string, slug: string) {
  const base = `${publicUrl}/v1/sso/saml/${encodeURIComponent(slug)}`;
  return { spEntityId: `${base}/metadata`, metadataUrl: `${base}/metadata`, acsUrl: `${base}/acs`, signInUrl: `${base}/start` };
}

/** A workspace's SAML identity provider for single sign-on: set, read, remove. */
export function samlConfigRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const access = { permission: 'sso.manage' } as const;

  r.get('/v1/sso/saml', { schema: { tags: ['sso'], summary: "The workspace's SAML single sign-on settings", response: { 200: samlConfigOut, ...errorResponses } }, config: { access } }, async (request) => {
    const workspaceId = callerOf(request).workspaceId;
    const config = await getSamlConfig(services.db, workspaceId);
    if (!config) throw new HubError(404, 'Single sign-on with SAML is not set up for this workspace; set it up with PUT /v1/sso/saml.', 'not-found');
    return describe(config, await slugOf(workspaceId));
  });

  r.put('/v1/sso/saml', { schema: { tags: ['sso'], summary: 'Set up SAML single sign-on with an identity provider (its metadata XML, or its entity ID, address and certificates)', body: samlConfigBody, response: { 200: samlConfigOut, ...errorResponses } }, config: { access } }, async (request) => {
    const caller = callerOf(request);
    const body = request.body;
    checkRolesAssignable(request, body.roleMapping, body.defaultRole);
    let idp: { entityId: string; ssoUrl: string; certificates: string[] };
    if (body.metadataXml !== undefined) {
      try {
        idp = parseIdpMetadata(body.metadataXml);
      } catch (error) {
        throw new HubError(400, `metadataXml: ${(error as Error).message}.`, 'invalid-request');
      }
      const url = ssoUrlSchema.safeParse(idp.ssoUrl);
      if (!url.success) throw new HubError(400, `metadataXml: its SingleSignOnService Location ${url.error.issues[0]?.message ?? 'is not usable'}.`, 'invalid-request');
    } else {
      const certificates = body.idpCertificates!.map((c, i) => {
        try {
          return normaliseCertificate(c);
        } catch (error) {
          throw new HubError(400, `idpCertificates.${i}: ${(error as Error).message}.`, 'invalid-request');
        }
      });
      idp = { entityId: body.idpEntityId!, ssoUrl: body.idpSsoUrl!, certificates };
    }
    const settings = { idp_entity_id: idp.entityId, idp_sso_url: idp.ssoUrl, idp_certificates: idp.certificates, allowed_email_domains: [...new Set(body.allowedEmailDomains)], role_attribute: body.roleAttribute ?? null, role_mapping: body.roleMapping, default_role: body.defaultRole, jit_provisioning: body.jitProvisioning, allow_idp_initiated: body.allowIdpInitiated };
    await audited(request, services, { action: 'sso.saml.configured', target: { kind: 'workspace', id: caller.workspaceId }, change: settings }, (tx) => saveSamlConfig(tx, caller.workspaceId, settings, services.now()));
    return describe((await getSamlConfig(services.db, caller.workspaceId))!, await slugOf(caller.workspaceId));
  });

  r.delete('/v1/sso/saml', { schema: { tags: ['sso'], summary: 'Turn off SAML single sign-on (members keep their accounts and sessions)', response: { 204: z.null(), ...errorResponses } }, config: { access } }, async (request, reply) => {
    const workspaceId = callerOf(request).workspaceId;
    const removed = await audited(request, services, { action: 'sso.saml.removed', target: { kind: 'workspace', id: workspaceId } }, (tx) => deleteSamlConfig(tx, workspaceId));
    if (!removed) throw new HubError(404, 'Single sign-on with SAML is not set up for this workspace.', 'not-found');
    return reply.status(204).send(null);
  });

  async function slugOf(workspaceId: string): Promise<string> {
    const workspace = (await getWorkspace(services.db, workspaceId))!;
    return workspace.slug ?? workspace.id;
  }

  function describe(config: SamlConfigRow, slug: string): z.infer<typeof samlConfigOut> {
    const { spEntityId, acsUrl, metadataUrl, signInUrl } = samlAddresses(services.publicUrl, slug);
    return {
      idpEntityId: config.idp_entity_id,
      idpSsoUrl: config.idp_sso_url,
      idpCertificates: config.idp_certificates.map((c) => {
        const cert = new X509Certificate(Buffer.from(c, 'base64'));
        return { subject: cert.subject, validTo: cert.validTo, fingerprint256: cert.fingerprint256 };
      }),
      allowedEmailDomains: config.allowed_email_domains,
      roleAttribute: config.role_attribute,
      roleMapping: config.role_mapping,
      defaultRole: config.default_role,
      jitProvisioning: config.jit_provisioning,
      allowIdpInitiated: config.allow_idp_initiated,
      spEntityId,
      acsUrl,
      metadataUrl,
      signInUrl,
      updatedAt: config.updated_at.toISOString(),
    };
  }
}
