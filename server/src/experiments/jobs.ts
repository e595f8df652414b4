import cronParser from 'cron-parser';
import { z } from 'zod';
import { appendAuditEventIn } from '../db/audit-store';
import * as store from '../db/experiment-store';
import type { HubServices } from '../http/services';
import { changeDigest } from '../http/access';
import { systemWorkspaceId, type JobQueue } from '../jobs/queue';
import { catchUpRollup } from './rollup';
import { StatsInputError } from './stats/moments';
import { thompsonWeights, type BanditArm } from './stats/thompson';
import { definitionOf, promoteVariant, resultsOf, systemAudit } from './service';

export const experimentJobNames = { due: 'experiments.evaluate-due', evaluate: 'experiments.evaluate', rollup: 'experiments.rollup' } as const;

/** Monte Carlo draws per bandit update: the weights' error is about √(w(1 − w)/draws), under 0.4 %. */
const banditDraws = 20_000;

type Services = Pick<HubServices, 'db' | 'now'>;

/** Whether a cron schedule (UTC) fired in the minute before `now`: the every-minute run sends the experiments due. */
export function isDue(schedule: string, now: Date): boolean {
  const previous = cronParser.parseExpression(schedule, { currentDate: new Date(now.getTime() + 1000), tz: 'UTC' }).prev().toDate();
  return now.getTime() - previous.getTime() < 60_000;
}

export interface Evaluation {
  status: string;
  bandit: { reweighted: boolean; weights: Record<string, number>; chanceToBeBest: Record<string, number> | null; waitingFor: string[]; problem?: string } | null;
  decision: string;
  promoted: string | null;
}

/**
 * One scheduled look at a running experiment:
 * - with the bandit on, new weights by Thompson sampling on the primary
 *   metric (a minimum share per variant; unchanged until every variant has
 *   its minimum of customers), recorded in the weight history and audited;
 * - with auto-promotion on, a decided winner (see results.ts) is promoted
 *   to the campaign's active creative, audited.
 * Both as the Hub's own (system) actions.
 */
export async function evaluateExperiment(services: Services, workspaceId: string, experimentId: string): Promise<Evaluation> {
  const row = await store.getExperiment(services.db, workspaceId, experimentId);
  if (!row || row.status !== 'running') return { status: row?.status ?? 'missing', bandit: null, decision: 'not running', promoted: null };
  const definition = definitionOf(row);
  let results = (await resultsOf(services.db, workspaceId, [row], services.now())).get(row.id)!;
  let bandit: Evaluation['bandit'] = null;
  if (definition.bandit.enabled) {
    const { minShare, minUnitsPerArm } = definition.bandit;
    const arms: BanditArm[] = results.variants.map((v) => (definition.primaryMetric.kind === 'conversion-rate' ? { name: v.variantId, n: v.n, conversions: v.conversions } : { name: v.variantId, n: v.n, sum: v.sum, sumSquares: v.sumSquares }));
    const now = services.now();
    const waitingFor = results.variants.filter((v) => v.n < minUnitsPerArm).map((v) => v.variantId);
    try {
      // The seed is the run's minute: a retried run gives the same weights.
      const next = thompsonWeights(arms, { minimumShare: minShare, minimumUnits: minUnitsPerArm, draws: banditDraws, seed: Math.floor(now.getTime() / 60_000), currentWeights: definition.variants.map((v) => row.weights[v.id] ?? 0) });
      const weights = Object.fromEntries(definition.variants.map((v, i) => [v.id, next.weights[i]!]));
      const chanceToBeBest = next.chanceToBeBest && Object.fromEntries(definition.variants.map((v, i) => [v.id, next.chanceToBeBest![i]!]));
      if (next.reweighted) {
        const details = { chanceToBeBest, units: Object.fromEntries(results.variants.map((v) => [v.variantId, v.n])), draws: banditDraws };
        await services.db.transaction().execute(async (tx) => {
          const locked = await store.lockExperiment(tx, workspaceId, experimentId);
          if (locked?.status !== 'running') return;
          await store.updateExperiment(tx, workspaceId, experimentId, { weights, now });
          await store.recordWeights(tx, { workspaceId, experimentId, weights, reason: 'bandit', details, at: now });
          await appendAuditEventIn(tx, { ...systemAudit(workspaceId, now), action: 'experiment.weights-updated', target: { kind: 'experiment', id: experimentId }, changeDigest: changeDigest({ weights, details }) });
        });
      }
      bandit = { reweighted: next.reweighted, weights, chanceToBeBest, waitingFor };
    } catch (error) {
      if (!(error instanceof StatsInputError)) throw error;
      bandit = { reweighted: false, weights: row.weights, chanceToBeBest: null, waitingFor, problem: error.message };
    }
    // Read again under the new weights, for the decision below.
    const current = await store.getExperiment(services.db, workspaceId, experimentId);
    if (current) results = (await resultsOf(services.db, workspaceId, [current], services.now())).get(row.id)!;
  }
  let promoted: string | null = null;
  const decision = results.decision;
  if (definition.autoPromote && decision.state === 'decided') {
    const now = services.now();
    await services.db.transaction().execute(async (tx) => {
      const locked = await store.lockExperiment(tx, workspaceId, experimentId);
      if (locked?.status !== 'running') return;
      if (await promoteVariant(tx, { experiment: locked, variantId: decision.winnerVariantId, audit: systemAudit(workspaceId, now), updatedBy: 'system:experiments', now, automatic: true })) promoted = decision.winnerVariantId;
    });
  }
  return { status: promoted ? 'decided' : 'running', bandit, decision: decision.state, promoted };
}

/**
 * The experiments' scheduled work: every minute, the system run sends one
 * `experiments.rollup` job per workspace with a running experiment (its
 * rollup catches up with the events written since, so that reading results
 * has little left to do), and one `experiments.evaluate` job (one at a time
 * per experiment) for each running experiment with the bandit or
 * auto-promotion on whose schedule fired in that minute.
 */
export async function defineExperimentJobs(jobs: JobQueue, services: Services): Promise<void> {
  await jobs.define({
    name: experimentJobNames.evaluate,
    data: z.object({ experimentId: z.string().min(1).max(64) }),
    singleton: true,
    retryLimit: 2,
    run: async (input, job) => JSON.parse(JSON.stringify(await evaluateExperiment(services, job.workspaceId, input.experimentId))) as unknown,
  });
  await jobs.define({
    name: experimentJobNames.rollup,
    data: z.object({}),
    singleton: true,
    retryLimit: 2,
    run: async (_input, job) => JSON.parse(JSON.stringify(await catchUpRollup(services.db, job.workspaceId, services.now()))) as unknown,
  });
  await jobs.define({
    name: experimentJobNames.due,
    data: z.object({}),
    singleton: true,
    retryLimit: 0,
    run: async (_input, job) => {
      if (job.workspaceId !== systemWorkspaceId) return { sent: 0 };
      const now = services.now();
      let sent = 0;
      const running = await store.runningExperiments(services.db);
      for (const workspaceId of new Set(running.map((r) => r.workspaceId))) await jobs.send(experimentJobNames.rollup, workspaceId, {}, { singletonKey: 'rollup' });
      for (const { workspaceId, id } of running) {
        const row = await store.getExperiment(services.db, workspaceId, id);
        if (!row) continue;
        const definition = definitionOf(row);
        if (!(definition.bandit.enabled || definition.autoPromote) || !isDue(definition.bandit.schedule, now)) continue;
        await jobs.send(experimentJobNames.evaluate, workspaceId, { experimentId: id }, { singletonKey: id });
        sent += 1;
      }
      return { sent };
    },
  });
  await jobs.schedule(experimentJobNames.due, '* * * * *', {});
}
