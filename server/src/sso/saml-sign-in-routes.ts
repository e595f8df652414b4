import { randomBytes, randomUUID } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';
import { SAML, SamlStatusError, ValidateInResponseTo, type CacheProvider, type Profile } from '@node-saml/node-saml';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { startSession } from '../auth/sessions';
import * as store from '../db/identity-store';
import { claimSamlRequest, createSamlRequest, findSamlRequest, getSamlConfig, markAssertionSeen, type SamlConfigRow } from '../db/saml-store';
import { errorResponses } from '../http/errors';
import { readFormBodies } from '../http/form-body';
import type { HubServices } from '../http/services';
import { admitMember, afterSignIn, authorizationRequestToReturnTo, escapeMarkup, expiredAuthorizationRequest, mostTrustedRole, Refusal, refuse, refuseAudited, ssoStartQuery } from './sign-in-rules';
import { samlAddresses } from './saml-config-routes';

const requestMinutes = 10;
/** IdP and Hub clocks may disagree by this much; more is refused. */
const clockSkewMs = 2 * 60_000;
const emailFormat = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';
const slugParams = z.object({ workspaceSlug: z.string().min(1).max(64) });

/**
 * Sign-in through a workspace's SAML identity provider: the Hub's metadata,
 * SP-initiated login (AuthnRequest by redirect, its ID kept in the database
 * for ten minutes, one use) and the assertion consumer service (POST binding).
 * node-saml checks the assertion's signature, audience and times; the Hub
 * checks the issuer, the recipient and destination, InResponseTo and replay.
 * Public by design: the person has no session yet. Every refusal is audited.
 */
export function samlSignInRoutes(services: HubServices, limits: { signInPerMinute: number }) {
  return async function samlSignInPlugin(scoped: FastifyInstance): Promise<void> {
    // IdPs post the response as an HTML form; only these routes (and Studio's sign-in pages) read form bodies.
    readFormBodies(scoped);
    const r = scoped.withTypeProvider<ZodTypeProvider>();
    const rateLimit = { max: limits.signInPerMinute, timeWindow: '1 minute', keyGenerator: (request: FastifyRequest) => `sign-in:${request.ip}` };

    r.get(
      '/v1/sso/saml/:workspaceSlug/metadata',
      { schema: { tags: ['sign-in'], summary: "The Hub's SAML service provider metadata for this workspace (give it to the identity provider)", params: slugParams, response: { 200: z.string(), ...errorResponses } }, config: { access: 'public' } },
      async (request, reply) => {
        const workspace = await store.getWorkspaceBySlug(services.db, request.params.workspaceSlug);
        if (!workspace) return refuse(request, reply, new Refusal(404, 'not-configured', `The workspace "${request.params.workspaceSlug}" does not exist.`));
        const { spEntityId, acsUrl } = samlAddresses(services.publicUrl, workspace.slug ?? workspace.id);
        const xml = `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${escapeMarkup(spEntityId)}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="false" WantAssertionsSigned="true">
    <md:NameIDFormat>${emailFormat}</md:NameIDFormat>
    <md:AssertionConsumerService index="1" isDefault="true" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${escapeMarkup(acsUrl)}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
`;
        return reply.type('application/samlmetadata+xml; charset=utf-8').send(xml);
      },
    );

    r.get(
      '/v1/sso/saml/:workspaceSlug/start',
      {
        schema: {
          tags: ['sign-in'],
          summary: "Sign in through the workspace's SAML identity provider (redirects there)",
          params: slugParams,
          querystring: ssoStartQuery,
          response: { 302: z.null(), ...errorResponses },
        },
        config: { access: 'public', rateLimit },
      },
      async (request, reply) => {
        const workspace = await store.getWorkspaceBySlug(services.db, request.params.workspaceSlug);
        const config = workspace ? await getSamlConfig(services.db, workspace.id) : undefined;
        if (!workspace || !config) return refuse(request, reply, new Refusal(404, 'not-configured', `The workspace "${request.params.workspaceSlug}" does not exist or has no SAML single sign-on; sign in with your email and password instead.`));
        const returnTo = await authorizationRequestToReturnTo(services, request.query);
        if (returnTo === false) return refuse(request, reply, expiredAuthorizationRequest);
        // SAML IDs must not start with a digit (xsd:ID).
        const id = `_${randomBytes(20).toString('hex')}`;
        await createSamlRequest(services.db, { id, workspace_id: workspace.id, client: request.query.client, authorization_request_id: returnTo, expires_at: new Date(services.now().getTime() + requestMinutes * 60_000) });
        const saml = samlFor(config, workspace.slug ?? workspace.id, () => id);
        return reply.redirect(await saml.getAuthorizeUrlAsync('', undefined, {}), 302);
      },
    );

    r.post(
      '/v1/sso/saml/:workspaceSlug/acs',
      {
        schema: {
          tags: ['sign-in'],
          summary: 'Where the identity provider posts its SAML response (the ACS address to register there)',
          params: slugParams,
          body: z.object({ SAMLResponse: z.string().min(1).max(500_000), RelayState: z.string().max(256).optional() }),
          response: { 302: z.null(), ...errorResponses },
        },
        config: { access: 'public', rateLimit },
      },
      async (request, reply) => {
        const workspace = await store.getWorkspaceBySlug(services.db, request.params.workspaceSlug);
        const config = workspace ? await getSamlConfig(services.db, workspace.id) : undefined;
        try {
          if (!workspace || !config) throw new Refusal(404, 'not-configured', `The workspace "${request.params.workspaceSlug}" does not exist or has no SAML single sign-on; sign in with your email and password instead.`);
          const { profile, authorizationRequestId } = await validate(config, workspace.slug ?? workspace.id, request.body);
          await admit(config, profile, request, reply);
          return reply.redirect(afterSignIn(services, authorizationRequestId), 302);
        } catch (error) {
          if (!(error instanceof Refusal)) throw error;
          return refuseAudited(request, reply, services, 'saml', workspace?.id, error);
        }
      },
    );
  };

  /** node-saml set up for one workspace; request IDs live in saml_requests, so any Hub instance can finish a sign-in. */
  function samlFor(config: SamlConfigRow, slug: string, generateUniqueId: () => string = () => `_${randomUUID()}`): SAML {
    const { spEntityId, acsUrl } = samlAddresses(services.publicUrl, slug);
    const cacheProvider: CacheProvider = {
      // The Hub writes the row itself (with the client) before asking for the URL.
      saveAsync: async (key, value) => ({ value, createdAt: Date.now() }),
      // node-saml wants the request's creation instant to check its age on its own clock; the Hub has already checked expiry on its clock, so "now" passes it.
      getAsync: async (key) => ((await findSamlRequest(services.db, config.workspace_id, key, services.now())) ? new Date().toISOString() : null),
      // Claimed by the Hub after every check passed (claimSamlRequest).
      removeAsync: async (key) => key,
    };
    return new SAML({
      entryPoint: config.idp_sso_url,
      issuer: spEntityId,
      callbackUrl: acsUrl,
      audience: spEntityId,
      idpCert: config.idp_certificates.map((c) => `-----BEGIN CERTIFICATE-----\n${c.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`),
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: false,
      acceptedClockSkewMs: clockSkewMs,
      identifierFormat: emailFormat,
      disableRequestedAuthnContext: true,
      validateInResponseTo: config.allow_idp_initiated ? ValidateInResponseTo.ifPresent : ValidateInResponseTo.always,
      requestIdExpirationPeriodMs: requestMinutes * 60_000,
      cacheProvider,
      generateUniqueId,
    });
  }

  async function validate(config: SamlConfigRow, slug: string, body: { SAMLResponse: string; RelayState?: string }): Promise<{ profile: Profile; authorizationRequestId: string | null }> {
    const { acsUrl } = samlAddresses(services.publicUrl, slug);
    let profile: Profile | null;
    try {
      ({ profile } = await samlFor(config, slug).validatePostResponseAsync({ SAMLResponse: body.SAMLResponse }));
    } catch (error) {
      throw whyResponseRefused(error);
    }
    if (!profile) throw new Refusal(400, 'response-invalid', 'The identity provider sent a response without a sign-in in it. Start again from the sign-in page.');
    if (profile.issuer !== config.idp_entity_id) throw new Refusal(401, 'wrong-issuer', `The response was signed by an identity provider this workspace does not use ("${String(profile.issuer).slice(0, 200)}"). Ask your administrator to check the single sign-on settings.`);
    // node-saml does not check where the response was meant to go: the Hub does, on the signed assertion and on the response.
    const assertion = (profile.getAssertion?.() ?? {}) as { Assertion?: SamlAssertion };
    const confirmations = (assertion.Assertion?.Subject?.[0]?.SubjectConfirmation ?? []).flatMap((s) => s.SubjectConfirmationData ?? []);
    if (!confirmations.some((d) => d.$?.Recipient === acsUrl)) throw new Refusal(401, 'wrong-recipient', 'The identity provider\'s answer was meant for another address, not this Hub. Ask your administrator to check the ACS address at the identity provider.');
    const destination = new DOMParser().parseFromString(profile.getSamlResponseXml?.() ?? '<x/>', 'text/xml').documentElement?.getAttribute('Destination');
    if (destination && destination !== acsUrl) throw new Refusal(401, 'wrong-destination', 'The identity provider\'s answer was meant for another address, not this Hub. Ask your administrator to check the ACS address at the identity provider.');
    const assertionId = assertion.Assertion?.$?.ID;
    if (!assertionId) throw new Refusal(400, 'response-invalid', 'The identity provider\'s assertion has no ID. Start again from the sign-in page.');
    // An IdP-initiated sign-in (no InResponseTo) goes to the console.
    let authorizationRequestId: string | null = null;
    if (typeof profile.inResponseTo === 'string') {
      const request = await claimSamlRequest(services.db, config.workspace_id, profile.inResponseTo, services.now());
      if (!request) throw new Refusal(400, 'unknown-request', 'This sign-in has expired, was already finished, or did not start here. Start again from the sign-in page.');
      authorizationRequestId = request.authorization_request_id;
    }
    // Kept until the assertion would be refused as expired anyway (node-saml's clock is the real one, so is this).
    const notOnOrAfter = Date.parse(assertion.Assertion?.Conditions?.[0]?.$?.NotOnOrAfter ?? '');
    const keepUntil = new Date(Math.max(Number.isNaN(notOnOrAfter) ? 0 : notOnOrAfter, Date.now() + 60 * 60_000) + clockSkewMs);
    if (!(await markAssertionSeen(services.db, config.workspace_id, assertionId, keepUntil, new Date()))) throw new Refusal(400, 'assertion-replayed', 'This sign-in was already used. Start again from the sign-in page.');
    return { profile, authorizationRequestId };
  }

  async function admit(config: SamlConfigRow, profile: Profile, request: FastifyRequest, reply: FastifyReply) {
    const email = emailOf(profile);
    if (!email) throw new Refusal(403, 'no-email', 'Your identity provider did not tell us your email address; ask your administrator to send it as the NameID (emailAddress format) or an "email" attribute.');
    const mapped = config.role_attribute ? mostTrustedRole(profile[config.role_attribute], config.role_mapping) : undefined;
    const { member, workspace } = await admitMember(request, services, config, { through: 'saml', email, name: firstString(profile['displayName'] ?? profile['name']), mapped });
    return startSession(request, reply, services, { user: member, workspace, client: 'browser', action: 'auth.login.succeeded', change: { through: 'saml' } });
  }
}

interface SamlAssertion {
  $?: { ID?: string };
  Subject?: { SubjectConfirmation?: { SubjectConfirmationData?: { $?: { Recipient?: string } }[] }[] }[];
  Conditions?: { $?: { NotOnOrAfter?: string } }[];
}

const firstString = (value: unknown): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' && first.trim() ? first.trim() : undefined;
};

/** The NameID when it is an email address, else the email attribute (by name or OID). */
function emailOf(profile: Profile): string | undefined {
  const candidate = profile.nameIDFormat === emailFormat ? profile.nameID : firstString(profile.email ?? profile.mail ?? profile['urn:oid:0.9.2342.19200300.100.1.3']);
  const email = candidate?.trim().toLowerCase();
  return email && /^[^@\s]+@[^@\s]+$/.test(email) ? email : undefined;
}

/** node-saml's error, in words the person can act on, and a reason for the audit log (never the response). */
function whyResponseRefused(error: unknown): Refusal {
  const message = error instanceof Error ? error.message : '';
  const tryAgain = 'Start again from the sign-in page; if it keeps happening, tell your administrator.';
  if (error instanceof SamlStatusError) return new Refusal(401, 'idp-refused', 'Your identity provider did not sign you in; try again, or ask your administrator whether you may use Kata.');
  if (/InResponseTo is missing/.test(message)) return new Refusal(403, 'idp-initiated-not-allowed', 'This workspace accepts only sign-ins started at Kata, not from the identity provider\'s dashboard. Start from the Kata sign-in page.');
  if (/InResponseTo is not valid/.test(message)) return new Refusal(400, 'unknown-request', 'This sign-in has expired, was already finished, or did not start here. Start again from the sign-in page.');
  if (/signature/i.test(message)) return new Refusal(401, 'bad-signature', `The identity provider's answer is unsigned, or its signature does not verify with the certificate in the single sign-on settings. ${tryAgain}`);
  if (/audience/i.test(message)) return new Refusal(401, 'wrong-audience', `The identity provider's answer was meant for another service, not this Hub. ${tryAgain}`);
  if (/expired/i.test(message)) return new Refusal(401, 'assertion-expired', `The identity provider's answer has expired; check that the clocks are right. ${tryAgain}`);
  if (/not yet valid/i.test(message)) return new Refusal(401, 'assertion-not-yet-valid', `The identity provider's answer is not valid yet; check that the clocks are right. ${tryAgain}`);
  if (/subject confirmation/i.test(message)) return new Refusal(401, 'assertion-expired', `The identity provider's answer has expired or is not meant for this Hub. ${tryAgain}`);
  return new Refusal(400, 'response-invalid', `The identity provider's answer could not be read or checked. ${tryAgain}`);
}

