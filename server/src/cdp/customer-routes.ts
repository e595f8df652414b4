import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import * as store from '../db/cdp-store';
import { getWorkspace } from '../db/identity-store';
import { consentsOfProfiles } from '../db/privacy-store';
import { audited, callerOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { identifierHash, identifierText } from './identifiers';
import type { IdentifierKind } from './identity-graph';

export const legalBases = ['consent', 'contract', 'legal-obligation', 'vital-interests', 'public-task', 'legitimate-interests'] as const;
const purposeText = z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: 'use lower-case words joined by hyphens, e.g. email-marketing' }).max(60);

const consentOut = z.object({ purpose: z.string(), status: z.enum(['granted', 'denied', 'unknown']), source: z.string().nullable(), legalBasis: z.string().nullable(), updatedAt: z.string().nullable() });
const customerSummary = z.object({ id: z.string(), firstSeenAt: z.string(), lastSeenAt: z.string(), eventCount: z.number(), traits: z.record(z.string(), z.unknown()) });
const customerDetail = customerSummary.extend({
  email: z.string().nullable(),
  phone: z.string().nullable(),
  name: z.string().nullable(),
  identities: z.array(z.object({ kind: z.string(), value: z.string(), firstSeenAt: z.string() })),
  consent: z.array(consentOut),
  merges: z.array(z.object({ mergedId: z.string(), mergedAt: z.string(), because: z.string() })),
  conflicts: z.array(z.object({ otherCustomerId: z.string(), seenAt: z.string(), because: z.string() })),
});

/** Customers: find one by any identifier, see everything about them, and set their consent. */
export function customerRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { cipher } = services;
  const open = (sealed: string | null) => (sealed ? cipher.decrypt(sealed) : null);
  const summary = (p: NonNullable<store.ProfileRow>) => ({ id: p.id, firstSeenAt: p.first_seen_at.toISOString(), lastSeenAt: p.last_seen_at.toISOString(), eventCount: p.event_count, traits: p.traits });

  async function liveProfile(workspaceId: string, id: string) {
    const profile = await store.getProfile(services.db, workspaceId, id);
    if (!profile) throw new HubError(404, `No customer ${id} in this workspace.`, 'not-found');
    return profile;
  }

  /** "email maya@acme.example appeared on both", from the identity the hash names. */
  async function because(workspaceId: string, kind: string, hash: string, verb: string): Promise<string> {
    const identity = await store.identityByHash(services.db, workspaceId, kind, hash);
    return `${kind.replace('_', ' ')} ${identity ? cipher.decrypt(identity.value_enc) : '(since erased)'} ${verb}`;
  }

  r.get(
    '/v1/customers',
    {
      schema: {
        tags: ['customers'],
        summary: 'Find a customer by any identifier, or page through all of them',
        querystring: z.object({ identifier: identifierText.optional().describe('kind:value, e.g. email:maya@acme.example'), after: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: { 200: z.object({ customers: z.array(customerSummary), next: z.string().nullable() }), ...errorResponses },
      },
      config: { access: { permission: 'customers.read' } },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const { identifier, after, limit } = request.query;
      if (identifier) {
        const id = await store.profileIdByIdentifier(services.db, workspaceId, identifier.kind, identifierHash(cipher, workspaceId, identifier as { kind: IdentifierKind; value: string }));
        const profile = id ? await store.getProfile(services.db, workspaceId, id) : undefined;
        return { customers: profile ? [summary(profile)] : [], next: null };
      }
      const rows = await store.listProfiles(services.db, workspaceId, { after, limit });
      return { customers: rows.map((p) => summary(p)), next: rows.length === limit ? rows.at(-1)!.id : null };
    },
  );

  r.get('/v1/customers/:id', { schema: { tags: ['customers'], summary: 'A customer: traits, identities, consent, merges and conflicts', params: idParams, response: { 200: customerDetail, ...errorResponses } }, config: { access: { permission: 'customers.read' } } }, async (request) => {
    const { workspaceId } = callerOf(request);
    const profile = await liveProfile(workspaceId, request.params.id);
    const workspace = (await getWorkspace(services.db, workspaceId))!;
    const consents = await consentsOfProfiles(services.db, workspaceId, [profile.id]);
    const merges = await store.mergesInto(services.db, workspaceId, profile.id);
    const conflicts = await store.conflictsOf(services.db, workspaceId, profile.id);
    return {
      ...summary(profile),
      email: open(profile.email_enc),
      phone: open(profile.phone_enc),
      name: open(profile.name_enc),
      identities: (await store.identitiesOf(services.db, workspaceId, profile.id)).map((i) => ({ kind: i.kind, value: cipher.decrypt(i.value_enc), firstSeenAt: i.first_seen_at.toISOString() })),
      consent: workspace.consent_purposes.map((purpose) => {
        const row = consents.find((c) => c.purpose === purpose);
        return { purpose, status: row?.status ?? ('unknown' as const), source: row?.source ?? null, legalBasis: row?.legal_basis ?? null, updatedAt: row?.updated_at.toISOString() ?? null };
      }),
      merges: await Promise.all(merges.map(async (m) => ({ mergedId: m.merged_id, mergedAt: m.merged_at.toISOString(), because: await because(workspaceId, m.identifier_kind, m.identifier_hash, 'appeared on both') }))),
      conflicts: await Promise.all(
        conflicts.map(async (c) => ({ otherCustomerId: c.profile_id === profile.id ? c.other_profile_id : c.profile_id, seenAt: c.seen_at.toISOString(), because: await because(workspaceId, c.identifier_kind, c.identifier_hash, 'is shared with a customer who has another user id: not merged') })),
      ),
    };
  });

  r.get(
    '/v1/customers/:id/events',
    { schema: { tags: ['customers'], summary: "A customer's events, newest first", params: idParams, querystring: z.object({ before: z.iso.datetime({ offset: true }).optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }), response: { 200: z.object({ events: z.array(z.object({ messageId: z.string(), type: z.string(), name: z.string().nullable(), occurredAt: z.string(), properties: z.record(z.string(), z.unknown()) })) }), ...errorResponses } }, config: { access: { permission: 'customers.read' } } },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const profile = await liveProfile(workspaceId, request.params.id);
      const rows = await store.eventsOf(services.db, workspaceId, profile.id, { before: request.query.before ? new Date(request.query.before) : undefined, limit: request.query.limit });
      return { events: rows.map((e) => ({ messageId: e.message_id, type: e.type, name: e.name, occurredAt: e.occurred_at.toISOString(), properties: e.properties })) };
    },
  );

  r.get(
    '/v1/customers/:id/consent-history',
    { schema: { tags: ['customers'], summary: "Every change of a customer's consent, oldest first", params: idParams, response: { 200: z.object({ history: z.array(z.object({ purpose: z.string(), status: z.string(), source: z.string(), legalBasis: z.string(), recordedAt: z.string() })) }), ...errorResponses } }, config: { access: { permission: 'customers.read' } } },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const profile = await liveProfile(workspaceId, request.params.id);
      return { history: (await store.consentHistoryOf(services.db, workspaceId, profile.id)).map((h) => ({ purpose: h.purpose, status: h.status, source: h.source, legalBasis: h.legal_basis, recordedAt: h.recorded_at.toISOString() })) };
    },
  );

  r.put(
    '/v1/customers/:id/consent/:purpose',
    {
      schema: {
        tags: ['customers'],
        summary: "Set a customer's consent for one purpose (takes effect at once)",
        params: z.object({ id: z.string().min(1).max(64), purpose: purposeText }),
        body: z.object({ status: z.enum(['granted', 'denied', 'unknown']), legalBasis: z.enum(legalBases).default('consent'), source: z.string().trim().min(1).max(120).default('api') }),
        response: { 200: consentOut, ...errorResponses },
      },
      config: { access: { permission: 'customers.write' } },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const { purpose } = request.params;
      const workspace = (await getWorkspace(services.db, workspaceId))!;
      if (!workspace.consent_purposes.includes(purpose)) throw new HubError(400, `purpose: "${purpose}" is not one of this workspace's purposes (${workspace.consent_purposes.join(', ')}).`, 'unknown-purpose');
      const profile = await liveProfile(workspaceId, request.params.id);
      const now = services.now();
      const { status, legalBasis, source } = request.body;
      await audited(request, services, { action: 'customer.consent-set', target: { kind: 'customer', id: profile.id }, change: { purpose, status, legalBasis, source } }, (tx) =>
        store.applyConsentChanges(tx, workspaceId, [{ profileId: profile.id, purpose, status, source, legalBasis, messageId: null, at: now }]),
      );
      return { purpose, status, source: status === 'unknown' ? null : source, legalBasis: status === 'unknown' ? null : legalBasis, updatedAt: status === 'unknown' ? null : now.toISOString() };
    },
  );

  r.get('/v1/consent-purposes', { schema: { tags: ['customers'], summary: "The workspace's consent purposes", response: { 200: z.object({ purposes: z.array(z.string()) }), ...errorResponses } }, config: { access: { permission: 'customers.read' } } }, async (request) => ({
    purposes: (await getWorkspace(services.db, callerOf(request).workspaceId))!.consent_purposes,
  }));

  r.put(
    '/v1/consent-purposes',
    { schema: { tags: ['customers'], summary: "Set the workspace's consent purposes", body: z.object({ purposes: z.array(purposeText).min(1).max(40) }), response: { 200: z.object({ purposes: z.array(z.string()) }), ...errorResponses } }, config: { access: { permission: 'workspace.manage' } } },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const purposes = [...new Set(request.body.purposes)];
      await audited(request, services, { action: 'consent-purposes.set', target: { kind: 'workspace', id: workspaceId }, change: { purposes } }, (tx) => store.setConsentPurposes(tx, workspaceId, purposes));
      return { purposes };
    },
  );
}
