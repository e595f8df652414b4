import { AbortError } from 'p-retry';
import type { Connector, PulledConversion, RecordOutcome } from './connector';
import type { ConnectorCredentials } from './credentials';
import { crmClient, maskPersonalValues, type CallStats } from './crm-http';
import { OAuthRefusal, tokenGrant } from './oauth';
import { RateWindow } from './rate-window';
import type { SalesforceSettings } from './settings';

type SalesforceCredentials = Extract<ConnectorCredentials, { kind: 'salesforce-oauth' }>;
interface SaveResult {
  id: string | null;
  success: boolean;
  created?: boolean;
  errors: { statusCode: string; message: string; fields?: string[] }[];
}
interface QueryAnswer<T> {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: T[];
}
interface OpportunityRow {
  Id: string;
  Amount: number | null;
  CloseDate: string;
  SystemModstamp: string;
  CurrencyIsoCode?: string;
  ContactId: string | null;
  Contact: { Email: string | null; [field: string]: unknown } | null;
}

const describe = (status: number, body: unknown) => {
  const first = Array.isArray(body) ? (body[0] as { errorCode?: string; message?: string } | undefined) : (body as { error?: string; error_description?: string } | null);
  const code = first && 'errorCode' in first ? first.errorCode : (first as { error?: string } | null)?.error;
  const message = first && 'message' in first ? first.message : (first as { error_description?: string } | null)?.error_description;
  return `Salesforce answered ${status}${code ? ` ${code}` : ''}: ${maskPersonalValues(message ?? String(body ?? ''))}`;
};

/**
 * Salesforce REST with OAuth 2.0 (authorization code, then refresh tokens):
 * sObject collections upsert by an external id field (200 a call), updates
 * and deletes as collections, closed-won opportunities by SOQL on
 * `SystemModstamp` with `nextRecordsUrl` paging. An expired session
 * (401 INVALID_SESSION_ID) is refreshed once and the call sent again;
 * `Sforce-Limit-Info` stops a run before the org's daily API calls run out.
 */
export function salesforceConnector(options: { settings: SalesforceSettings; credentials: SalesforceCredentials; saveCredentials(renewed: SalesforceCredentials): Promise<void>; retries?: number; minDelayMs?: number }): Connector {
  const { settings } = options;
  let credentials = options.credentials;
  const stats: CallStats = { requests: 0, rateLimited: 0, retries: 0 };
  let usage = { used: 0, max: Number.POSITIVE_INFINITY };
  const base = () => `${(credentials.instanceUrl ?? settings.loginUrl).replace(/\/$/, '')}/services/data/${settings.apiVersion}`;
  // Batches in flight share one renewal.
  let renewing: Promise<void> | null = null;
  const refresh = () => (renewing ??= renew().finally(() => (renewing = null)));
  const call = crmClient({
    get baseUrl() {
      return base();
    },
    authorization: async () => {
      if (!credentials.accessToken) await refresh();
      return `Bearer ${credentials.accessToken}`;
    },
    expired: (_status, body) => Array.isArray(body) && body.some((e: { errorCode?: string }) => e.errorCode === 'INVALID_SESSION_ID'),
    refresh,
    // Salesforce counts calls per day, not per second; a modest pace keeps concurrent requests few.
    window: new RateWindow(25, 1000),
    observe: (headers) => {
      const match = /api-usage=(\d+)\/(\d+)/.exec(headers.get('sforce-limit-info') ?? '');
      if (match) usage = { used: Number(match[1]), max: Number(match[2]) };
    },
    stats,
    describe,
    ...(options.retries !== undefined && { retries: options.retries }),
    ...(options.minDelayMs !== undefined && { minDelayMs: options.minDelayMs }),
  });
  const guarded: typeof call = async (...args) => {
    if (usage.used >= usage.max * 0.98) throw new Error(`Salesforce's daily API limit is nearly used (${usage.used}/${usage.max}): the sync stops here and goes on at the next run.`);
    return call(...args);
  };

  async function renew(): Promise<void> {
    if (!credentials.refreshToken) throw new AbortError(new Error('Salesforce gave no refresh token: connect the account again (the connected app needs the refresh_token scope).'));
    try {
      credentials = (await tokenGrant(credentials, settings, { grant_type: 'refresh_token', refresh_token: credentials.refreshToken })) as SalesforceCredentials;
    } catch (error) {
      if (error instanceof OAuthRefusal) throw new AbortError(new Error(`Salesforce refused to renew the session (${error.message}): connect the account again.`));
      throw error;
    }
    await options.saveCredentials(credentials);
  }

  const outcomesOf = (results: SaveResult[], profileIds: string[], crmIds?: string[]): RecordOutcome[] =>
    profileIds.map((profileId, index) => {
      const result = results[index];
      if (result?.success) return { profileId, ok: true, crmId: result.id ?? crmIds?.[index] ?? '', created: result.created === true };
      return { profileId, ok: false, error: maskPersonalValues(result?.errors.map((e) => `${e.statusCode}: ${e.message}`).join('; ') || 'Salesforce returned no result for this record.') };
    });

  const connector: Connector = {
    kind: 'salesforce',
    batchSize: 200,
    stats,

    async health() {
      try {
        await guarded('GET', '/limits');
        return { ok: true, detail: `Salesforce accepts the session; API calls used today: ${usage.used}/${usage.max}.` };
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    },

    async upsert(contacts) {
      const records = contacts.map((c) => ({ attributes: { type: settings.sobject }, ...c.properties, [settings.externalIdField]: c.profileId }));
      if (contacts.length === 1) {
        // A lone record (a retried dead letter, say) goes to the sObject upsert, whose 300 lists every record the id matched.
        const fields: Record<string, string> = { ...contacts[0]!.properties };
        const answer = await guarded<{ id?: string; success?: boolean } | string[] | { errorCode: string; message: string }[]>('PATCH', `/sobjects/${settings.sobject}/${settings.externalIdField}/${encodeURIComponent(contacts[0]!.profileId)}`, fields, { accept: [300, 400] });
        const profileId = contacts[0]!.profileId;
        if (answer.status === 300) return [{ profileId, ok: false, error: `MULTIPLE_CHOICES: ${Array.isArray(answer.body) ? answer.body.length : 'several'} ${settings.sobject} records have this ${settings.externalIdField}; remove the duplicates in Salesforce.` }];
        if (answer.status === 400) return [{ profileId, ok: false, error: describe(400, answer.body) }];
        const created = answer.status === 201;
        const body = answer.body as { id?: string } | null;
        return [{ profileId, ok: true, crmId: body?.id ?? '', created }];
      }
      const answer = await guarded<SaveResult[]>('PATCH', `/composite/sobjects/${settings.sobject}/${settings.externalIdField}`, { allOrNone: false, records });
      return outcomesOf(answer.body, contacts.map((c) => c.profileId));
    },

    async update(records) {
      const answer = await guarded<SaveResult[]>('PATCH', '/composite/sobjects', { allOrNone: false, records: records.map((r) => ({ attributes: { type: settings.sobject }, id: r.crmId, ...coerce(r.properties) })) });
      return outcomesOf(answer.body, records.map((r) => r.profileId), records.map((r) => r.crmId));
    },

    async remove(records) {
      const answer = await guarded<SaveResult[]>('DELETE', `/composite/sobjects?ids=${records.map((r) => encodeURIComponent(r.crmId)).join(',')}&allOrNone=false`);
      // A record already deleted is gone as asked.
      const results = answer.body.map((r) => (r.success || r.errors.some((e) => e.statusCode === 'ENTITY_IS_DELETED' || e.statusCode === 'INVALID_CROSS_REFERENCE_KEY') ? { ...r, success: true } : r));
      return outcomesOf(results, records.map((r) => r.profileId), records.map((r) => r.crmId));
    },

    async *pullConversions(cursor) {
      // A SOQL datetime literal (no quotes, no milliseconds); Salesforce's own values read 2026-11-24T10:00:00.000+0000.
      const since = cursor ? new Date(cursor.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')).toISOString().replace(/\.\d{3}Z$/, 'Z') : '1970-01-01T00:00:00Z';
      const soql = `SELECT Id, Amount, CloseDate, SystemModstamp, ContactId, Contact.Email, Contact.${settings.externalIdField} FROM Opportunity WHERE IsWon = true AND SystemModstamp >= ${since} ORDER BY SystemModstamp ASC`;
      let path: string | undefined = `/query?q=${encodeURIComponent(soql)}`;
      while (path) {
        const page: { body: QueryAnswer<OpportunityRow> } = await guarded<QueryAnswer<OpportunityRow>>('GET', path.startsWith('/services/') ? `${base().replace(/\/services\/data\/.*$/, '')}${path}` : path, undefined, { headers: { 'sforce-query-options': 'batchSize=200' } });
        const rows = page.body.records;
        if (rows.length > 0) {
          const conversions: PulledConversion[] = rows.map((row) => ({
            externalId: row.Id,
            name: 'Opportunity',
            amount: Number(row.Amount ?? 0) || 0,
            currency: row.CurrencyIsoCode ?? settings.currency,
            closedAt: new Date(`${row.CloseDate}T00:00:00Z`),
            contactCrmId: row.ContactId,
            contactEmail: row.Contact?.Email ?? null,
            contactExternalId: typeof row.Contact?.[settings.externalIdField] === 'string' ? (row.Contact[settings.externalIdField] as string) : null,
          }));
          yield { conversions, cursor: rows.at(-1)!.SystemModstamp };
        }
        path = page.body.done ? undefined : page.body.nextRecordsUrl;
      }
    },
  };
  return connector;
}

/** Withdrawal fields come as text; Salesforce wants its checkboxes as booleans. */
function coerce(properties: Record<string, string>): Record<string, string | boolean> {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v === 'true' ? true : v === 'false' ? false : v]));
}
