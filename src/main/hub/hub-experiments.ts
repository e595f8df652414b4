import { z } from 'zod';
import type { HubAccountService } from './hub-account';
import { hubCaller } from './hub-sync';

/**
 * A campaign's experiments as Studio shows them: which variant each tests,
 * which won, and for a running one the live leader from its results. Read
 * with the signed-in person's experiments.read (every role holds it).
 */

export const campaignExperimentsInputSchema = z.object({ campaignId: z.string().min(1, 'campaignId: must not be empty').max(64) }).strict();

const ref = z.object({ recordType: z.string(), recordId: z.string() });
const variant = z.object({ id: z.string(), name: z.string(), ref });

// What Studio reads of the Hub's answers (other fields are left out, so a Hub that adds some still parses).
const hubExperiment = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['draft', 'running', 'stopped', 'decided']),
  definition: z.object({ variants: z.array(variant), primaryMetric: z.object({ kind: z.enum(['conversion-rate', 'mean']), event: z.string() }) }),
  winnerVariantId: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
});
const hubResults = z.object({
  computedAt: z.string(),
  results: z.object({
    variants: z.array(z.object({ variantId: z.string(), n: z.number(), conversions: z.number(), sum: z.number() })),
    sampleRatio: z.object({ mismatch: z.boolean() }),
    analysis: z
      .object({
        variants: z.array(
          z.object({
            name: z.string(),
            mean: z.number(),
            comparison: z.object({ relative: z.object({ estimate: z.number() }), pValue: z.number().optional(), chanceToWin: z.number().optional() }).nullable(),
          }),
        ),
      })
      .nullable(),
    decision: z.object({ state: z.enum(['collecting', 'sample-ratio-mismatch', 'guardrail-hurt', 'decided']), reason: z.string() }),
  }),
});
type HubExperiment = z.infer<typeof hubExperiment>;
type HubResults = z.infer<typeof hubResults>;

const leaderSchema = z.object({
  variantId: z.string(),
  name: z.string(),
  ref,
  /** The primary metric's mean (a rate for conversion rates). */
  mean: z.number(),
  /** Relative to the control; null when the leader is the control or there is no analysis yet. */
  lift: z.number().nullable(),
  pValue: z.number().nullable(),
  chanceToWin: z.number().nullable(),
});

export const campaignExperimentSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: hubExperiment.shape.status,
  metric: z.enum(['conversion-rate', 'mean']),
  variants: z.array(variant),
  winnerVariantId: z.string().nullable(),
  /** Running experiments only: who leads now. */
  live: z
    .object({
      computedAt: z.string(),
      customers: z.number(),
      leader: leaderSchema.nullable(),
      decision: hubResults.shape.results.shape.decision,
      sampleRatioMismatch: z.boolean(),
    })
    .nullable(),
});
export const campaignExperimentsSchema = z.object({ experiments: z.array(campaignExperimentSchema) });
export type CampaignExperiment = z.infer<typeof campaignExperimentSchema>;

/** The variant with the highest mean of the primary metric: from the analysis when there is one, else from the raw totals (null before anyone is counted). */
export function liveLeader(experiment: Pick<HubExperiment, 'definition'>, results: HubResults['results']): z.infer<typeof leaderSchema> | null {
  const rate = experiment.definition.primaryMetric.kind === 'conversion-rate';
  const candidates = results.analysis
    ? results.analysis.variants.map((v) => ({ variantId: v.name, mean: v.mean, comparison: v.comparison }))
    : results.variants.filter((v) => v.n > 0).map((v) => ({ variantId: v.variantId, mean: (rate ? v.conversions : v.sum) / v.n, comparison: null }));
  const best = candidates.reduce<(typeof candidates)[number] | null>((top, c) => (top === null || c.mean > top.mean ? c : top), null);
  if (!best) return null;
  const variantOf = experiment.definition.variants.find((v) => v.id === best.variantId);
  if (!variantOf) return null;
  return {
    variantId: best.variantId,
    name: variantOf.name,
    ref: variantOf.ref,
    mean: best.mean,
    lift: best.comparison?.relative.estimate ?? null,
    pValue: best.comparison?.pValue ?? null,
    chanceToWin: best.comparison?.chanceToWin ?? null,
  };
}

export function createHubExperiments(account: Pick<HubAccountService, 'fetch'>) {
  const call = hubCaller(account);
  return {
    async forCampaign(campaignId: string): Promise<z.infer<typeof campaignExperimentsSchema>> {
      const { experiments } = await call(`the experiments of campaign ${campaignId}`, `/v1/experiments?campaignId=${encodeURIComponent(campaignId)}`, z.object({ experiments: z.array(hubExperiment) }));
      return {
        experiments: await Promise.all(
          experiments.map(async (experiment) => {
            let live: CampaignExperiment['live'] = null;
            if (experiment.status === 'running') {
              const answer = await call(`the results of experiment ${experiment.name}`, `/v1/experiments/${encodeURIComponent(experiment.id)}/results`, hubResults);
              const { results } = answer;
              live = { computedAt: answer.computedAt, customers: results.variants.reduce((sum, v) => sum + v.n, 0), leader: liveLeader(experiment, results), decision: results.decision, sampleRatioMismatch: results.sampleRatio.mismatch };
            }
            return { id: experiment.id, name: experiment.name, status: experiment.status, metric: experiment.definition.primaryMetric.kind, variants: experiment.definition.variants, winnerVariantId: experiment.winnerVariantId, live };
          }),
        ),
      };
    },
  };
}
