import cronParser from 'cron-parser';
import { z } from 'zod';

/**
 * What an experiment tests and how it is judged, as the Hub's API takes it.
 * Variants name the Studio records they show (a rendered creative, a
 * persona, a script); the first variant is the control.
 */

/** The event a client sends when a customer sees a variant (Segment's "Experiment Viewed" convention). */
export const exposureEventName = 'Experiment Viewed';

const id = z.string().trim().min(1, 'must not be empty').max(64).regex(/^[A-Za-z0-9._:-]+$/, 'use letters, digits and . _ : - only');
const share = (most: number) => z.number().min(0, 'must be 0 or more').max(most, `must be at most ${most}`);
const eventName = z.string().trim().min(1, 'must not be empty').max(200);
const propertyName = z.string().trim().min(1, 'must not be empty').max(100);

export const variantSchema = z
  .object({
    id,
    name: z.string().trim().min(1, 'must not be empty').max(120),
    /** The Studio record the variant shows. */
    ref: z.object({ recordType: z.enum(['render', 'composition', 'persona', 'script']), recordId: z.string().min(1).max(64) }).strict(),
    /** Share of the non-held-out traffic, any positive scale (normalised). */
    weight: z.number().positive('must be more than 0').max(1_000_000).default(1),
  })
  .strict();

/**
 * A metric per exposed customer, counted from the first exposure on:
 * 'conversion-rate' = the share who sent `event` at least once;
 * 'mean' = the mean over exposed customers of the sum of `valueProperty` on their `event`s (0 for none), e.g. revenue per user.
 */
export const metricSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('conversion-rate'), event: eventName }).strict(),
  z.object({ kind: z.literal('mean'), event: eventName, valueProperty: propertyName }).strict(),
]);
export type Metric = z.infer<typeof metricSchema>;

/**
 * A metric that must not get worse: `direction` says which way is good;
 * the guardrail is hurt when a variant moves it the bad way by more than
 * `tolerance` (relative, 0.02 = 2 %) and the move is significant at the experiment's alpha.
 */
export const guardrailSchema = z
  .object({ name: z.string().trim().min(1).max(120), metric: metricSchema, direction: z.enum(['higher-is-better', 'lower-is-better']), tolerance: share(1).default(0) })
  .strict();
export type Guardrail = z.infer<typeof guardrailSchema>;

export const banditSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** The smallest share of traffic any variant gets. */
    minShare: share(0.5).default(0.05),
    /** Exposed customers every variant needs before the weights move. */
    minUnitsPerArm: z.number().int().min(1).max(10_000_000).default(1000),
    /** How often the weights are updated (and, with autoPromote, the winner looked for), as a cron expression (UTC). */
    schedule: z
      .string()
      .trim()
      .regex(/^(\S+\s+){4}\S+$/, 'must be a cron expression of five fields, e.g. "0 * * * *"')
      .refine((cron) => {
        try {
          cronParser.parseExpression(cron, { tz: 'UTC' });
          return true;
        } catch {
          return false;
        }
      }, 'is not a cron expression cron-parser reads, e.g. "0 * * * *" (hourly)')
      .default('0 * * * *'),
  })
  .strict();

export const experimentDefinitionSchema = z
  .object({
    variants: z.array(variantSchema).min(2, 'needs at least two variants: the control first, then the treatments').max(20),
    /** Only customers in this Hub segment (its current membership) are assigned and counted; all when left out. */
    targetSegmentId: z.string().min(1).max(64).nullable().default(null),
    primaryMetric: metricSchema,
    guardrails: z.array(guardrailSchema).max(10).default([]),
    /** Customers held out of every variant (they see the campaign's usual creative), to measure the campaign itself. */
    holdoutShare: share(0.5).default(0),
    alpha: z.number().gt(0, 'must be more than 0').lt(0.5, 'must be less than 0.5').default(0.05),
    engine: z.enum(['frequentist', 'bayesian']).default('frequentist'),
    /** Always-valid (sequential) p-values, so the results may be read at any time; frequentist only. */
    sequential: z.boolean().default(false),
    /** Customers per pair of variants compared at which the sequential test is tightest. */
    plannedSampleSize: z.number().int().positive().max(1_000_000_000).optional(),
    bandit: banditSchema.default({ enabled: false, minShare: 0.05, minUnitsPerArm: 1000, schedule: '0 * * * *' }),
    /** Promote the winner to the campaign's active creative when the primary metric is decided and no guardrail is hurt. */
    autoPromote: z.boolean().default(false),
  })
  .strict()
  .superRefine((definition, ctx) => {
    const seen = new Set<string>();
    definition.variants.forEach((variant, i) => {
      if (seen.has(variant.id)) ctx.addIssue({ code: 'custom', path: ['variants', i, 'id'], message: `"${variant.id}" is used by two variants` });
      seen.add(variant.id);
    });
    if (definition.engine === 'bayesian' && definition.sequential) ctx.addIssue({ code: 'custom', path: ['sequential'], message: 'is for the frequentist engine: the bayesian results are not tests to peek at' });
    if (definition.bandit.enabled && definition.bandit.minShare * definition.variants.length > 1) ctx.addIssue({ code: 'custom', path: ['bandit', 'minShare'], message: `times ${definition.variants.length} variants is more than 1` });
  });
export type ExperimentDefinition = z.infer<typeof experimentDefinitionSchema>;

export const createExperimentSchema = z
  .object({
    /** The synced campaign record (from Studio) the experiment belongs to. */
    campaignId: z.string().min(1).max(64),
    name: z.string().trim().min(1, 'must not be empty').max(120),
    definition: experimentDefinitionSchema,
  })
  .strict();

/** Weights by variant id, normalised to sum to 1. */
export function normalisedWeights(variants: readonly { id: string; weight: number }[]): Record<string, number> {
  const total = variants.reduce((sum, v) => sum + v.weight, 0);
  return Object.fromEntries(variants.map((v) => [v.id, v.weight / total]));
}
