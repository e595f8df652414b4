import type { Kysely, Transaction } from 'kysely';
import { appendAuditEventIn } from '../db/audit-store';
import { rollupTotals } from '../db/experiment-totals-store';
import * as store from '../db/experiment-store';
import type { HubSchema } from '../db/schema';
import { applyHubChange } from '../db/sync-store';
import type { AuditEvent } from '../../../src/shared/audit/hash-chain';
import { changeDigest } from '../http/access';
import { experimentDefinitionSchema, type ExperimentDefinition } from './definition';
import { experimentResults, type ExperimentResults } from './results';
import { catchUpRollup, currentTargets } from './rollup';

/** The stored definition, read back with today's defaults. */
export function definitionOf(row: store.ExperimentRow): ExperimentDefinition {
  return experimentDefinitionSchema.parse(row.definition);
}

/**
 * The shares traffic had on average since the start: each set of weights in the history counts for the time
 * it was in force (until the next, or `now`). Exact for traffic that arrives evenly; what a bandit's
 * sample-ratio check expects, since its weights change on purpose.
 */
export function timeAveragedWeights(history: readonly { weights: Record<string, number>; recordedAt: Date }[], now: Date): Record<string, number> | undefined {
  if (history.length === 0) return undefined;
  const totals: Record<string, number> = {};
  let span = 0;
  history.forEach((entry, i) => {
    const until = history[i + 1]?.recordedAt ?? now;
    const duration = Math.max(0, until.getTime() - entry.recordedAt.getTime());
    span += duration;
    for (const [id, weight] of Object.entries(entry.weights)) totals[id] = (totals[id] ?? 0) + weight * duration;
  });
  if (span === 0) return history.at(-1)!.weights;
  return Object.fromEntries(Object.entries(totals).map(([id, total]) => [id, total / span]));
}

/** Each variant with the upper end of its cumulative normalised weight, summed in the order assignVariant sums them. */
function cumulativeShares(variants: readonly { id: string }[], weights: Record<string, number>): { id: string; upper: number }[] {
  const total = variants.reduce((sum, variant) => sum + (weights[variant.id] ?? 0), 0);
  let cumulative = 0;
  const shares = variants.map((variant) => {
    cumulative += (weights[variant.id] ?? 0) / total;
    return { id: variant.id, upper: cumulative };
  });
  // What rounding leaves below 1 goes to the last variant with weight, as in assignVariant.
  const last = variants.findLastIndex((variant) => (weights[variant.id] ?? 0) > 0);
  if (last >= 0) shares[last]!.upper = 2;
  return shares;
}

/** What experiment totals are computed with: the rollup (what the Hub uses), or the raw events (the reference it must equal). */
export type TotalsSource = 'rollup' | 'raw';

/**
 * The totals of several experiments of one workspace, read in one statement:
 * from the experiment rollup, caught up first (only what was written since
 * its watermark), or from the raw events.
 */
export async function totalsOf(db: Kysely<HubSchema>, workspaceId: string, rows: readonly store.ExperimentRow[], source: TotalsSource = 'rollup'): Promise<store.VariantTotals[]> {
  if (rows.length === 0) return [];
  if (source === 'rollup') await catchUpRollup(db, workspaceId);
  return (source === 'rollup' ? rollupTotals : store.experimentTotals)(db, await totalsRequest(db, workspaceId, rows));
}

/** What the totals of these experiments are asked with: variants and their shares in force, holdout, target segment's current version, metrics. */
export async function totalsRequest(db: Kysely<HubSchema>, workspaceId: string, rows: readonly store.ExperimentRow[]): Promise<Parameters<typeof store.experimentTotals>[1]> {
  const definitions = new Map(rows.map((row) => [row.id, definitionOf(row)]));
  const targetOf = await currentTargets(db, workspaceId, [...definitions.values()]);
  return {
    workspaceId,
    experiments: rows.map((row) => {
      const definition = definitions.get(row.id)!;
      return { id: row.id, variants: cumulativeShares(definition.variants, row.weights), holdoutShare: definition.holdoutShare, segment: targetOf(definition) };
    }),
    metrics: rows.flatMap((row) => {
      const definition = definitions.get(row.id)!;
      return [definition.primaryMetric, ...definition.guardrails.map((g) => g.metric)].map((metric, metricIndex) => ({ experimentId: row.id, metricIndex, event: metric.event, valueProperty: metric.kind === 'mean' ? metric.valueProperty : null }));
    }),
  };
}

/** Results of several experiments of one workspace (their totals from the rollup, or from the raw events). */
export async function resultsOf(db: Kysely<HubSchema>, workspaceId: string, rows: readonly store.ExperimentRow[], now = new Date(), source: TotalsSource = 'rollup'): Promise<Map<string, ExperimentResults>> {
  const definitions = new Map(rows.map((row) => [row.id, definitionOf(row)]));
  const totals = await totalsOf(db, workspaceId, rows, source);
  const banditRows = rows.filter((row) => definitions.get(row.id)!.bandit.enabled);
  const expected = new Map(await Promise.all(banditRows.map(async (row) => [row.id, timeAveragedWeights(await store.weightHistory(db, workspaceId, row.id), now)] as const)));
  return new Map(rows.map((row) => [row.id, experimentResults({ definition: definitions.get(row.id)!, weights: row.weights, expectedWeights: expected.get(row.id), totals: totals.filter((t) => t.experimentId === row.id) })]));
}

/** Who did it, for the audit log: a member or key from a request, or the Hub's own scheduled work. */
export type AuditContext = Omit<AuditEvent, 'sequence' | 'action' | 'target' | 'changeDigest'>;

/** The audit context of the Hub's scheduled experiment work. */
export function systemAudit(workspaceId: string, now: Date): AuditContext {
  return { workspaceId, actor: { kind: 'system', id: 'experiments' }, at: now.toISOString(), ip: null, userAgent: null, requestId: null };
}

/** What the campaign record's `activeCreative` field holds after a promotion: the Studio record to show, and why. */
export interface ActiveCreative {
  recordType: string;
  recordId: string;
  experimentId: string;
  variantId: string;
  promotedAt: string;
}

/**
 * Promotes a variant: the campaign's synced record gets `activeCreative` as a
 * Hub-side change (Studio pulls it), the experiment becomes 'decided' with its
 * winner, and the audit log says so; all in the caller's transaction. Returns
 * false when the campaign record is gone (deleted in Studio).
 */
export async function promoteVariant(tx: Transaction<HubSchema>, options: { experiment: store.ExperimentRow; variantId: string; audit: AuditContext; updatedBy: string; now: Date; automatic: boolean }): Promise<boolean> {
  const { experiment, variantId, now } = options;
  const variant = definitionOf(experiment).variants.find((v) => v.id === variantId)!;
  const activeCreative: ActiveCreative = { recordType: variant.ref.recordType, recordId: variant.ref.recordId, experimentId: experiment.id, variantId, promotedAt: now.toISOString() };
  const written = await applyHubChange(tx, { workspaceId: experiment.workspace_id, recordId: experiment.campaign_id, recordType: 'campaign', fields: { activeCreative }, updatedBy: options.updatedBy, now });
  if (!written) return false;
  await store.updateExperiment(tx, experiment.workspace_id, experiment.id, { status: 'decided', winner_variant_id: variantId, ended_at: now, now });
  await appendAuditEventIn(tx, { ...options.audit, action: options.automatic ? 'experiment.winner-promoted-automatically' : 'experiment.winner-promoted', target: { kind: 'experiment', id: experiment.id }, changeDigest: changeDigest({ campaignId: experiment.campaign_id, activeCreative }) });
  return true;
}
