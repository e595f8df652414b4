import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import { digestSecret } from '../auth/secrets';
import * as store from '../db/connector-store';
import { getSegment } from '../db/segment-store';
import { actorIdOf, audited, callerOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { decodeTimeCursor, pageOf, timeCursorSchema } from '../http/time-cursor';
import type { JobQueue } from '../jobs/queue';
import { openCredentials, sealCredentials } from './credentials';
import { connectorJobNames } from './jobs';
import { authorizeUrl, OAuthRefusal, tokenGrant } from './oauth';
import { openConnector } from './open-connector';
import { hubspotSettingsSchema, salesforceSettingsSchema, type HubspotSettings, type SalesforceSettings } from './settings';

const manage = { access: { permission: 'connectors.manage' as const } };
const name = z.string().trim().min(1).max(120);
const secret = z.string().trim().min(8).max(2000);
const connectionOut = z.object({
  id: z.string(),
  kind: z.enum(['hubspot', 'salesforce']),
  name: z.string(),
  status: z.enum(['awaiting-authorization', 'connected', 'failing']),
  settings: z.record(z.string(), z.unknown()).describe('Base URLs, field mapping, what a withdrawn consent does; never the credentials'),
  segmentIds: z.array(z.string()),
  pullCursor: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const runOut = z.object({ id: z.string(), jobId: z.string().nullable(), status: z.enum(['running', 'completed', 'failed']), startedAt: z.string(), finishedAt: z.string().nullable(), pushed: z.number(), updated: z.number(), removed: z.number(), failed: z.number(), pulled: z.number(), rateLimited: z.number(), error: z.string().nullable() });
const deadLetterOut = z.object({ id: z.string(), runId: z.string(), profileId: z.string(), operation: z.string(), error: z.string(), createdAt: z.string() });
const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: timeCursorSchema.optional().describe("The previous page's nextCursor") });
const stateTtlMinutes = 10;

/**
 * CRM connections under /v1/connectors: connect HubSpot (private-app token)
 * or Salesforce (OAuth authorization code), bind segments, run a sync, read
 * the run history and dead letters, and retry them. Admins only; audited.
 */
export function connectorRoutes(app: FastifyInstance, services: HubServices, jobs?: JobQueue): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const callbackUrl = () => `${services.publicUrl}/v1/connectors/oauth/callback`;

  const present = async (row: store.ConnectionRow) => ({
    id: row.id,
    kind: row.kind,
    name: row.name,
    status: row.status,
    settings: row.settings,
    segmentIds: (await store.connectionSegments(services.db, row.workspace_id, row.id)).map((s) => s.id),
    pullCursor: row.pull_cursor,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  });
  const found = async (workspaceId: string, id: string) => {
    const row = await store.getConnection(services.db, workspaceId, id);
    if (!row) throw new HubError(404, `No connector ${id} in this workspace.`, 'not-found');
    return row;
  };
  const settingsError = (error: z.ZodError) => new HubError(400, `settings: ${error.issues.map((i) => `${['settings', ...i.path].join('.')}: ${i.message}`).join('; ')}`, 'invalid-settings');
  const parseSettings = (kind: 'hubspot' | 'salesforce', settings: unknown): HubspotSettings | SalesforceSettings => {
    const parsed = (kind === 'hubspot' ? hubspotSettingsSchema : salesforceSettingsSchema).safeParse(settings ?? {});
    if (!parsed.success) throw settingsError(parsed.error);
    return parsed.data;
  };

  r.get('/v1/connectors', { schema: { tags: ['connectors'], summary: "The workspace's CRM connections", response: { 200: z.object({ connectors: z.array(connectionOut) }), ...errorResponses } }, config: manage }, async (request) => {
    const rows = await store.listConnections(services.db, callerOf(request).workspaceId);
    return { connectors: await Promise.all(rows.map(present)) };
  });

  r.get('/v1/connectors/:id', { schema: { tags: ['connectors'], summary: 'A CRM connection', params: idParams, response: { 200: connectionOut, ...errorResponses } }, config: manage }, async (request) => present(await found(callerOf(request).workspaceId, request.params.id)));

  r.post(
    '/v1/connectors/hubspot',
    {
      schema: {
        tags: ['connectors'],
        summary: "Connect HubSpot: a private app's access token, or an OAuth app's client id and secret (then open authorizeUrl); secrets are sealed at rest, never shown again",
        body: z.object({ name, accessToken: secret.optional(), clientId: secret.optional(), clientSecret: secret.optional(), settings: z.record(z.string(), z.unknown()).optional() }).strict(),
        response: { 201: connectionOut.extend({ authorizeUrl: z.string().optional(), callbackUrl: z.string().optional() }), ...errorResponses },
      },
      config: manage,
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { accessToken, clientId, clientSecret } = request.body;
      const oauth = clientId !== undefined || clientSecret !== undefined;
      if (oauth === (accessToken !== undefined) || (oauth && (!clientId || !clientSecret))) throw new HubError(400, 'body: give either accessToken (a private app) or both clientId and clientSecret (an OAuth app).', 'invalid-credentials');
      const settings = parseSettings('hubspot', request.body.settings);
      const id = randomUUID();
      const now = services.now();
      const credentials = sealCredentials(services.cipher, oauth ? { kind: 'hubspot-oauth', clientId: clientId!, clientSecret: clientSecret!, accessToken: null, refreshToken: null, expiresAt: null } : { kind: 'hubspot-private-app', accessToken: accessToken! });
      await audited(request, services, { action: 'connector.created', target: { kind: 'connector', id }, change: { kind: 'hubspot', name: request.body.name, settings, auth: oauth ? 'oauth' : 'private-app' } }, (tx) =>
        store.createConnection(tx, { workspace_id: caller.workspaceId, id, kind: 'hubspot', name: request.body.name, status: oauth ? 'awaiting-authorization' : 'connected', settings, credentials_enc: credentials, created_by: actorIdOf(caller), created_at: now, updated_at: now }),
      );
      const presented = await present(await found(caller.workspaceId, id));
      return reply.status(201).send(oauth ? { ...presented, authorizeUrl: `${services.publicUrl}/v1/connectors/${id}/authorize`, callbackUrl: callbackUrl() } : presented);
    },
  );

  r.post(
    '/v1/connectors/salesforce',
    {
      schema: {
        tags: ['connectors'],
        summary: "Add a Salesforce connection with the connected app's client id and secret; then open authorizeUrl to sign in to Salesforce",
        body: z.object({ name, clientId: secret, clientSecret: secret, settings: z.record(z.string(), z.unknown()).optional() }).strict(),
        response: { 201: connectionOut.extend({ authorizeUrl: z.string(), callbackUrl: z.string().describe('The callback URL to register on the connected app') }), ...errorResponses },
      },
      config: manage,
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const settings = parseSettings('salesforce', request.body.settings);
      const id = randomUUID();
      const now = services.now();
      const credentials = sealCredentials(services.cipher, { kind: 'salesforce-oauth', clientId: request.body.clientId, clientSecret: request.body.clientSecret, accessToken: null, refreshToken: null, instanceUrl: null });
      await audited(request, services, { action: 'connector.created', target: { kind: 'connector', id }, change: { kind: 'salesforce', name: request.body.name, settings } }, (tx) =>
        store.createConnection(tx, { workspace_id: caller.workspaceId, id, kind: 'salesforce', name: request.body.name, status: 'awaiting-authorization', settings, credentials_enc: credentials, created_by: actorIdOf(caller), created_at: now, updated_at: now }),
      );
      return reply.status(201).send({ ...(await present(await found(caller.workspaceId, id))), authorizeUrl: `${services.publicUrl}/v1/connectors/${id}/authorize`, callbackUrl: callbackUrl() });
    },
  );

  r.get(
    '/v1/connectors/:id/authorize',
    { schema: { tags: ['connectors'], summary: 'Sign in to the CRM to authorize an OAuth connection (redirects there; the CRM comes back to the callback)', params: idParams, response: { 302: z.null(), ...errorResponses } }, config: manage },
    async (request, reply) => {
      const { workspaceId } = callerOf(request);
      const row = await found(workspaceId, request.params.id);
      const credentials = openCredentials(services.cipher, row.credentials_enc!);
      if (credentials.kind !== 'salesforce-oauth' && credentials.kind !== 'hubspot-oauth') throw new HubError(400, `Connector ${row.id} uses a private-app token; there is nothing to authorize.`, 'not-oauth');
      const state = randomBytes(32).toString('base64url');
      await store.saveOAuthState(services.db, { state_hash: digestSecret(state), workspace_id: workspaceId, connection_id: row.id, expires_at: new Date(services.now().getTime() + stateTtlMinutes * 60_000) });
      return reply.redirect(authorizeUrl({ kind: row.kind, settings: parseSettings(row.kind, row.settings) }, credentials, callbackUrl(), state), 302);
    },
  );

  r.get(
    '/v1/connectors/oauth/callback',
    {
      schema: {
        tags: ['connectors'],
        summary: "Where Salesforce or HubSpot sends the admin back: exchanges the code for tokens (sealed at rest); a browser is sent on to the console's page for the connection",
        querystring: z.object({ code: z.string().min(1).max(2000).optional(), state: z.string().min(1).max(200), error: z.string().max(200).optional(), error_description: z.string().max(1000).optional() }),
        response: { 200: connectionOut, 303: z.null(), ...errorResponses, 502: errorResponses[400] },
      },
      config: manage,
    },
    async (request, reply) => {
      // The admin's browser comes back here from the CRM: it goes on to the console's page for the connection, or to the
      // console with the failure's code (the console words it; nothing from the address is shown). A script gets JSON.
      const browser = /\btext\/html\b/.test(request.headers.accept ?? '');
      try {
        const { workspaceId } = callerOf(request);
        const { code, state, error, error_description: description } = request.query;
        const pending = await store.claimOAuthState(services.db, digestSecret(state));
        // Another workspace's state is as unknown as a made-up one.
        if (!pending || pending.workspace_id !== workspaceId || pending.expires_at <= services.now()) throw new HubError(400, 'state: this authorization is unknown, was used already or expired; start again from the connector.', 'invalid-state');
        const row = await found(workspaceId, pending.connection_id);
        const crm = row.kind === 'salesforce' ? 'Salesforce' : 'HubSpot';
        if (error || !code) throw new HubError(400, `${crm} did not authorize the connection: ${error ?? 'no code'}${description ? ` (${description})` : ''}.`, 'not-authorized');
        const credentials = openCredentials(services.cipher, row.credentials_enc!);
        if (credentials.kind !== 'salesforce-oauth' && credentials.kind !== 'hubspot-oauth') throw new HubError(400, 'This connection uses a private-app token.', 'not-oauth');
        let renewed;
        try {
          renewed = await tokenGrant(credentials, parseSettings(row.kind, row.settings), { grant_type: 'authorization_code', code, redirect_uri: callbackUrl() }, services.now());
        } catch (refusal) {
          if (refusal instanceof OAuthRefusal) throw new HubError(400, `${crm} refused the code: ${refusal.message}. Start again from the connector.`, 'not-authorized');
          throw new HubError(502, `${crm} did not answer; try again.`, 'crm-unreachable');
        }
        await audited(request, services, { action: 'connector.authorized', target: { kind: 'connector', id: row.id } }, (tx) => store.updateConnection(tx, workspaceId, row.id, { credentials_enc: sealCredentials(services.cipher, renewed), status: 'connected' }, services.now()));
        if (browser) return reply.redirect(`/console/connectors?connector=${encodeURIComponent(row.id)}&authorized=1`, 303);
        return present(await found(workspaceId, row.id));
      } catch (failure) {
        if (browser && failure instanceof HubError && failure.code) return reply.redirect(`/console/connectors?authorizationFailed=${encodeURIComponent(failure.code)}`, 303);
        throw failure;
      }
    },
  );

  r.patch(
    '/v1/connectors/:id',
    { schema: { tags: ['connectors'], summary: 'Rename a connection, change its settings (merged into the current ones), or give HubSpot a new token', params: idParams, body: z.object({ name: name.optional(), settings: z.record(z.string(), z.unknown()).optional(), accessToken: secret.optional() }).strict(), response: { 200: connectionOut, ...errorResponses } }, config: manage },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const row = await found(workspaceId, request.params.id);
      const { name: newName, settings, accessToken } = request.body;
      if (newName === undefined && settings === undefined && accessToken === undefined) throw new HubError(400, 'body: give name, settings or accessToken to change.', 'nothing-to-change');
      if (accessToken !== undefined && row.kind !== 'hubspot') throw new HubError(400, 'accessToken: only a HubSpot connection takes a token; authorize Salesforce again instead.', 'not-hubspot');
      const merged = settings === undefined ? undefined : parseSettings(row.kind, { ...row.settings, ...settings });
      await audited(request, services, { action: 'connector.updated', target: { kind: 'connector', id: row.id }, change: { name: newName, settings: merged, tokenChanged: accessToken !== undefined } }, (tx) =>
        store.updateConnection(tx, workspaceId, row.id, { ...(newName !== undefined && { name: newName }), ...(merged !== undefined && { settings: merged }), ...(accessToken !== undefined && { credentials_enc: sealCredentials(services.cipher, { kind: 'hubspot-private-app', accessToken }), status: 'connected' as const }) }, services.now()),
      );
      return present(await found(workspaceId, row.id));
    },
  );

  r.delete(
    '/v1/connectors/:id',
    {
      schema: {
        tags: ['connectors'],
        summary: 'Disconnect a CRM: its credentials, bindings, run history and dead letters go. Refused (409) while records it pushed are in the CRM, unless keepRecordsInCrm=true: those records then stay in the CRM and later erasures will not reach them',
        params: idParams,
        querystring: z.object({ keepRecordsInCrm: z.stringbool({ error: 'use true or false' }).default(false).describe('Delete even though records pushed by this connection stay in the CRM') }),
        response: { 200: z.object({ deleted: z.literal(true), recordsLeftInCrm: z.number(), erasuresNotSent: z.number(), warning: z.string() }), 204: z.null(), ...errorResponses, 409: errorResponses[400] },
      },
      config: manage,
    },
    async (request, reply) => {
      const { workspaceId } = callerOf(request);
      const row = await found(workspaceId, request.params.id);
      const crm = row.kind === 'salesforce' ? 'Salesforce' : 'HubSpot';
      const { keepRecordsInCrm } = request.query;
      // The Hub's record of what it pushed goes with the connection: after that, no erasure or withdrawal can reach those CRM records.
      const left = await store.recordsInCrm(services.db, workspaceId, row.id);
      if (left.records > 0 && !keepRecordsInCrm) {
        const owed = left.erasuresPending > 0 ? ` (${left.erasuresPending} of them still to be erased there)` : '';
        throw new HubError(409, `Connector ${row.id} has ${left.records} records in ${crm}${owed}. Deleting it leaves them in ${crm}, and later erasures and withdrawn consents will no longer reach them. Remove them from ${crm} first, or delete with ?keepRecordsInCrm=true to leave them there.`, 'records-in-crm');
      }
      await audited(request, services, { action: 'connector.deleted', target: { kind: 'connector', id: row.id }, change: { keepRecordsInCrm, recordsLeftInCrm: left.records, erasuresNotSent: left.erasuresPending } }, async (tx) => {
        if (!(await store.deleteConnection(tx, workspaceId, row.id))) throw new HubError(404, `No connector ${row.id} in this workspace.`, 'not-found');
      });
      if (left.records === 0) return reply.status(204).send(null);
      return reply.status(200).send({
        deleted: true as const,
        recordsLeftInCrm: left.records,
        erasuresNotSent: left.erasuresPending,
        warning: `${left.records} records pushed by this connection stay in ${crm}${left.erasuresPending > 0 ? `, ${left.erasuresPending} of them owed an erasure` : ''}. The Hub no longer knows them: later erasures and withdrawn consents will not reach ${crm}; remove them there yourself.`,
      });
    },
  );

  r.put(
    '/v1/connectors/:id/segments',
    { schema: { tags: ['connectors'], summary: "The segments this connection pushes (members with consent for each segment's purpose)", params: idParams, body: z.object({ segmentIds: z.array(z.string().min(1).max(64)).max(50) }).strict(), response: { 200: connectionOut, ...errorResponses } }, config: manage },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const row = await found(workspaceId, request.params.id);
      const segmentIds = [...new Set(request.body.segmentIds)];
      for (const [index, segmentId] of segmentIds.entries()) {
        if (!(await getSegment(services.db, workspaceId, segmentId))) throw new HubError(400, `segmentIds.${index}: no segment ${segmentId} in this workspace.`, 'unknown-segment');
      }
      await audited(request, services, { action: 'connector.segments-bound', target: { kind: 'connector', id: row.id }, change: { segmentIds } }, (tx) => store.setConnectionSegments(tx, workspaceId, row.id, segmentIds));
      return present(row);
    },
  );

  r.get('/v1/connectors/:id/health', { schema: { tags: ['connectors'], summary: 'Whether the CRM accepts the credentials now (a Salesforce session is renewed if it expired)', params: idParams, response: { 200: z.object({ ok: z.boolean(), detail: z.string() }), ...errorResponses } }, config: manage }, async (request) => {
    const row = await found(callerOf(request).workspaceId, request.params.id);
    if (row.status === 'awaiting-authorization') return { ok: false, detail: 'Not authorized yet: open the authorize link and sign in to Salesforce.' };
    return openConnector({ ...services, connectorOptions: { retries: 1, minDelayMs: 200 } }, row).health();
  });

  r.get('/v1/connectors/:id/runs', { schema: { tags: ['connectors'], summary: "The connection's sync runs, newest first, with their counts, a page at a time", params: idParams, querystring: pageQuery, response: { 200: z.object({ runs: z.array(runOut), nextCursor: z.string().nullable() }), ...errorResponses } }, config: manage }, async (request) => {
    const { workspaceId } = callerOf(request);
    await found(workspaceId, request.params.id);
    const { limit, cursor } = request.query;
    const { rows: runs, nextCursor } = pageOf(await store.listRuns(services.db, workspaceId, request.params.id, limit + 1, cursor === undefined ? undefined : decodeTimeCursor(cursor)), limit, (run) => ({ at: run.started_at, id: run.id }));
    return { nextCursor, runs: runs.map((run) => ({ id: run.id, jobId: run.job_id, status: run.status, startedAt: run.started_at.toISOString(), finishedAt: run.finished_at?.toISOString() ?? null, pushed: run.pushed, updated: run.updated, removed: run.removed, failed: run.failed, pulled: run.pulled, rateLimited: run.rate_limited, error: run.error })) };
  });

  r.get('/v1/connectors/:id/dead-letters', { schema: { tags: ['connectors'], summary: 'Records the CRM refused, with its error (personal values masked); they wait for a retry. Newest first, a page at a time', params: idParams, querystring: pageQuery, response: { 200: z.object({ deadLetters: z.array(deadLetterOut), nextCursor: z.string().nullable() }), ...errorResponses } }, config: manage }, async (request) => {
    const { workspaceId } = callerOf(request);
    await found(workspaceId, request.params.id);
    const { limit, cursor } = request.query;
    const { rows, nextCursor } = pageOf(await store.listDeadLetters(services.db, workspaceId, request.params.id, limit + 1, cursor === undefined ? undefined : decodeTimeCursor(cursor)), limit, (d) => ({ at: d.created_at, id: d.id }));
    return { nextCursor, deadLetters: rows.map((d) => ({ id: d.id, runId: d.run_id, profileId: d.profile_id, operation: d.operation, error: d.error, createdAt: d.created_at.toISOString() })) };
  });

  if (!jobs) return;
  const enqueue = (workspaceId: string, connectionId: string) => jobs.send(connectorJobNames.sync, workspaceId, { connectionId }, { singletonKey: connectionId });

  r.post(
    '/v1/connectors/:id/sync',
    { schema: { tags: ['connectors'], summary: 'Sync now: a job that pushes the bound segments, then pulls closed-won deals', params: idParams, body: z.object({}).strict().nullish(), response: { 202: z.object({ jobId: z.string() }), ...errorResponses } }, config: manage },
    async (request, reply) => {
      const { workspaceId } = callerOf(request);
      const row = await found(workspaceId, request.params.id);
      if (row.status === 'awaiting-authorization') throw new HubError(400, 'This connection is not authorized yet: open its authorize link first.', 'not-authorized');
      const jobId = await enqueue(workspaceId, row.id);
      await audited(request, services, { action: 'connector.sync-requested', target: { kind: 'connector', id: row.id } }, async () => undefined);
      return reply.status(202).send({ jobId });
    },
  );

  r.post(
    '/v1/connectors/:id/dead-letters/retry',
    { schema: { tags: ['connectors'], summary: "Retry dead letters (all of the connection's, or these ids) in a sync run now", params: idParams, body: z.object({ ids: z.array(z.string().min(1).max(64)).max(1000).optional() }).strict(), response: { 202: z.object({ released: z.number(), jobId: z.string() }), ...errorResponses } }, config: manage },
    async (request, reply) => {
      const { workspaceId } = callerOf(request);
      const row = await found(workspaceId, request.params.id);
      const released = await audited(request, services, { action: 'connector.dead-letters-retried', target: { kind: 'connector', id: row.id }, change: { ids: request.body.ids ?? 'all' } }, (tx) => store.releaseDeadLetters(tx, workspaceId, row.id, request.body.ids));
      return reply.status(202).send({ released, jobId: await enqueue(workspaceId, row.id) });
    },
  );
}
