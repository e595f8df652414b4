import { X509Certificate } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getOidcConfig } from '../db/oidc-store';
import { getSamlConfig } from '../db/saml-store';
import { audited, callerOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { providerClients } from './oidc-provider-client';
import { normaliseCertificate } from './saml-metadata';

const checkOut = z.object({ check: z.string(), ok: z.boolean(), detail: z.string() });
const testOut = z.object({ ok: z.boolean(), checks: z.array(checkOut) });
type Check = z.infer<typeof checkOut>;

const answerSeconds = 5;

/** Whether an address answers HTTP at all (any status under 500), within a few seconds. */
async function answers(url: string): Promise<{ ok: boolean; detail: string }> {
  try {
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(answerSeconds * 1000) });
    return response.status < 500 ? { ok: true, detail: `${url} answered ${response.status}` } : { ok: false, detail: `${url} answered ${response.status}: the provider has a problem` };
  } catch (error) {
    return { ok: false, detail: `${url} did not answer within ${answerSeconds} s (${(error as Error).message})` };
  }
}

/**
 * "Test connection" for the single sign-on settings as saved: can the Hub reach
 * the identity provider and trust what it publishes? Changes nothing; each test
 * is audited with its outcome. A sign-in is the full test; this finds the
 * common mistakes (a mistyped issuer, an unreachable address, an expired certificate) first.
 */
export function ssoTestConnectionRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const access = { permission: 'sso.manage' } as const;

  r.post('/v1/sso/oidc/test', { schema: { tags: ['sso'], summary: "Test the saved OIDC settings: the provider's discovery document and signing keys", response: { 200: testOut, ...errorResponses } }, config: { access } }, async (request) => {
    const { workspaceId } = callerOf(request);
    const config = await getOidcConfig(services.db, workspaceId);
    if (!config) throw new HubError(404, 'Single sign-on with OIDC is not set up for this workspace; save its settings first.', 'not-found');
    const checks: Check[] = [];
    try {
      // A client of its own, so the test never reuses (or leaves behind) a cached discovery.
      const metadata = (await providerClients(services.cipher).forWorkspace(config)).serverMetadata();
      checks.push({ check: 'discovery', ok: true, detail: `${config.issuer} publishes its discovery document (authorization at ${metadata.authorization_endpoint}, tokens at ${metadata.token_endpoint})` });
      if (metadata.jwks_uri) {
        const keys = await answers(metadata.jwks_uri);
        checks.push({ check: 'signing-keys', ...keys });
      } else checks.push({ check: 'signing-keys', ok: false, detail: 'the discovery document names no jwks_uri, so ID tokens cannot be checked' });
    } catch (error) {
      checks.push({ check: 'discovery', ok: false, detail: `${config.issuer}/.well-known/openid-configuration could not be used: ${(error as Error).message}. Check the issuer: it must be exactly the provider's.` });
    }
    const ok = checks.every((c) => c.ok);
    await audited(request, services, { action: 'sso.oidc.tested', target: { kind: 'workspace', id: workspaceId }, change: { ok, failed: checks.filter((c) => !c.ok).map((c) => c.check) } }, async () => undefined);
    return { ok, checks };
  });

  r.post('/v1/sso/saml/test', { schema: { tags: ['sso'], summary: "Test the saved SAML settings: the identity provider's certificates and single sign-on address", response: { 200: testOut, ...errorResponses } }, config: { access } }, async (request) => {
    const { workspaceId } = callerOf(request);
    const config = await getSamlConfig(services.db, workspaceId);
    if (!config) throw new HubError(404, 'Single sign-on with SAML is not set up for this workspace; save its settings first.', 'not-found');
    const now = services.now();
    const checks: Check[] = config.idp_certificates.map((pem, index) => {
      try {
        const certificate = new X509Certificate(Buffer.from(normaliseCertificate(pem), 'base64'));
        const from = new Date(certificate.validFrom);
        const to = new Date(certificate.validTo);
        const ok = from <= now && now < to;
        return { check: `certificate-${index + 1}`, ok, detail: `${certificate.subject.replace(/\n/g, ', ')}: valid ${from.toISOString().slice(0, 10)} to ${to.toISOString().slice(0, 10)}${ok ? '' : ', so not valid now: ask the identity provider for its current certificate'}` };
      } catch (error) {
        return { check: `certificate-${index + 1}`, ok: false, detail: `not a certificate: ${(error as Error).message}` };
      }
    });
    checks.push({ check: 'sso-url', ...(await answers(config.idp_sso_url)) });
    const ok = checks.every((c) => c.ok);
    await audited(request, services, { action: 'sso.saml.tested', target: { kind: 'workspace', id: workspaceId }, change: { ok, failed: checks.filter((c) => !c.ok).map((c) => c.check) } }, async () => undefined);
    return { ok, checks };
  });
}
