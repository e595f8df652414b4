import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * A local Salesforce org that answers like the real REST API, for the
 * connector's tests: OAuth 2.0 (authorize redirecting back with a code, the
 * token endpoint for authorization_code and refresh_token grants,
 * invalid_grant), 401 INVALID_SESSION_ID for an expired session, sObject
 * upsert by external id (201 created / 200 updated / 300 multiple matches),
 * sObject collections upsert, update and delete (at most 200 records,
 * per-record results, allOrNone false), SOQL on Opportunity with
 * `nextRecordsUrl` paging (Sforce-Query-Options batchSize), /limits, and
 * Sforce-Limit-Info: api-usage=N/M on every answer.
 */
export interface FakeSalesforceOptions {
  clientId?: string;
  clientSecret?: string;
  apiVersion?: string;
  dailyLimit?: number;
}

type Row = Record<string, unknown> & { Id: string };

export async function startFakeSalesforce(options: FakeSalesforceOptions = {}) {
  const clientId = options.clientId ?? 'fake-consumer-key';
  const clientSecret = options.clientSecret ?? 'fake-consumer-secret';
  const version = options.apiVersion ?? 'v61.0';
  const dailyLimit = options.dailyLimit ?? 100_000;
  const codes = new Map<string, string>();
  const refreshTokens = new Set<string>();
  const accessTokens = new Set<string>();
  const objects: Record<string, Map<string, Row>> = { Contact: new Map(), Lead: new Map(), Opportunity: new Map() };
  const cursors = new Map<string, { rows: Row[]; at: number; size: number }>();
  const prefixes: Record<string, string> = { Contact: '003', Lead: '00Q', Opportunity: '006' };
  let serial = 1;
  const stats = { apiCalls: 0, tokenRefreshes: 0, collectionCalls: 0 };
  const faults = { expireSessionAfterCalls: null as number | null, failExternalIds: new Set<string>() };
  let url = '';

  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  const newId = (type: string) => `${prefixes[type] ?? '001'}5g00000${String(serial++).padStart(8, '0')}`;
  const issueAccess = () => {
    const token = `00D5g000000fake!${randomBytes(24).toString('base64url')}`;
    accessTokens.add(token);
    return token;
  };
  const tokenAnswer = (extra: object) => ({ access_token: issueAccess(), instance_url: url, id: `${url}/id/00D5g000000fake/0055g000000user`, token_type: 'Bearer', issued_at: String(Date.now()), signature: randomBytes(32).toString('base64'), scope: 'api refresh_token', ...extra });

  app.get('/services/oauth2/authorize', async (request, reply) => {
    const query = request.query as Record<string, string>;
    if (query.client_id !== clientId) return reply.status(400).send('error=invalid_client_id&error_description=client identifier invalid');
    // The admin signs in and allows access; Salesforce sends the browser back with a code.
    const code = `aPrx${randomBytes(16).toString('base64url')}`;
    codes.set(code, query.redirect_uri ?? '');
    const back = new URL(query.redirect_uri!);
    back.searchParams.set('code', code);
    if (query.state) back.searchParams.set('state', query.state);
    return reply.redirect(back.href, 302);
  });

  app.post('/services/oauth2/token', async (request, reply) => {
    const form = request.body as Record<string, string>;
    if (form.client_id !== clientId || form.client_secret !== clientSecret) return reply.status(400).send({ error: 'invalid_client', error_description: 'invalid client credentials' });
    if (form.grant_type === 'authorization_code') {
      const redirect = codes.get(form.code ?? '');
      codes.delete(form.code ?? '');
      if (redirect === undefined || redirect !== form.redirect_uri) return reply.status(400).send({ error: 'invalid_grant', error_description: 'authentication failure' });
      const refresh = `5Aep861${randomBytes(24).toString('base64url')}`;
      refreshTokens.add(refresh);
      return tokenAnswer({ refresh_token: refresh });
    }
    if (form.grant_type === 'refresh_token') {
      if (!refreshTokens.has(form.refresh_token ?? '')) return reply.status(400).send({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
      stats.tokenRefreshes += 1;
      return tokenAnswer({});
    }
    return reply.status(400).send({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/services/data/')) return;
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if (!accessTokens.has(token)) return reply.status(401).send([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    if (stats.apiCalls >= dailyLimit) return reply.status(403).send([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    stats.apiCalls += 1;
    reply.header('sforce-limit-info', `api-usage=${stats.apiCalls}/${dailyLimit}`);
    if (faults.expireSessionAfterCalls !== null && stats.apiCalls >= faults.expireSessionAfterCalls) {
      // The org's session timeout passes mid-run: every access token handed out so far stops working.
      faults.expireSessionAfterCalls = null;
      accessTokens.clear();
    }
  });

  const api = `/services/data/${version}`;
  const fieldsOf = (record: Record<string, unknown>) => Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'attributes' && k !== 'Id' && k !== 'id'));
  // Salesforce names every required field missing: a Contact needs LastName, a Lead LastName and Company.
  const required: Record<string, string[]> = { Contact: ['LastName'], Lead: ['LastName', 'Company'] };
  const missingRequired = (type: string, row: Record<string, unknown>) => (required[type] ?? []).filter((field) => !row[field]);
  const matchesOf = (type: string, field: string, value: string) => [...(objects[type]?.values() ?? [])].filter((r) => r[field] === value);
  const upsertOne = (type: string, field: string, value: string, fields: Record<string, unknown>) => {
    if (faults.failExternalIds.has(value)) return { id: null, success: false, errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Rejected by a validation rule on this org', fields: [] }] };
    const matches = matchesOf(type, field, value);
    if (matches.length > 1) return { id: null, success: false, errors: [{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `${field}: more than one record found for external id field: [${matches.map((m) => m.Id).join(', ')}]`, fields: [field] }] };
    const existing = matches[0];
    const merged = { ...(existing ?? {}), ...fields, [field]: value };
    const missing = missingRequired(type, merged);
    if (missing.length > 0) return { id: null, success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${missing.join(', ')}]`, fields: missing }] };
    const id = existing?.Id ?? newId(type);
    objects[type]!.set(id, { ...merged, Id: id, SystemModstamp: new Date().toISOString() });
    return { id, success: true, errors: [], created: !existing };
  };
  const tooMany = (reply: FastifyReply, count: number) => reply.status(400).send([{ message: `Maximum number of records allowed: 200, number of records in request: ${count}`, errorCode: 'EXCEEDED_ID_LIMIT' }]);

  app.patch(`${api}/sobjects/:type/:field/:value`, async (request: FastifyRequest<{ Params: { type: string; field: string; value: string } }>, reply) => {
    const { type, field, value } = request.params;
    if (!objects[type]) return reply.status(404).send([{ message: `The requested resource does not exist`, errorCode: 'NOT_FOUND' }]);
    const matches = matchesOf(type, field, value);
    if (matches.length > 1) return reply.status(300).send(matches.map((m) => `${api}/sobjects/${type}/${m.Id}`));
    const result = upsertOne(type, field, value, fieldsOf((request.body ?? {}) as Record<string, unknown>));
    if (!result.success) return reply.status(400).send(result.errors.map((e) => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })));
    return reply.status(result.created ? 201 : 200).send(result);
  });

  app.patch(`${api}/composite/sobjects/:type/:field`, async (request: FastifyRequest<{ Params: { type: string; field: string } }>, reply) => {
    const { type, field } = request.params;
    const records = ((request.body ?? {}) as { records?: Record<string, unknown>[] }).records ?? [];
    if (records.length > 200) return tooMany(reply, records.length);
    stats.collectionCalls += 1;
    return records.map((record) => upsertOne(type, field, String(record[field] ?? ''), fieldsOf(record)));
  });

  app.patch(`${api}/composite/sobjects`, async (request, reply) => {
    const records = ((request.body ?? {}) as { records?: Record<string, unknown>[] }).records ?? [];
    if (records.length > 200) return tooMany(reply, records.length);
    return records.map((record) => {
      const type = (record.attributes as { type?: string } | undefined)?.type ?? '';
      const existing = objects[type]?.get(String(record.id));
      if (!existing) return { id: String(record.id), success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] };
      objects[type]!.set(existing.Id, { ...existing, ...fieldsOf(record), SystemModstamp: new Date().toISOString() });
      return { id: existing.Id, success: true, errors: [] };
    });
  });

  app.delete(`${api}/composite/sobjects`, async (request, reply) => {
    const ids = String((request.query as { ids?: string }).ids ?? '').split(',').filter(Boolean);
    if (ids.length > 200) return tooMany(reply, ids.length);
    return ids.map((id) => {
      const type = Object.keys(objects).find((t) => objects[t]!.has(id));
      if (!type) return { id, success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }] };
      objects[type]!.delete(id);
      return { id, success: true, errors: [] };
    });
  });

  app.get(`${api}/limits`, async () => ({ DailyApiRequests: { Max: dailyLimit, Remaining: dailyLimit - stats.apiCalls } }));

  /** The SOQL the connector sends for closed-won opportunities; anything else is refused as Salesforce refuses bad SOQL. */
  const opportunityQuery = /^SELECT (.+) FROM Opportunity WHERE IsWon = true AND SystemModstamp >= (\S+) ORDER BY SystemModstamp ASC$/;
  const page = (locator: string) => {
    const cursor = cursors.get(locator)!;
    const records = cursor.rows.slice(cursor.at, cursor.at + cursor.size);
    cursor.at += records.length;
    const done = cursor.at >= cursor.rows.length;
    if (done) cursors.delete(locator);
    return { totalSize: cursor.rows.length, done, ...(!done && { nextRecordsUrl: `${api}/query/${locator}-${cursor.at}` }), records };
  };
  app.get(`${api}/query`, async (request, reply) => {
    const soql = String((request.query as { q?: string }).q ?? '');
    const match = opportunityQuery.exec(soql);
    if (!match) return reply.status(400).send([{ message: `unexpected token: ${soql.slice(0, 40)}`, errorCode: 'MALFORMED_QUERY' }]);
    const fields = match[1]!.split(',').map((f) => f.trim());
    const since = Date.parse(match[2]!);
    if (Number.isNaN(since)) return reply.status(400).send([{ message: `value of filter criterion for field 'SystemModstamp' must be of type dateTime and should not be enclosed in quotes`, errorCode: 'INVALID_FIELD' }]);
    const rows = [...objects.Opportunity!.values()].filter((o) => o.IsWon === true && Date.parse(String(o.SystemModstamp)) >= since).sort((a, b) => Date.parse(String(a.SystemModstamp)) - Date.parse(String(b.SystemModstamp)));
    const projected = rows.map((o) => {
      const out: Row = { attributes: { type: 'Opportunity', url: `${api}/sobjects/Opportunity/${o.Id}` }, Id: o.Id } as Row;
      for (const field of fields) {
        if (field.startsWith('Contact.')) {
          const contact = o.ContactId ? objects.Contact!.get(String(o.ContactId)) : undefined;
          out.Contact = contact ? { attributes: { type: 'Contact', url: `${api}/sobjects/Contact/${contact.Id}` }, ...((out.Contact as object) ?? {}), [field.slice(8)]: contact[field.slice(8)] ?? null } : null;
        } else if (field === 'SystemModstamp') out[field] = salesforceDateTime(String(o.SystemModstamp));
        else out[field] = o[field] ?? null;
      }
      return out;
    });
    const size = Math.min(Math.max(Number(/batchSize=(\d+)/.exec(String(request.headers['sforce-query-options'] ?? ''))?.[1] ?? 2000), 200), 2000);
    const locator = `01g5g00000${randomBytes(4).toString('hex')}`;
    cursors.set(locator, { rows: projected, at: 0, size });
    return page(locator);
  });
  app.get(`${api}/query/:next`, async (request: FastifyRequest<{ Params: { next: string } }>, reply) => {
    const locator = request.params.next.replace(/-\d+$/, '');
    if (!cursors.has(locator)) return reply.status(400).send([{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
    return page(locator);
  });

  url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    clientId,
    clientSecret,
    objects,
    stats,
    faults,
    /** A record as someone would make it in Salesforce itself. */
    insert(type: 'Contact' | 'Lead' | 'Opportunity', fields: Record<string, unknown>) {
      const id = newId(type);
      objects[type]!.set(id, { ...fields, Id: id, SystemModstamp: (fields.SystemModstamp as string | undefined) ?? new Date().toISOString() });
      return id;
    },
    byField(type: 'Contact' | 'Lead', field: string, value: unknown) {
      return [...objects[type]!.values()].filter((r) => r[field] === value);
    },
    close: () => app.close(),
  };
}
/** Salesforce writes datetimes as 2026-11-24T10:00:00.000+0000. */
function salesforceDateTime(iso: string): string {
  return new Date(iso).toISOString().replace('Z', '+0000');
}

export type FakeSalesforce = Awaited<ReturnType<typeof startFakeSalesforce>>;
