import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import * as store from '../db/attribution-store';
import { getSegment, getSnapshot } from '../db/segment-store';
import { actorIdOf, audited, callerOf } from '../http/access';
import { errorBody, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { decodeTimeCursor, pageOf, timeCursorSchema } from '../http/time-cursor';
import type { JobQueue } from '../jobs/queue';
import { attributionJobNames, executeRun } from './jobs';
import { measureLift } from './holdouts';
import { manage, read, responses } from './access';
import { trackingLinkRoutes } from './link-routes';
import { modelNames } from './models/types';
import type { AttributeFn } from './report';
import { attributionSettingsInput, attributionSettingsOf } from './settings';
import { parseSpendCsv, SpendImportError, spendLineSchema, toSpendLine } from './spend';
import { channelGroupingSchema, channelsOf, defaultChannelGrouping } from './touchpoints';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A day (YYYY-MM-DD, a whole UTC day) or an instant with its offset. */
const dateOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'use a date like 2026-03-31 or an instant like 2026-03-31T12:00:00Z' });
/** `from` starts at its day's 00:00 UTC; `to` runs to the end of its day (23:59:59.999 UTC) when given as a day. */
function rangeOf(from: string, to: string): { from: Date; to: Date } {
  const start = new Date(from.length === 10 ? `${from}T00:00:00Z` : from);
  const end = to.length === 10 ? new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS - 1) : new Date(to);
  if (end.getTime() < start.getTime()) throw new HubError(400, 'to: must be on or after from.', 'invalid-range');
  if (end.getTime() - start.getTime() > 3 * 366 * DAY_MS) throw new HubError(400, 'to: a range covers at most three years.', 'invalid-range');
  return { from: start, to: end };
}

const settingsOut = z.object({
  channelGrouping: channelGroupingSchema,
  defaultGrouping: z.boolean(),
  channels: z.array(z.string()),
  conversionEvents: z.array(z.object({ name: z.string(), valueProperty: z.string(), currencyProperty: z.string() })),
  lookbackDays: z.number(),
  reportingCurrency: z.string(),
});

const runOut = z.object({
  id: z.string(),
  models: z.array(z.string()),
  options: z.record(z.string(), z.unknown()).describe('The models\' options the run was made with'),
  grouping: z.enum(['channel', 'campaign']),
  from: z.string(),
  to: z.string(),
  status: z.enum(['queued', 'running', 'completed', 'failed']),
  jobId: z.string().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  completedAt: z.string().nullable(),
});
const runDetail = runOut.extend({
  progress: z.object({ done: z.number(), total: z.number().nullable(), phase: z.string().nullable(), updatedAt: z.string() }).nullable().describe('While running: customers read so far'),
  report: z.unknown().nullable().describe('Once completed: per model, credited conversions, value, new customers, spend, ROAS, CPA and CAC per key, totals, and the same by UTC week'),
});

const holdoutOut = z.object({ id: z.string(), name: z.string(), campaignId: z.string(), segmentId: z.string(), share: z.number(), createdAt: z.string() });


export interface AttributionRouteOptions {
  jobs: JobQueue | undefined;
  /** The models, for runs made in process when the app has no queue. */
  attribute: AttributeFn;
}

/**
 * Attribution: settings (channel grouping, conversion events, lookback,
 * currency), spend import, model runs and their reports, holdouts and lift,
 * and Studio campaigns' tracking links. Reading needs attribution.read,
 * changing anything attribution.manage; every change is audited.
 */
export function attributionRoutes(app: FastifyInstance, services: HubServices, options: AttributionRouteOptions): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { jobs } = options;

  // ---- settings

  const presentSettings = async (workspaceId: string) => {
    const settings = await attributionSettingsOf(services, workspaceId);
    return { ...settings, channels: channelsOf(settings.channelGrouping) };
  };

  r.get('/v1/attribution/settings', { schema: { tags: ['attribution'], summary: 'Channel grouping, conversion events, lookback window and reporting currency', response: { 200: settingsOut, ...responses } }, config: read }, async (request) =>
    presentSettings(callerOf(request).workspaceId),
  );

  r.put(
    '/v1/attribution/settings',
    { schema: { tags: ['attribution'], summary: 'Change the channel grouping (null: the defaults), conversion events, lookback or reporting currency', body: attributionSettingsInput, response: { 200: settingsOut, ...responses } }, config: manage },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const current = await attributionSettingsOf(services, workspaceId);
      const given = request.body;
      const grouping = given.channelGrouping === undefined ? (current.defaultGrouping ? null : current.channelGrouping) : given.channelGrouping;
      const next = {
        channelRules: grouping,
        conversionEvents: given.conversionEvents ?? current.conversionEvents,
        lookbackDays: given.lookbackDays ?? current.lookbackDays,
        reportingCurrency: given.reportingCurrency ?? current.reportingCurrency,
      };
      await audited(request, services, { action: 'attribution.settings-changed', target: { kind: 'attribution-settings', id: workspaceId }, change: next }, (tx) => store.saveAttributionSettings(tx, workspaceId, next, services.now()));
      return presentSettings(workspaceId);
    },
  );

  r.get('/v1/attribution/channels/default', { schema: { tags: ['attribution'], summary: 'The default channel grouping, to start a custom one from', response: { 200: channelGroupingSchema, ...responses } }, config: read }, async () => defaultChannelGrouping);

  // ---- spend

  const spendResult = z.object({ imported: z.number(), days: z.object({ from: z.string(), to: z.string() }).nullable() });
  const importSpend = async (request: Parameters<typeof callerOf>[0], lines: store.SpendLine[], source: 'csv' | 'api') => {
    const { workspaceId } = callerOf(request);
    await audited(request, services, { action: 'attribution.spend-imported', target: { kind: 'attribution-spend', id: workspaceId }, change: { source, lines } }, (tx) => store.upsertSpend(tx, workspaceId, lines, source, services.now()));
    const days = lines.map((l) => l.day).sort();
    return { imported: lines.length, days: days.length > 0 ? { from: days[0]!, to: days.at(-1)! } : null };
  };

  r.post(
    '/v1/attribution/spend',
    {
      schema: {
        tags: ['attribution'],
        summary: 'Import spend lines (a line for a day, channel and campaign already there replaces it)',
        body: z.object({ lines: z.array(spendLineSchema).min(1).max(20_000) }).strict(),
        response: { 200: spendResult, ...responses },
      },
      config: manage,
    },
    async (request) => {
      const { reportingCurrency } = await attributionSettingsOf(services, callerOf(request).workspaceId);
      const lines = request.body.lines.map((line) => toSpendLine(line, reportingCurrency));
      const seen = new Map<string, number>();
      lines.forEach((l, i) => {
        const id = `${l.day}|${l.channel}|${l.campaign}`;
        if (seen.has(id)) throw new HubError(400, `lines.${i}: repeats lines.${seen.get(id)} (${l.day} / ${l.channel}${l.campaign ? ` / ${l.campaign}` : ''}); give each day, channel and campaign once.`, 'duplicate-line');
        seen.set(id, i);
      });
      return importSpend(request, lines, 'api');
    },
  );

  r.post(
    '/v1/attribution/spend/csv',
    {
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: ['attribution'],
        summary: 'Import spend from a CSV file (header: date,channel,campaign,amount,currency); a file with a bad line imports nothing',
        body: z.object({ csv: z.string().min(1).max(8 * 1024 * 1024) }).strict(),
        response: { 200: spendResult, ...responses, 400: errorBody.extend({ problems: z.array(z.string()).optional() }) },
      },
      config: manage,
    },
    async (request, reply) => {
      const { reportingCurrency } = await attributionSettingsOf(services, callerOf(request).workspaceId);
      try {
        return await importSpend(request, parseSpendCsv(request.body.csv, reportingCurrency), 'csv');
      } catch (error) {
        if (error instanceof SpendImportError) return reply.status(400).send({ error: error.message, code: 'invalid-spend', problems: error.problems, requestId: request.id });
        throw error;
      }
    },
  );

  r.get(
    '/v1/attribution/spend',
    {
      schema: {
        tags: ['attribution'],
        summary: 'Spend lines between two days (inclusive)',
        querystring: z.object({ from: z.iso.date(), to: z.iso.date() }),
        response: { 200: z.object({ lines: z.array(z.object({ day: z.string(), week: z.string(), channel: z.string(), campaign: z.string(), currency: z.string(), amount: z.number() })) }), ...responses },
      },
      config: read,
    },
    async (request) => ({ lines: await store.spendBetween(services.db, callerOf(request).workspaceId, request.query.from, request.query.to) }),
  );

  // ---- runs

  const presentRun = (row: Awaited<ReturnType<typeof store.listRuns>>[number]) => ({
    id: row.id,
    models: row.models,
    options: row.model_options,
    grouping: row.grouping,
    from: row.from_at.toISOString(),
    to: row.to_at.toISOString(),
    status: row.status,
    jobId: row.job_id,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  });
  const runOf = async (workspaceId: string, id: string) => {
    const row = await store.getRun(services.db, workspaceId, id);
    if (!row) throw new HubError(404, `No attribution run ${id} in this workspace.`, 'not-found');
    const job = row.job_id && jobs ? await jobs.get(workspaceId, row.job_id) : null;
    return { ...presentRun(row), progress: row.status === 'running' || row.status === 'queued' ? (job?.progress ?? null) : null, report: row.report ?? null };
  };

  r.post(
    '/v1/attribution/runs',
    {
      schema: {
        tags: ['attribution'],
        summary: 'Run models over a date range, by channel or by campaign; the run works as a job whose progress GET /v1/attribution/runs/:id and GET /v1/jobs/:id show',
        body: z
          .object({
            models: z
              .array(z.enum(modelNames))
              .min(1)
              .refine((list) => new Set(list).size === list.length, 'each model may appear once')
              .default([...modelNames]),
            grouping: z.enum(['channel', 'campaign']).default('channel'),
            options: z
              .object({
                order: z.number().int().min(1).max(3).optional().describe('Markov chain order (default 1)'),
                halfLifeDays: z.number().gt(0).max(365).optional().describe('Time-decay half-life in days (default 7)'),
                position: z
                  .object({ first: z.number().min(0).max(1), middle: z.number().min(0).max(1), last: z.number().min(0).max(1) })
                  .strict()
                  .refine((w) => Math.abs(w.first + w.middle + w.last - 1) < 1e-9, 'the position weights must add up to 1')
                  .optional()
                  .describe('Position-based weights (default 0.4 / 0.2 / 0.4)'),
              })
              .strict()
              .default({}),
            from: dateOrInstant,
            to: dateOrInstant,
          })
          .strict(),
        response: { 202: runDetail, ...responses, 503: errorBody },
      },
      config: manage,
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { workspaceId } = caller;
      const { models, grouping, options: modelOptions } = request.body;
      const range = rangeOf(request.body.from, request.body.to);
      // Higher-order chains grow with keys × states: over campaigns (many keys) they would take hours.
      if (grouping === 'campaign' && models.includes('markov') && (modelOptions.order ?? 1) > 1) throw new HubError(400, 'options.order: Markov chains of order 2 or 3 are offered by channel only; use order 1 by campaign.', 'order-too-high');
      const id = randomUUID();
      await audited(request, services, { action: 'attribution.run-requested', target: { kind: 'attribution-run', id }, change: { models, modelOptions, grouping, from: range.from.toISOString(), to: range.to.toISOString() } }, (tx) =>
        store.createRun(tx, { workspaceId, id, models, modelOptions, grouping, ...range, requestedBy: actorIdOf(caller), now: services.now() }),
      );
      // Sent after the run is recorded: on the embedded database the queue shares the transaction's one connection.
      if (jobs) {
        try {
          const jobId = await jobs.send(attributionJobNames.run, workspaceId, { runId: id });
          await store.updateRun(services.db, workspaceId, id, { jobId });
        } catch (error) {
          request.log.error({ err: error }, 'queueing an attribution run failed');
          await store.updateRun(services.db, workspaceId, id, { status: 'failed', error: 'The run could not be queued; start it again.', completedAt: services.now() });
          throw new HubError(503, 'The run was recorded but could not be queued; start it again.', 'not-queued');
        }
      } else {
        await executeRun(services, { workspaceId, id }, { attribute: options.attribute, finalAttempt: true });
      }
      return reply.status(202).send(await runOf(workspaceId, id));
    },
  );

  r.get(
    '/v1/attribution/runs',
    {
      schema: {
        tags: ['attribution'],
        summary: "The workspace's attribution runs, newest first, a page at a time",
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: timeCursorSchema.optional().describe("The previous page's nextCursor") }),
        response: { 200: z.object({ runs: z.array(runOut), nextCursor: z.string().nullable() }), ...responses },
      },
      config: read,
    },
    async (request) => {
      const { limit, cursor } = request.query;
      const page = pageOf(await store.listRuns(services.db, callerOf(request).workspaceId, limit + 1, cursor === undefined ? undefined : decodeTimeCursor(cursor)), limit, (row) => ({ at: row.created_at, id: row.id }));
      return { runs: page.rows.map(presentRun), nextCursor: page.nextCursor };
    },
  );

  r.get('/v1/attribution/runs/:id', { schema: { tags: ['attribution'], summary: "A run's status, progress and, once completed, its report", params: idParams, response: { 200: runDetail, ...responses } }, config: read }, async (request) =>
    runOf(callerOf(request).workspaceId, request.params.id),
  );

  // ---- holdouts

  const presentHoldout = (row: store.HoldoutRow) => ({ id: row.id, name: row.name, campaignId: row.campaign_id, segmentId: row.segment_id, share: Number(row.share), createdAt: row.created_at.toISOString() });
  const holdoutOf = async (workspaceId: string, id: string) => {
    const row = await store.getHoldout(services.db, workspaceId, id);
    if (!row) throw new HubError(404, `No holdout ${id} in this workspace.`, 'not-found');
    return row;
  };

  r.post(
    '/v1/attribution/holdouts',
    {
      schema: {
        tags: ['attribution'],
        summary: "Withhold a share of a segment from a campaign (who, by a stable hash of the holdout's id and the customer's)",
        body: z.object({ name: z.string().trim().min(1).max(120), campaignId: z.string().min(1).max(128), segmentId: z.string().min(1).max(64), share: z.number().gt(0).lt(1).multipleOf(0.0001) }).strict(),
        response: { 201: holdoutOut, ...responses },
      },
      config: manage,
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { workspaceId } = caller;
      const { name, campaignId, segmentId, share } = request.body;
      if (!(await getSegment(services.db, workspaceId, segmentId))) throw new HubError(400, 'segmentId: no such segment in this workspace.', 'unknown-segment');
      if (!(await store.campaignExists(services.db, workspaceId, campaignId))) throw new HubError(400, 'campaignId: no such campaign has been synced from Studio to this workspace.', 'unknown-campaign');
      const id = randomUUID();
      await audited(request, services, { action: 'attribution.holdout-created', target: { kind: 'attribution-holdout', id }, change: request.body }, (tx) =>
        store.createHoldout(tx, { workspace_id: workspaceId, id, name, campaign_id: campaignId, segment_id: segmentId, share, created_by: actorIdOf(caller), created_at: services.now() }),
      );
      return reply.status(201).send(presentHoldout((await store.getHoldout(services.db, workspaceId, id))!));
    },
  );

  r.get('/v1/attribution/holdouts', { schema: { tags: ['attribution'], summary: "The workspace's holdouts", response: { 200: z.object({ holdouts: z.array(holdoutOut) }), ...responses } }, config: read }, async (request) => ({
    holdouts: (await store.listHoldouts(services.db, callerOf(request).workspaceId)).map(presentHoldout),
  }));

  const segmentVersion = async (workspaceId: string, segmentId: string) => {
    const snapshot = await getSnapshot(services.db, workspaceId, segmentId);
    if (!snapshot) throw new HubError(409, `The holdout's segment ${segmentId} has no membership snapshot yet: take one with POST /v1/segments/${segmentId}/snapshot.`, 'no-snapshot');
    return snapshot.version;
  };

  r.get(
    '/v1/attribution/holdouts/:id/lift',
    {
      schema: {
        tags: ['attribution'],
        summary: "The campaign's measured lift: treated minus holdout conversion rate over the segment's current members, with Newcombe's 95 % interval",
        params: idParams,
        querystring: z.object({ from: dateOrInstant, to: dateOrInstant }),
        response: { 200: z.object({ holdout: holdoutOut, segmentVersion: z.number(), from: z.string(), to: z.string(), lift: z.unknown() }), ...responses },
      },
      config: read,
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const holdout = await holdoutOf(workspaceId, request.params.id);
      const range = rangeOf(request.query.from, request.query.to);
      const version = await segmentVersion(workspaceId, holdout.segment_id);
      const { conversionEvents } = await attributionSettingsOf(services, workspaceId);
      const counts = await store.holdoutCounts(services.db, { workspaceId, holdoutId: holdout.id, share: Number(holdout.share), segmentId: holdout.segment_id, version, ...range, conversionEvents });
      const side = (held: boolean) => counts.find((c) => c.held === held) ?? { members: 0, converted: 0 };
      const { members: tm, converted: tc } = side(false);
      const { members: hm, converted: hc } = side(true);
      return { holdout: presentHoldout(holdout), segmentVersion: version, from: range.from.toISOString(), to: range.to.toISOString(), lift: measureLift({ members: tm, converted: tc }, { members: hm, converted: hc }) };
    },
  );

  r.get(
    '/v1/attribution/holdouts/:id/members',
    {
      schema: {
        tags: ['attribution'],
        summary: "The customers a holdout withholds (profile ids of the segment's current version, in pages), for whoever sends the campaign to leave out",
        params: idParams,
        querystring: z.object({ cursor: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(5000).default(1000) }),
        response: { 200: z.object({ holdoutId: z.string(), segmentVersion: z.number(), members: z.array(z.string()), nextCursor: z.string().nullable() }), ...responses },
      },
      config: { access: { permission: 'segments.export' } },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const holdout = await holdoutOf(workspaceId, request.params.id);
      const version = await segmentVersion(workspaceId, holdout.segment_id);
      const { cursor, limit } = request.query;
      const page = await store.heldOutMembersPage(services.db, { workspaceId, holdoutId: holdout.id, share: Number(holdout.share), segmentId: holdout.segment_id, version, after: cursor ?? null, limit: limit + 1 });
      const members = page.slice(0, limit);
      return { holdoutId: holdout.id, segmentVersion: version, members, nextCursor: page.length > limit ? members.at(-1)! : null };
    },
  );

  trackingLinkRoutes(app, services);
}
