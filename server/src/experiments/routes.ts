import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import * as store from '../db/experiment-store';
import { getSegment } from '../db/segment-store';
import { recordsByIds } from '../db/sync-store';
import { actorIdOf, audited, auditBase, callerOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { assignVariant } from './assignment';
import { createExperimentSchema, normalisedWeights } from './definition';
import { definitionOf, promoteVariant, resultsOf } from './service';

const experimentOut = z.object({
  id: z.string(),
  campaignId: z.string(),
  name: z.string(),
  status: z.enum(['draft', 'running', 'stopped', 'decided']),
  definition: z.unknown(),
  weights: z.record(z.string(), z.number()),
  winnerVariantId: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
const listQuery = z.object({ campaignId: z.string().min(1).max(64).optional(), status: z.enum(['draft', 'running', 'stopped', 'decided']).optional() }).strict();
const assignmentsQuery = z.object({
  customerIds: z
    .string()
    .max(70_000)
    .transform((s) => s.split(',').map((id) => id.trim()).filter((id) => id.length > 0))
    .pipe(z.array(z.string().min(1).max(64)).min(1, 'give at least one customer id').max(1000)),
});
const assignmentOut = z.object({
  customerId: z.string(),
  /** variant: show variantId; holdout: show the campaign's usual creative; the others: not in the experiment. */
  outcome: z.enum(['variant', 'holdout', 'no-consent', 'not-targeted', 'unknown-customer', 'not-running']),
  variantId: z.string().nullable(),
});
const noBody = z.object({}).strict();

function present(row: store.ExperimentRow) {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    name: row.name,
    status: row.status,
    definition: row.definition,
    weights: row.weights,
    winnerVariantId: row.winner_variant_id,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    endedAt: row.ended_at?.toISOString() ?? null,
  };
}

const notFound = (id: string) => new HubError(404, `No experiment ${id} in this workspace.`, 'not-found');

/**
 * Experiments on campaigns: define (variants, metrics, guardrails, holdout,
 * bandit), start, stop, read results, assign customers, promote a winner.
 */
export function experimentRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const read = { access: { permission: 'experiments.read' as const } };
  const manage = { access: { permission: 'experiments.manage' as const } };
  const load = async (workspaceId: string, id: string) => {
    const row = await store.getExperiment(services.db, workspaceId, id);
    if (!row) throw notFound(id);
    return row;
  };

  r.get('/v1/experiments', { schema: { tags: ['experiments'], summary: "The workspace's experiments, newest first (of one campaign, or in one status, when asked)", querystring: listQuery, response: { 200: z.object({ experiments: z.array(experimentOut) }), ...errorResponses } }, config: read }, async (request) => {
    const { workspaceId } = callerOf(request);
    return { experiments: (await store.listExperiments(services.db, workspaceId, request.query)).map(present) };
  });

  r.get('/v1/experiments/:id', { schema: { tags: ['experiments'], summary: 'An experiment: its definition, status, weights in force and winner', params: idParams, response: { 200: experimentOut, ...errorResponses } }, config: read }, async (request) =>
    present(await load(callerOf(request).workspaceId, request.params.id)),
  );

  r.post(
    '/v1/experiments',
    { schema: { tags: ['experiments'], summary: "Define an experiment on a synced campaign (a draft until started); the first variant is the control", body: createExperimentSchema, response: { 201: experimentOut, ...errorResponses } }, config: manage },
    async (request, reply) => {
      const caller = callerOf(request);
      const { campaignId, name, definition } = request.body;
      const campaign = (await recordsByIds(services.db, caller.workspaceId, [campaignId])).get(campaignId);
      if (!campaign || campaign.record.deleted || campaign.record.recordType !== 'campaign') throw new HubError(400, `campaignId: no campaign ${campaignId} has been synced to this workspace (push it from Studio first).`, 'unknown-campaign');
      if (definition.targetSegmentId !== null && !(await getSegment(services.db, caller.workspaceId, definition.targetSegmentId))) throw new HubError(400, `definition.targetSegmentId: no segment ${definition.targetSegmentId} in this workspace.`, 'unknown-segment');
      const id = randomUUID();
      const weights = normalisedWeights(definition.variants);
      await audited(request, services, { action: 'experiment.created', target: { kind: 'experiment', id }, change: { campaignId, name, definition } }, (tx) =>
        store.createExperiment(tx, { workspace_id: caller.workspaceId, id, campaign_id: campaignId, name, definition, weights, created_by: actorIdOf(caller), now: services.now() }),
      );
      return reply.status(201).send(present(await load(caller.workspaceId, id)));
    },
  );

  r.post('/v1/experiments/:id/start', { schema: { tags: ['experiments'], summary: 'Start (or restart) an experiment: customers are assigned and counted from now on', params: idParams, body: noBody, response: { 200: experimentOut, ...errorResponses } }, config: manage }, async (request) => {
    const { workspaceId } = callerOf(request);
    const { id } = request.params;
    await audited(request, services, { action: 'experiment.started', target: { kind: 'experiment', id } }, async (tx) => {
      const row = await store.lockExperiment(tx, workspaceId, id);
      if (!row) throw notFound(id);
      if (row.status === 'running' || row.status === 'decided') throw new HubError(409, `Experiment ${id} is ${row.status}: only a draft or a stopped experiment starts.`, 'wrong-status');
      const now = services.now();
      await store.updateExperiment(tx, workspaceId, id, { status: 'running', ...(row.started_at === null && { started_at: now }), now });
      await store.recordWeights(tx, { workspaceId, experimentId: id, weights: row.weights, reason: 'started', details: {}, at: now });
    });
    return present(await load(workspaceId, id));
  });

  r.post('/v1/experiments/:id/stop', { schema: { tags: ['experiments'], summary: 'Stop a running experiment: no more assignments; its results stay readable', params: idParams, body: noBody, response: { 200: experimentOut, ...errorResponses } }, config: manage }, async (request) => {
    const { workspaceId } = callerOf(request);
    const { id } = request.params;
    await audited(request, services, { action: 'experiment.stopped', target: { kind: 'experiment', id } }, async (tx) => {
      const row = await store.lockExperiment(tx, workspaceId, id);
      if (!row) throw notFound(id);
      if (row.status !== 'running') throw new HubError(409, `Experiment ${id} is ${row.status}, not running.`, 'wrong-status');
      await store.updateExperiment(tx, workspaceId, id, { status: 'stopped', ended_at: services.now(), now: services.now() });
    });
    return present(await load(workspaceId, id));
  });

  r.get(
    '/v1/experiments/:id/results',
    { schema: { tags: ['experiments'], summary: 'Results from the ingested events: per-variant totals, the analysis of the primary metric, the sample-ratio check, the guardrails and the decision', params: idParams, response: { 200: z.object({ experimentId: z.string(), status: z.string(), computedAt: z.string(), results: z.unknown() }), ...errorResponses } }, config: read },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const row = await load(workspaceId, request.params.id);
      const results = (await resultsOf(services.db, workspaceId, [row], services.now())).get(row.id)!;
      return { experimentId: row.id, status: row.status, computedAt: services.now().toISOString(), results: JSON.parse(JSON.stringify(results)) as unknown };
    },
  );

  r.get('/v1/experiments/:id/weights', { schema: { tags: ['experiments'], summary: "The history of an experiment's traffic weights (starts and bandit updates), oldest first", params: idParams, response: { 200: z.object({ history: z.array(z.object({ weights: z.record(z.string(), z.number()), reason: z.string(), details: z.unknown(), recordedAt: z.string() })) }), ...errorResponses } }, config: read }, async (request) => {
    const { workspaceId } = callerOf(request);
    const row = await load(workspaceId, request.params.id);
    return { history: (await store.weightHistory(services.db, workspaceId, row.id)).map((h) => ({ ...h, recordedAt: h.recordedAt.toISOString() })) };
  });

  r.get(
    '/v1/experiments/:id/assignments',
    { schema: { tags: ['experiments'], summary: 'Which variant each customer sees (a stable hash of experiment and customer); customers without profiling consent, or outside the target segment, are not in the experiment', params: idParams, querystring: assignmentsQuery, response: { 200: z.object({ assignments: z.array(assignmentOut) }), ...errorResponses } }, config: read },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const row = await load(workspaceId, request.params.id);
      const definition = definitionOf(row);
      const { customerIds } = request.query;
      const segment = definition.targetSegmentId === null ? null : { id: definition.targetSegmentId, version: await store.currentMembershipVersion(services.db, workspaceId, definition.targetSegmentId) };
      const eligible = await store.assignmentEligibility(services.db, { workspaceId, customerIds, segment });
      return {
        assignments: customerIds.map((customerId) => {
          const none = (outcome: z.infer<typeof assignmentOut>['outcome']) => ({ customerId, outcome, variantId: null });
          if (row.status !== 'running') return none('not-running');
          const customer = eligible.get(customerId);
          if (!customer) return none('unknown-customer');
          if (!customer.consented) return none('no-consent');
          if (!customer.targeted) return none('not-targeted');
          const assignment = assignVariant({ experimentId: row.id, customerId: customer.profileId, holdoutShare: definition.holdoutShare, variants: definition.variants, weights: row.weights });
          return assignment.kind === 'holdout' ? none('holdout') : { customerId, outcome: 'variant' as const, variantId: assignment.variantId };
        }),
      };
    },
  );

  r.post(
    '/v1/experiments/:id/promote',
    {
      schema: { tags: ['experiments'], summary: "Promote a variant (the decided winner unless one is named): it becomes the campaign's active creative, which Studio pulls", params: idParams, body: z.object({ variantId: z.string().min(1).max(64).optional() }).strict(), response: { 200: experimentOut, ...errorResponses } },
      config: manage,
    },
    async (request) => {
      const caller = callerOf(request);
      const { workspaceId } = caller;
      const { id } = request.params;
      const row = await load(workspaceId, id);
      const definition = definitionOf(row);
      let variantId = request.body.variantId;
      if (variantId !== undefined && !definition.variants.some((v) => v.id === variantId)) throw new HubError(400, `variantId: experiment ${id} has no variant "${variantId}" (it has ${definition.variants.map((v) => `"${v.id}"`).join(', ')}).`, 'unknown-variant');
      if (variantId === undefined) {
        const decision = (await resultsOf(services.db, workspaceId, [row], services.now())).get(id)!.decision;
        if (decision.state !== 'decided') throw new HubError(409, `Experiment ${id} has no winner to promote: ${decision.reason} Name a variantId to promote one anyway.`, 'not-decided');
        variantId = decision.winnerVariantId;
      }
      const chosen = variantId;
      await services.db.transaction().execute(async (tx) => {
        const locked = (await store.lockExperiment(tx, workspaceId, id))!;
        if (locked.status === 'decided') throw new HubError(409, `Experiment ${id} is already decided (winner "${locked.winner_variant_id}").`, 'wrong-status');
        const promoted = await promoteVariant(tx, { experiment: locked, variantId: chosen, audit: auditBase(request, caller, services.now()), updatedBy: actorIdOf(caller), now: services.now(), automatic: false });
        if (!promoted) throw new HubError(409, `Campaign ${locked.campaign_id} of experiment ${id} is no longer synced (deleted in Studio): nothing to promote to.`, 'campaign-gone');
      });
      return present(await load(workspaceId, id));
    },
  );
}
