import { AbortError } from 'p-retry';
import type { Connector, ConversionPage, OutgoingContact, PulledConversion, RecordOutcome } from './connector';
import type { ConnectorCredentials } from './credentials';
import { crmClient, maskPersonalValues, type CallStats } from './crm-http';
import { OAuthRefusal, tokenGrant } from './oauth';
import { RateWindow } from './rate-window';
import type { HubspotSettings } from './settings';

type HubspotCredentials = Extract<ConnectorCredentials, { kind: 'hubspot-private-app' | 'hubspot-oauth' }>;
type HubspotOAuth = Extract<ConnectorCredentials, { kind: 'hubspot-oauth' }>;

interface HubspotRecord {
  id: string;
  properties: Record<string, string | null>;
}
interface BatchAnswer {
  status: string;
  results: (HubspotRecord & { new?: boolean })[];
  errors?: { status: string; category: string; message: string; context?: Record<string, string[]> }[];
}
interface SearchAnswer {
  total: number;
  results: HubspotRecord[];
  paging?: { next?: { after: string } };
}
interface AssociationsAnswer {
  results: { from: { id: string }; to: { toObjectId: number | string }[] }[];
}

const describe = (status: number, body: unknown) => {
  const b = body as { message?: string; category?: string; policyName?: string; error?: string } | null;
  const code = b?.policyName ?? b?.error;
  return `HubSpot answered ${status}${b?.category ? ` ${b.category}` : ''}${code ? ` (${code})` : ''}: ${maskPersonalValues(b?.message ?? String(body ?? ''))}`;
};

/**
 * HubSpot CRM v3 with a private-app token, or an OAuth app whose access
 * token (30 minutes) is renewed with the refresh token before it expires and
 * on a 401 EXPIRED_AUTHENTICATION: contacts batch upsert by email
 * (100 a call), batch update and archive, GDPR delete for erasures, and
 * closed-won deals through the search API (`hs_lastmodifieddate` cursor,
 * `after` paging) with their contacts from the v4 associations API.
 */
export function hubspotConnector(options: { settings: HubspotSettings; credentials: HubspotCredentials; saveCredentials?(renewed: HubspotOAuth): Promise<void>; retries?: number; minDelayMs?: number }): Connector {
  const { settings } = options;
  let credentials = options.credentials;
  // Batches in flight share one renewal.
  let renewing: Promise<void> | null = null;
  const refresh = () => (renewing ??= renew().finally(() => (renewing = null)));
  async function renew(): Promise<void> {
    if (credentials.kind !== 'hubspot-oauth') return;
    if (!credentials.refreshToken) throw new AbortError(new Error('HubSpot gave no refresh token: connect the account again.'));
    try {
      credentials = (await tokenGrant(credentials, settings, { grant_type: 'refresh_token', refresh_token: credentials.refreshToken })) as HubspotOAuth;
    } catch (error) {
      if (error instanceof OAuthRefusal) throw new AbortError(new Error(`HubSpot refused to renew the access token (${error.message}): connect the account again.`));
      throw error;
    }
    await options.saveCredentials?.(credentials);
  }
  const authorization = async () => {
    if (credentials.kind === 'hubspot-oauth' && (!credentials.accessToken || !credentials.expiresAt || Date.parse(credentials.expiresAt) - 60_000 <= Date.now())) await refresh();
    return `Bearer ${credentials.accessToken}`;
  };
  const stats: CallStats = { requests: 0, rateLimited: 0, retries: 0 };
  // The CRM objects API: a rolling 10-second window (learnt from the headers); search has its own 5 per second.
  const window = new RateWindow(settings.requestsPer10Seconds, 10_000);
  const searchWindow = new RateWindow(5, 1000);
  const common = {
    baseUrl: settings.baseUrl,
    authorization,
    expired: (status: number, body: unknown) => status === 401 && credentials.kind === 'hubspot-oauth' && (body as { category?: string } | null)?.category === 'EXPIRED_AUTHENTICATION',
    refresh,
    stats,
    describe,
    ...(options.retries !== undefined && { retries: options.retries }),
    ...(options.minDelayMs !== undefined && { minDelayMs: options.minDelayMs }),
  };
  const call = crmClient({
    ...common,
    window,
    observe: (headers) => {
      const max = Number(headers.get('x-hubspot-ratelimit-max'));
      const intervalMs = Number(headers.get('x-hubspot-ratelimit-interval-milliseconds'));
      const remaining = headers.get('x-hubspot-ratelimit-remaining');
      if (max > 0 && intervalMs > 0) window.learn({ max, intervalMs, ...(remaining !== null && { remaining: Number(remaining) }) });
    },
  });
  const search = crmClient({ ...common, window: searchWindow });

  const byEmail = (contacts: OutgoingContact[]) => new Map(contacts.map((c) => [c.properties.email!.toLowerCase(), c.profileId]));

  const connector: Connector = {
    kind: 'hubspot',
    batchSize: 100,
    stats,

    async health() {
      try {
        await call('GET', '/crm/v3/objects/contacts?limit=1');
        return { ok: true, detail: 'HubSpot accepts the token.' };
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    },

    async upsert(contacts) {
      const sendable = contacts.filter((c) => c.properties.email);
      const outcomes: RecordOutcome[] = contacts.filter((c) => !c.properties.email).map((c) => ({ profileId: c.profileId, ok: false, error: 'The customer has no email address; HubSpot contacts are matched by email.' }));
      if (sendable.length === 0) return outcomes;
      return [...outcomes, ...(await upsertByEmail(sendable))];
    },

    async update(records) {
      const answer = await call<BatchAnswer>('POST', '/crm/v3/objects/contacts/batch/update', { inputs: records.map((r) => ({ id: r.crmId, properties: r.properties })) }, { accept: [207] });
      const ok = new Set(answer.body.results.map((r) => r.id));
      return records.map((r) => (ok.has(r.crmId) ? { profileId: r.profileId, ok: true, crmId: r.crmId, created: false } : { profileId: r.profileId, ok: false, error: maskPersonalValues(answer.body.errors?.[0]?.message ?? 'HubSpot did not update this contact.') }));
    },

    async remove(records, reason) {
      if (reason === 'withdraw') {
        // Archiving an unknown or already archived id succeeds (204): the contact is gone either way.
        await call('POST', '/crm/v3/objects/contacts/batch/archive', { inputs: records.map((r) => ({ id: r.crmId })) });
        return records.map((r) => ({ profileId: r.profileId, ok: true, crmId: r.crmId, created: false }));
      }
      // Erasure: HubSpot's GDPR delete removes the contact permanently (one per call), and blocks its email.
      const outcomes: RecordOutcome[] = [];
      for (const record of records) {
        const answer = await call('POST', '/crm/v3/objects/contacts/gdpr-delete', { objectId: record.crmId }, { accept: [404] });
        outcomes.push({ profileId: record.profileId, ok: true, crmId: record.crmId, created: answer.status === 404 });
      }
      return outcomes;
    },

    async *pullConversions(cursor) {
      let after: string | undefined;
      const since = cursor ?? '0';
      for (;;) {
        const page = await search<SearchAnswer>('POST', '/crm/v3/objects/deals/search', {
          filterGroups: [{ filters: [{ propertyName: 'dealstage', operator: 'EQ', value: 'closedwon' }, { propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: since }] }],
          sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
          properties: ['dealname', 'amount', 'closedate', 'deal_currency_code', 'hs_lastmodifieddate'],
          limit: 100,
          ...(after && { after }),
        });
        const deals = page.body.results;
        if (deals.length === 0) return;
        const contactOf = await dealContacts(deals.map((d) => d.id));
        const emails = await contactEmails([...new Set(contactOf.values())]);
        const conversions: PulledConversion[] = deals.map((deal) => {
          const contact = contactOf.get(deal.id) ?? null;
          return {
            externalId: deal.id,
            name: deal.properties.dealname ?? 'Deal',
            amount: Number(deal.properties.amount ?? 0) || 0,
            currency: deal.properties.deal_currency_code ?? 'USD',
            closedAt: new Date(deal.properties.closedate ?? deal.properties.hs_lastmodifieddate ?? Date.now()),
            contactCrmId: contact,
            contactEmail: contact ? (emails.get(contact) ?? null) : null,
            contactExternalId: null,
          };
        });
        const last = deals.at(-1)!.properties.hs_lastmodifieddate;
        const nextCursor = last ? String(new Date(Number.isNaN(Number(last)) ? last : Number(last)).getTime()) : since;
        const result: ConversionPage = { conversions, cursor: nextCursor };
        yield result;
        after = page.body.paging?.next?.after;
        if (!after) return;
      }
    },
  };

  /**
   * The batch upsert by email. The connector never creates contacts, so the CONTACT_EXISTS a create meets
   * cannot happen here; HubSpot still answers 409 CONTACT_EXISTS to an upsert whose email is another
   * contact's secondary address, refusing the whole batch and naming one contact. The batch is then sent
   * again in halves, so only the conflicting record is left with the CRM's message (a dead letter).
   */
  async function upsertByEmail(sendable: OutgoingContact[]): Promise<RecordOutcome[]> {
    const answer = await call<BatchAnswer>('POST', '/crm/v3/objects/contacts/batch/upsert', { inputs: sendable.map((c) => ({ idProperty: 'email', id: c.properties.email, properties: c.properties })) }, { accept: [207, 400, 409] });
    if (answer.status === 409 && sendable.length > 1) {
      const half = Math.ceil(sendable.length / 2);
      return [...(await upsertByEmail(sendable.slice(0, half))), ...(await upsertByEmail(sendable.slice(half)))];
    }
    const outcomes: RecordOutcome[] = [];
    const profiles = byEmail(sendable);
    const done = new Set<string>();
    for (const result of answer.body.results ?? []) {
      const profileId = profiles.get((result.properties.email ?? '').toLowerCase());
      if (!profileId) continue;
      done.add(profileId);
      outcomes.push({ profileId, ok: true, crmId: result.id, created: result.new === true });
    }
    const failure = answer.status >= 400 ? describe(answer.status, answer.body) : null;
    for (const contact of sendable) {
      if (done.has(contact.profileId)) continue;
      const email = contact.properties.email!.toLowerCase();
      const specific = answer.body.errors?.find((e) => Object.values(e.context ?? {}).some((values) => values.some((v) => v.toLowerCase() === email)));
      outcomes.push({ profileId: contact.profileId, ok: false, error: failure ?? maskPersonalValues(specific ? `${specific.category}: ${specific.message}` : 'HubSpot returned no result for this contact.') });
    }
    return outcomes;
  }

  /** Each deal's first associated contact (v4 associations, 1,000 a call). */
  async function dealContacts(dealIds: string[]): Promise<Map<string, string>> {
    const answer = await call<AssociationsAnswer>('POST', '/crm/v4/associations/deals/contacts/batch/read', { inputs: dealIds.map((id) => ({ id })) }, { accept: [207] });
    return new Map(answer.body.results.filter((r) => r.to.length > 0).map((r) => [r.from.id, String(r.to[0]!.toObjectId)]));
  }

  async function contactEmails(contactIds: string[]): Promise<Map<string, string>> {
    if (contactIds.length === 0) return new Map();
    const answer = await call<BatchAnswer>('POST', '/crm/v3/objects/contacts/batch/read', { properties: ['email'], inputs: contactIds.map((id) => ({ id })) }, { accept: [207] });
    return new Map(answer.body.results.filter((r) => r.properties.email).map((r) => [r.id, r.properties.email!]));
  }

  return connector;
}
