import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { attributionSettingsOf } from '../../attribution/settings';
import { idParams } from '../../auth/schemas';
import * as store from '../../db/budget-store';
import { actorIdOf, audited, callerOf, memberOf } from '../../http/access';
import { errorBody, errorResponses, HubError } from '../../http/errors';
import type { HubServices } from '../../http/services';
import { adviseBudget, type BudgetAdviceDocument } from './advice';
import { adviceRequestSchema, decisionSchema, type AdviceRequest } from './request';
import { adviceInputs } from './service';

const responses = { ...errorResponses, 409: errorBody };
/** Reading advice and the plan, as attribution's readers may; asking for advice, as those who run attribution; deciding, as those who hold the budget. */
const read = { access: { permission: 'attribution.read' as const } };
const advise = { access: { permission: 'attribution.manage' as const } };
const decide = { access: { permission: 'budget.manage' as const } };

const curveOut = z.object({ decay: z.number(), maxResponse: z.number(), halfSaturation: z.number(), shape: z.number(), rSquared: z.number() });
const channelOut = z.object({
  channel: z.string(),
  current: z.number().describe('Spend per week now: the budget split as the last 4 weeks split spend'),
  recentSpend: z.number().describe('What the channel actually spent per week over those weeks'),
  proposed: z.number(),
  min: z.number(),
  max: z.number(),
  currentReturn: z.number(),
  expectedReturn: z.number(),
  historicalRoas: z.number().nullable(),
  highestWeeklySpend: z.number(),
  saturationNow: z.number(),
  saturationProposed: z.number(),
  curve: curveOut.describe('Geometric adstock decay and Hill curve (β the most it returns per week, K the adstocked spend earning half of it, s the shape)'),
  explanation: z.string(),
});
const adviceOut = z.object({
  id: z.string(),
  status: z.enum(['proposed', 'approved', 'rejected']),
  request: z.object({ from: z.string(), to: z.string(), model: z.string(), currency: z.string(), weeklyBudget: z.number(), bounds: z.record(z.string(), z.object({ min: z.number(), max: z.number().optional() })), exclude: z.array(z.string()) }),
  attributionRunId: z.string(),
  weeks: z.object({ first: z.string(), last: z.string(), count: z.number() }),
  weeklyBudget: z.number(),
  currency: z.string(),
  channels: z.array(channelOut),
  currentReturn: z.number(),
  expectedReturn: z.number(),
  explanation: z.string(),
  warnings: z.array(z.string()),
  createdBy: z.string(),
  createdAt: z.string(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionNote: z.string().nullable(),
});
const planOut = z.object({
  plan: z
    .object({ adviceId: z.string(), approvedBy: z.string(), approvedAt: z.string(), weeklyBudget: z.number(), currency: z.string(), expectedReturn: z.number(), channels: z.array(z.object({ channel: z.string(), weeklySpend: z.number(), expectedReturn: z.number() })) })
    .nullable()
    .describe('null until a person approves budget advice'),
});

/** What is stored as `advice`: the fitted answer and where its data came from. */
interface StoredAdvice extends BudgetAdviceDocument {
  attributionRunId: string;
  currency: string;
  firstWeek: string;
  lastDay: string;
}

function present(row: store.BudgetAdviceRow): z.infer<typeof adviceOut> {
  const advice = row.advice as StoredAdvice;
  const { attributionRunId, currency, firstWeek, lastDay, weeks, ...answer } = advice;
  return {
    id: row.id,
    status: row.status,
    request: row.request as AdviceRequest & { currency: string },
    attributionRunId,
    weeks: { first: firstWeek, last: lastDay, count: weeks },
    currency,
    ...answer,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    decidedBy: row.decided_by,
    decidedAt: row.decided_at?.toISOString() ?? null,
    decisionNote: row.decision_note,
  };
}

const notFound = (id: string) => new HubError(404, `No budget advice ${id} in this workspace.`, 'not-found');

/**
 * Budget advice: fit each channel's diminishing-returns curve to its spend
 * and attributed value, propose a reallocation of a weekly budget within
 * bounds, and put it in force only when a person approves it.
 */
export function budgetRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const load = async (workspaceId: string, id: string) => {
    const row = await store.getAdvice(services.db, workspaceId, id);
    if (!row) throw notFound(id);
    return row;
  };

  r.post(
    '/v1/budget/advice',
    {
      schema: {
        tags: ['budget'],
        summary: "Propose a reallocation of a weekly budget across channels, from spend and a completed attribution run by channel covering the range; it is only a proposal until a person approves it",
        body: adviceRequestSchema,
        response: { 201: adviceOut, ...responses },
      },
      config: advise,
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { workspaceId } = caller;
      const asked = { ...request.body, currency: request.body.currency ?? (await attributionSettingsOf(services, workspaceId)).reportingCurrency };
      const inputs = await adviceInputs(services.db, workspaceId, asked);
      const advice: StoredAdvice = { ...adviseBudget({ histories: inputs.histories, weeklyBudget: asked.weeklyBudget, bounds: inputs.bounds }), attributionRunId: inputs.attributionRunId, currency: inputs.currency, firstWeek: inputs.weeks[0]!, lastDay: inputs.lastDay };
      const id = randomUUID();
      await audited(request, services, { action: 'budget.advice-proposed', target: { kind: 'budget-advice', id }, change: { request: asked, proposed: advice.channels.map((c) => ({ channel: c.channel, proposed: c.proposed })) } }, (tx) =>
        store.createAdvice(tx, { workspaceId, id, request: asked, advice, createdBy: actorIdOf(caller), now: services.now() }),
      );
      return reply.status(201).send(present(await load(workspaceId, id)));
    },
  );

  r.get(
    '/v1/budget/advice',
    { schema: { tags: ['budget'], summary: "The workspace's budget advice, newest first", querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict(), response: { 200: z.object({ advice: z.array(adviceOut) }), ...responses } }, config: read },
    async (request) => ({ advice: (await store.listAdvice(services.db, callerOf(request).workspaceId, request.query.limit)).map(present) }),
  );

  r.get('/v1/budget/advice/:id', { schema: { tags: ['budget'], summary: 'One piece of budget advice: per channel the current and proposed spend, expected return, fitted curve and why', params: idParams, response: { 200: adviceOut, ...responses } }, config: read }, async (request) =>
    present(await load(callerOf(request).workspaceId, request.params.id)),
  );

  const decideOn = (status: 'approved' | 'rejected') => async (request: Parameters<typeof memberOf>[0] & { params: { id: string }; body: { note?: string | undefined } }) => {
    // A person decides: an API key may ask for advice but never put a budget in force.
    const member = memberOf(request);
    const { workspaceId } = member;
    const { id } = request.params;
    await audited(request, services, { action: status === 'approved' ? 'budget.advice-approved' : 'budget.advice-rejected', target: { kind: 'budget-advice', id }, change: { status, note: request.body.note ?? null } }, async (tx) => {
      await store.lockWorkspaceBudget(tx, workspaceId);
      const row = await store.getAdvice(tx, workspaceId, id);
      if (!row) throw notFound(id);
      if (row.status !== 'proposed') throw new HubError(409, `Budget advice ${id} was already ${row.status}${row.decided_at ? ` on ${row.decided_at.toISOString()}` : ''}; a proposal is decided once.`, 'already-decided');
      const newer = status === 'approved' ? await store.newerApproved(tx, workspaceId, { createdAt: row.created_at, id: row.id }) : undefined;
      if (newer) throw new HubError(409, `Budget advice ${id} is stale: newer advice ${newer.id} was approved on ${newer.decided_at?.toISOString() ?? 'an earlier date'}, and approving this one would put an older plan back in force. Ask for new advice instead.`, 'stale-advice');
      await store.decideAdvice(tx, workspaceId, id, { status, decidedBy: member.userId, decidedAt: services.now(), note: request.body.note ?? null });
    });
    return present(await load(workspaceId, id));
  };

  r.post('/v1/budget/advice/:id/approve', { schema: { tags: ['budget'], summary: "Approve a proposal: its allocation becomes the workspace's budget plan (once; not over newer approved advice)", params: idParams, body: decisionSchema, response: { 200: adviceOut, ...responses } }, config: decide }, decideOn('approved'));
  r.post('/v1/budget/advice/:id/reject', { schema: { tags: ['budget'], summary: 'Reject a proposal: it stays on record and never comes into force', params: idParams, body: decisionSchema, response: { 200: adviceOut, ...responses } }, config: decide }, decideOn('rejected'));

  r.get('/v1/budget/plan', { schema: { tags: ['budget'], summary: "The budget plan in force: the allocation of the newest approved advice", response: { 200: planOut, ...responses } }, config: read }, async (request) => {
    const row = await store.activePlan(services.db, callerOf(request).workspaceId);
    if (!row) return { plan: null };
    const advice = present(row);
    return {
      plan: {
        adviceId: advice.id,
        approvedBy: advice.decidedBy!,
        approvedAt: advice.decidedAt!,
        weeklyBudget: advice.weeklyBudget,
        currency: advice.currency,
        expectedReturn: advice.expectedReturn,
        channels: advice.channels.map((c) => ({ channel: c.channel, weeklySpend: c.proposed, expectedReturn: c.expectedReturn })),
      },
    };
  });
}
