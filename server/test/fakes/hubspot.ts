import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * A local HubSpot CRM v3 that answers like the real one, for the connector's
 * tests and benchmark: private-app bearer tokens, contacts batch upsert (by
 * email, at most 100 inputs), batch update / archive / read, GDPR delete,
 * single and batch create with 409 CONTACT_EXISTS for an email already
 * taken (the whole batch refused, naming the first one), search (5 a
 * second, `after` paging, at most 200 a page) for contacts and deals, v4
 * deal→contact associations, and the rolling ten-second limit with its
 * X-HubSpot-RateLimit-* headers and the 429 body naming `policyName`.
 * Everything is in memory; tests inject failures through the returned handle.
 */
export interface FakeHubspotOptions {
  token?: string;
  /** Requests per rolling window (private apps: 100 Free/Starter, 190 Professional/Enterprise, 250 with the API add-on). */
  max?: number;
  intervalMs?: number;
  /** Search requests per second (HubSpot: 5). */
  searchPerSecond?: number;
  /** A delay before each answer, as a network would add. */
  latencyMs?: number;
  oauthClientId?: string;
  oauthClientSecret?: string;
}

interface StoredObject {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export async function startFakeHubspot(options: FakeHubspotOptions = {}) {
  const token = options.token ?? 'pat-na1-fake-token';
  const max = options.max ?? 100;
  const intervalMs = options.intervalMs ?? 10_000;
  const searchPerSecond = options.searchPerSecond ?? 5;
  const contacts = new Map<string, StoredObject>();
  const deals = new Map<string, StoredObject & { contactId: string | null }>();
  let nextId = 1000;
  const accepted: number[] = [];
  /** When each request was let through (all of them), for the benchmark's share of the limit used. */
  const acceptedAt: number[] = [];
  const searches: number[] = [];
  const stats = { requests: 0, accepted: 0, rateLimited: 0, searchRateLimited: 0, peakInWindow: 0, upsertCalls: 0, firstAt: 0, lastAt: 0 };
  /**
   * `conflictEmails`: an address HubSpot holds as another contact's secondary email, with that contact's
   * id; a batch upsert carrying one is refused whole with 409 CONTACT_EXISTS naming that contact.
   */
  const faults = { rateLimitNext: 0, serverErrorNext: 0, invalidEmails: new Set<string>(), conflictEmails: new Map<string, string>(), revokedToken: false };
  // OAuth apps: codes handed out by the authorize page, refresh tokens, and access tokens with their expiry.
  const oauthClient = { clientId: options.oauthClientId ?? 'fake-hubspot-app', clientSecret: options.oauthClientSecret ?? 'fake-hubspot-app-secret' };
  const oauthCodes = new Map<string, string>();
  const oauthRefreshTokens = new Set<string>();
  const oauthAccessTokens = new Map<string, number>();
  const oauthStats = { refreshes: 0 };

  const app = Fastify({ logger: false });
  const correlationId = () => randomUUID();
  const error = (reply: FastifyReply, status: number, category: string, message: string, extra: object = {}) => reply.status(status).send({ status: 'error', message, correlationId: correlationId(), category, ...extra });

  app.addHook('onRequest', async (request, reply) => {
    stats.requests += 1;
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
    if (request.url.startsWith('/oauth/')) return;
    const presented = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const expiresAt = oauthAccessTokens.get(presented);
    if (expiresAt !== undefined && expiresAt <= Date.now()) {
      return error(reply, 401, 'EXPIRED_AUTHENTICATION', `The OAuth token used to make this call expired ${Math.round((Date.now() - expiresAt) / 1000)} second(s) ago.`);
    }
    if ((presented !== token && expiresAt === undefined) || faults.revokedToken) {
      return error(reply, 401, 'INVALID_AUTHENTICATION', 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview');
    }
    const now = Date.now();
    if (request.url.endsWith('/search')) {
      // Search has its own per-second limit and sends no rate-limit headers.
      while (searches.length > 0 && searches[0]! <= now - 1000) searches.shift();
      if (searches.length >= searchPerSecond) {
        stats.searchRateLimited += 1;
        return reply.status(429).send({ status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: correlationId(), policyName: 'SECONDLY' });
      }
      searches.push(now);
      return;
    }
    while (accepted.length > 0 && accepted[0]! <= now - intervalMs) accepted.shift();
    if (faults.rateLimitNext > 0 || accepted.length >= max) {
      if (faults.rateLimitNext > 0) faults.rateLimitNext -= 1;
      stats.rateLimited += 1;
      reply.header('x-hubspot-ratelimit-max', String(max)).header('x-hubspot-ratelimit-remaining', '0').header('x-hubspot-ratelimit-interval-milliseconds', String(intervalMs));
      return reply.status(429).send({ status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: correlationId(), policyName: 'TEN_SECONDLY_ROLLING' });
    }
    accepted.push(now);
    acceptedAt.push(now);
    stats.accepted += 1;
    stats.firstAt ||= now;
    stats.lastAt = now;
    stats.peakInWindow = Math.max(stats.peakInWindow, accepted.length);
    reply
      .header('x-hubspot-ratelimit-max', String(max))
      .header('x-hubspot-ratelimit-remaining', String(max - accepted.length))
      .header('x-hubspot-ratelimit-interval-milliseconds', String(intervalMs))
      .header('x-hubspot-ratelimit-daily', '1000000')
      .header('x-hubspot-ratelimit-daily-remaining', String(1_000_000 - stats.accepted));
    if (faults.serverErrorNext > 0) {
      faults.serverErrorNext -= 1;
      return error(reply, 502, 'INTERNAL_ERROR', 'Bad gateway');
    }
  });

  const stamp = () => new Date().toISOString();
  // Contacts by lower-cased email, as HubSpot's unique email property finds them.
  const emails = new Map<string, string>();
  const contactByEmail = (email: string) => {
    const id = emails.get(email.toLowerCase());
    return id === undefined ? undefined : contacts.get(id);
  };
  const saveContact = (contact: StoredObject) => {
    contact.properties.lastmodifieddate = new Date().toISOString();
    contact.properties.createdate ??= contact.createdAt || contact.properties.lastmodifieddate;
    contacts.set(contact.id, contact);
    if (contact.properties.email) emails.set(contact.properties.email.toLowerCase(), contact.id);
    return contact;
  };
  const deleteContact = (id: string) => {
    const contact = contacts.get(id);
    if (contact?.properties.email) emails.delete(contact.properties.email.toLowerCase());
    contacts.delete(id);
  };
  const present = (o: StoredObject, properties?: string[]) => ({
    id: o.id,
    properties: properties ? Object.fromEntries([...properties, 'hs_object_id'].map((p) => [p, p === 'hs_object_id' ? o.id : (o.properties[p] ?? null)])) : { ...o.properties, hs_object_id: o.id },
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    archived: false,
  });
  const batchAnswer = (reply: FastifyReply, startedAt: string, results: unknown[], errors: unknown[]) =>
    reply.status(errors.length > 0 ? 207 : 200).send({ status: 'COMPLETE', results, ...(errors.length > 0 && { numErrors: errors.length, errors }), startedAt, completedAt: stamp() });
  const inputsOf = (request: FastifyRequest, reply: FastifyReply, limit: number): Record<string, unknown>[] | null => {
    const inputs = (request.body as { inputs?: unknown } | null)?.inputs;
    if (!Array.isArray(inputs)) return (error(reply, 400, 'VALIDATION_ERROR', 'Invalid input JSON on line 1, column 2: Cannot build BatchInputSimplePublicObjectBatchInputUpsert, some of required attributes are not set [inputs]'), null);
    if (inputs.length > limit) return (error(reply, 400, 'VALIDATION_ERROR', `Batch input size ${inputs.length} exceeds the maximum of ${limit}.`), null);
    return inputs as Record<string, unknown>[];
  };

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  app.get('/oauth/authorize', async (request, reply) => {
    const query = request.query as Record<string, string>;
    if (query.client_id !== oauthClient.clientId) return reply.status(400).send('Invalid client_id');
    // The admin picks the account and allows the scopes; HubSpot sends the browser back with a code.
    const code = randomUUID();
    oauthCodes.set(code, query.redirect_uri ?? '');
    const back = new URL(query.redirect_uri!);
    back.searchParams.set('code', code);
    if (query.state) back.searchParams.set('state', query.state);
    return reply.redirect(back.href, 302);
  });
  app.post('/oauth/v1/token', async (request, reply) => {
    const form = request.body as Record<string, string>;
    const refused = (message: string) => reply.status(400).send({ status: 'BAD_REFRESH_TOKEN', message, correlationId: correlationId(), error: 'invalid_grant', error_description: message });
    if (form.client_id !== oauthClient.clientId || form.client_secret !== oauthClient.clientSecret) return refused('missing or invalid client_id / client_secret');
    if (form.grant_type === 'authorization_code') {
      const redirect = oauthCodes.get(form.code ?? '');
      oauthCodes.delete(form.code ?? '');
      if (redirect === undefined || redirect !== form.redirect_uri) return refused('auth code not found');
    } else if (form.grant_type === 'refresh_token') {
      if (!oauthRefreshTokens.has(form.refresh_token ?? '')) return refused('missing or unknown refresh token');
      oauthStats.refreshes += 1;
    } else return refused('unsupported grant_type');
    const refreshToken = form.refresh_token ?? `na1-${randomUUID()}`;
    oauthRefreshTokens.add(refreshToken);
    const accessToken = `CJ${randomUUID().replace(/-/g, '')}`;
    oauthAccessTokens.set(accessToken, Date.now() + 1800 * 1000);
    return { token_type: 'bearer', refresh_token: refreshToken, access_token: accessToken, expires_in: 1800 };
  });

  app.get('/crm/v3/objects/contacts', async (request) => {
    const limit = Math.min(Number((request.query as { limit?: string }).limit ?? 10), 100);
    return { results: [...contacts.values()].slice(0, limit).map((c) => present(c)) };
  });

  /** HubSpot's 409 for a create (or upsert) that meets an email another contact has: CONTACT_EXISTS with the existing id. */
  const contactExists = (reply: FastifyReply, email: string, existingId: string) =>
    error(reply, 409, 'OBJECT_ALREADY_EXISTS', `Contact already exists. Existing ID: ${existingId}`, {
      error: 'CONTACT_EXISTS',
      identityProfile: { vid: Number(existingId), identity: [{ value: email, type: 'EMAIL', timestamp: Date.now(), isPrimary: true }], isContact: true },
      errors: [{ message: `A contact with email ${email} already exists. Existing ID: ${existingId}`, in: 'email' }],
    });

  app.post('/crm/v3/objects/contacts', async (request, reply) => {
    const properties = ((request.body as { properties?: Record<string, string> }).properties ?? {}) as Record<string, string>;
    const existing = properties.email ? contactByEmail(properties.email) : undefined;
    if (existing) return contactExists(reply, properties.email!, existing.id);
    const contact = saveContact({ id: String(nextId++), properties, createdAt: stamp(), updatedAt: stamp() });
    return reply.status(201).send(present(contact));
  });

  app.post('/crm/v3/objects/contacts/batch/create', async (request, reply) => {
    const startedAt = stamp();
    const inputs = inputsOf(request, reply, 100);
    if (!inputs) return reply;
    const propertiesOf = (input: Record<string, unknown>) => (input.properties ?? {}) as Record<string, string>;
    // A create is all or nothing: the first email already taken refuses the whole batch.
    for (const input of inputs) {
      const email = propertiesOf(input).email;
      const existing = email ? contactByEmail(email) : undefined;
      if (existing) return contactExists(reply, email!, existing.id);
    }
    const results = inputs.map((input) => present(saveContact({ id: String(nextId++), properties: { ...propertiesOf(input) }, createdAt: stamp(), updatedAt: stamp() })));
    return reply.status(201).send({ status: 'COMPLETE', results, startedAt, completedAt: stamp() });
  });

  app.post('/crm/v3/objects/contacts/batch/upsert', async (request, reply) => {
    const startedAt = stamp();
    const inputs = inputsOf(request, reply, 100);
    if (!inputs) return reply;
    stats.upsertCalls += 1;
    const conflicting = inputs.map((input) => String(input.id ?? '')).find((email) => faults.conflictEmails.has(email.toLowerCase()));
    if (conflicting) return contactExists(reply, conflicting, faults.conflictEmails.get(conflicting.toLowerCase())!);
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of inputs) {
      const email = String(input.id ?? '');
      const properties = (input.properties ?? {}) as Record<string, string>;
      if (input.idProperty !== 'email') return error(reply, 400, 'VALIDATION_ERROR', `Property "${String(input.idProperty)}" is not a unique identifier property for contacts.`);
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email) || faults.invalidEmails.has(email.toLowerCase())) {
        errors.push({ status: 'error', category: 'VALIDATION_ERROR', message: `Property values were not valid: [{"isValid":false,"message":"Email address ${email} is invalid","error":"INVALID_EMAIL","name":"email"}]`, context: { id: [email] } });
        continue;
      }
      const existing = contactByEmail(email);
      if (existing) {
        Object.assign(existing.properties, properties, { email: email.toLowerCase() });
        existing.updatedAt = stamp();
        results.push({ ...present(existing), new: false });
      } else {
        const contact = saveContact({ id: String(nextId++), properties: { ...properties, email: email.toLowerCase() }, createdAt: stamp(), updatedAt: stamp() });
        results.push({ ...present(contact), new: true });
      }
    }
    return batchAnswer(reply, startedAt, results, errors);
  });

  app.post('/crm/v3/objects/contacts/batch/update', async (request, reply) => {
    const startedAt = stamp();
    const inputs = inputsOf(request, reply, 100);
    if (!inputs) return reply;
    const results: unknown[] = [];
    const errors: unknown[] = [];
    for (const input of inputs) {
      const contact = contacts.get(String(input.id));
      if (!contact) {
        errors.push({ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: [String(input.id)] } });
        continue;
      }
      Object.assign(contact.properties, input.properties ?? {});
      contact.updatedAt = stamp();
      saveContact(contact);
      results.push(present(contact));
    }
    return batchAnswer(reply, startedAt, results, errors);
  });

  app.post('/crm/v3/objects/contacts/batch/archive', async (request, reply) => {
    const inputs = inputsOf(request, reply, 100);
    if (!inputs) return reply;
    for (const input of inputs) deleteContact(String(input.id));
    return reply.status(204).send();
  });

  app.post('/crm/v3/objects/contacts/batch/read', async (request, reply) => {
    const startedAt = stamp();
    const inputs = inputsOf(request, reply, 100);
    if (!inputs) return reply;
    const wanted = (request.body as { properties?: string[] }).properties ?? ['email'];
    const found = inputs.map((i) => contacts.get(String(i.id))).filter((c): c is StoredObject => c !== undefined);
    const missing = inputs.filter((i) => !contacts.has(String(i.id))).map((i) => String(i.id));
    return batchAnswer(reply, startedAt, found.map((c) => present(c, wanted)), missing.length > 0 ? [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist.', context: { ids: missing } }] : []);
  });

  app.post('/crm/v3/objects/contacts/gdpr-delete', async (request, reply) => {
    const { objectId, idProperty } = request.body as { objectId?: string; idProperty?: string };
    const contact = idProperty === 'email' ? contactByEmail(String(objectId)) : contacts.get(String(objectId));
    if (!contact) return error(reply, 404, 'OBJECT_NOT_FOUND', 'resource not found');
    deleteContact(contact.id);
    return reply.status(204).send();
  });

  const search = (objects: () => StoredObject[]) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = (request.body ?? {}) as { filterGroups?: { filters: { propertyName: string; operator: string; value?: string }[] }[]; sorts?: { propertyName: string; direction: string }[]; properties?: string[]; limit?: number; after?: string };
    const limit = body.limit ?? 10;
    if (limit > 200) return error(reply, 400, 'VALIDATION_ERROR', 'limit: must be less than or equal to 200');
    // Dates read back as ISO strings and are filtered by milliseconds since the epoch, as HubSpot does.
    const dates = new Set(['createdate', 'lastmodifieddate', 'hs_lastmodifieddate', 'closedate']);
    const value = (o: StoredObject, name: string) => (dates.has(name) && o.properties[name] ? String(Date.parse(o.properties[name]!)) : (o.properties[name] ?? ''));
    const compare = (a: string, b: string) => (/^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b) ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0);
    const matches = (o: StoredObject, f: { propertyName: string; operator: string; value?: string }) => {
      const c = compare(value(o, f.propertyName), f.value ?? '');
      return { EQ: c === 0, NEQ: c !== 0, GT: c > 0, GTE: c >= 0, LT: c < 0, LTE: c <= 0, HAS_PROPERTY: value(o, f.propertyName) !== '' }[f.operator] ?? false;
    };
    let found = objects().filter((o) => !body.filterGroups?.length || body.filterGroups.some((g) => g.filters.every((f) => matches(o, f))));
    const sort = body.sorts?.[0];
    found = found.sort((a, b) => (sort ? compare(value(a, sort.propertyName), value(b, sort.propertyName)) * (sort.direction === 'DESCENDING' ? -1 : 1) : 0) || Number(a.id) - Number(b.id));
    const offset = Number(body.after ?? 0);
    if (offset >= 10_000) return error(reply, 400, 'VALIDATION_ERROR', 'Paging beyond 10000 results is not supported.');
    const page = found.slice(offset, offset + limit);
    const next = offset + limit < found.length ? String(offset + limit) : null;
    return { total: found.length, results: page.map((o) => present(o, body.properties ?? ['email', 'firstname', 'lastname'])), ...(next && { paging: { next: { after: next, link: `?after=${next}` } } }) };
  };
  app.post('/crm/v3/objects/contacts/search', search(() => [...contacts.values()]));
  app.post('/crm/v3/objects/deals/search', search(() => [...deals.values()]));

  app.post('/crm/v4/associations/deals/contacts/batch/read', async (request, reply) => {
    const startedAt = stamp();
    const inputs = inputsOf(request, reply, 1000);
    if (!inputs) return reply;
    const results = inputs.flatMap((input) => {
      const deal = deals.get(String(input.id));
      return deal ? [{ from: { id: deal.id }, to: deal.contactId ? [{ toObjectId: Number(deal.contactId), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 3, label: null }] }] : [] }] : [];
    });
    return batchAnswer(reply, startedAt, results, []);
  });

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url: address,
    token,
    contacts,
    deals,
    stats,
    faults,
    limit: { max, intervalMs },
    contactByEmail,
    acceptedAt,
    oauthClient,
    oauthStats,
    /** Every OAuth access token handed out so far expires now (their 30 minutes pass mid-run). */
    expireOAuthTokens() {
      for (const accessToken of oauthAccessTokens.keys()) oauthAccessTokens.set(accessToken, Date.now() - 1000);
    },
    /** A contact made in HubSpot itself (by sales, an import), not by the Hub. */
    addContact(properties: Record<string, string>) {
      return saveContact({ id: String(nextId++), properties, createdAt: stamp(), updatedAt: stamp() }).id;
    },
    /** A deal as sales would leave it; `modifiedAt` becomes hs_lastmodifieddate. */
    addDeal(deal: { id?: string; name: string; amount: number; currency?: string; stage?: string; closedAt: Date; contactId: string | null; modifiedAt?: Date }) {
      const id = deal.id ?? String(nextId++);
      const modified = deal.modifiedAt ?? new Date();
      deals.set(id, {
        id,
        contactId: deal.contactId,
        createdAt: stamp(),
        updatedAt: modified.toISOString(),
        properties: { dealname: deal.name, amount: String(deal.amount), deal_currency_code: deal.currency ?? 'EUR', dealstage: deal.stage ?? 'closedwon', closedate: deal.closedAt.toISOString(), hs_lastmodifieddate: modified.toISOString() },
      });
      return id;
    },
    close: () => app.close(),
  };
}
export type FakeHubspot = Awaited<ReturnType<typeof startFakeHubspot>>;
