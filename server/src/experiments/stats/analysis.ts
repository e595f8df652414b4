import { z } from 'zod';
import { bayesianComparison, type BayesianComparison } from './bayesian';
import { cupedAdjust } from './cuped';
import { proportionAsMeanTotals, sampleMoments, type MeanTotals, type SampleMoments } from './moments';
import { sampleRatioCheck, type SampleRatioCheck } from './sample-ratio';
import { sequentialTest, type SequentialComparison } from './sequential';
import { welchTest, type WelchComparison } from './welch';

/**
 * One experiment's analysis from its per-variant totals: the input schema
 * (shared by the analyst CLI and, later, the Hub's API) and the function that
 * runs the chosen engine for every treatment against the control, with the
 * sample-ratio check on every result.
 */

/** The planned sample size used when `sequential: true` names none (units in the two variants compared). */
export const defaultPlannedSampleSize = 10_000;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const count = z.number().int('must be a whole number').nonnegative('must be 0 or more');

const covariateSchema = z
  .object({ sum: finite, sumSquares: finite.refine((v) => v >= 0, 'must be 0 or more'), sumProducts: finite })
  .strict()
  .describe('the pre-period covariate x over the same units: Σx, Σx², Σx·y');

const variantSchema = z
  .object({
    name: z.string().min(1, 'must not be empty'),
    n: count,
    /** Means: Σy and Σy². */
    sum: finite.optional(),
    sumSquares: finite.refine((v) => v >= 0, 'must be 0 or more').optional(),
    /** Proportions: units that converted. */
    conversions: count.optional(),
    /** Expected share of traffic (any positive scale); equal when left out. */
    weight: z.number().positive('must be more than 0').refine(Number.isFinite, 'must be a finite number').optional(),
    covariate: covariateSchema.optional(),
  })
  .strict();

export const experimentInputSchema = z
  .object({
    variants: z.array(variantSchema).min(2, 'needs at least two variants, the control and a treatment'),
    /** The control's name; the first variant when left out. */
    control: z.string().optional(),
    engine: z.enum(['frequentist', 'bayesian']).default('frequentist'),
    sequential: z
      .union([z.boolean(), z.object({ plannedSampleSize: z.number().int().positive() }).strict()], { error: 'must be true, false or { "plannedSampleSize": <units, a whole number> }' })
      .default(false),
    alpha: z.number().gt(0, 'must be more than 0').lt(0.5, 'must be less than 0.5').default(0.05),
    alternative: z.enum(['two-sided', 'greater', 'less']).default('two-sided'),
    /** A normal prior on the relative lift, for the bayesian engine. */
    prior: z.object({ mean: finite, sd: z.number().positive('must be more than 0').refine(Number.isFinite, 'must be a finite number') }).strict().optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const means = input.variants[0]?.conversions === undefined;
    const names = new Set<string>();
    input.variants.forEach((variant, i) => {
      if (names.has(variant.name)) issue(['variants', i, 'name'], `"${variant.name}" is used by two variants`);
      names.add(variant.name);
      if (means) {
        if (variant.conversions !== undefined) issue(['variants', i, 'conversions'], 'the first variant is a means metric (sum, sumSquares): every variant must be');
        if (variant.sum === undefined) issue(['variants', i, 'sum'], 'is required: a means metric needs n, sum and sumSquares in every variant (or use n and conversions for a proportion)');
        if (variant.sumSquares === undefined) issue(['variants', i, 'sumSquares'], 'is required: a means metric needs n, sum and sumSquares in every variant');
        if (variant.sum !== undefined && variant.sumSquares !== undefined && variant.n > 0 && variant.sumSquares < ((variant.sum * variant.sum) / variant.n) * (1 - 1e-9))
          issue(['variants', i, 'sumSquares'], `is less than sum²/n (${(variant.sum * variant.sum) / variant.n}), which no data can give: check that it is Σy², not (Σy)² or a variance`);
      } else {
        if (variant.conversions === undefined) issue(['variants', i, 'conversions'], 'is required: the first variant is a proportion (n, conversions), so every variant must be');
        if (variant.sum !== undefined || variant.sumSquares !== undefined) issue(['variants', i, variant.sum !== undefined ? 'sum' : 'sumSquares'], 'the first variant is a proportion (n, conversions): every variant must be');
        if (variant.conversions !== undefined && variant.conversions > variant.n) issue(['variants', i, 'conversions'], `is more than n (${variant.n})`);
      }
      if ((variant.covariate === undefined) !== (input.variants[0]?.covariate === undefined)) issue(['variants', i, 'covariate'], 'CUPED needs a covariate in every variant or in none');
    });
    if (input.control !== undefined && !names.has(input.control)) issue(['control'], `no variant is named "${input.control}"`);
    if (input.engine === 'bayesian' && input.sequential !== false) issue(['sequential'], 'is for the frequentist engine: the bayesian results are not tests to peek at');
    if (input.engine === 'frequentist' && input.prior !== undefined) issue(['prior'], 'is for the bayesian engine (set "engine": "bayesian")');
  });

export type ExperimentInput = z.input<typeof experimentInputSchema>;
type ParsedInput = z.output<typeof experimentInputSchema>;

export type Comparison =
  | ({ engine: 'frequentist'; sequential: false; significant: boolean } & WelchComparison)
  | ({ engine: 'frequentist'; sequential: true; significant: boolean } & SequentialComparison)
  | ({ engine: 'bayesian' } & BayesianComparison);

export interface VariantResult {
  name: string;
  n: number;
  /** The mean (a rate for proportions), CUPED-adjusted when a covariate was given. */
  mean: number;
  /** Against the control; null for the control itself. */
  comparison: Comparison | null;
}

export interface ExperimentAnalysis {
  metric: 'means' | 'proportions';
  engine: 'frequentist' | 'bayesian';
  sequential: false | { plannedSampleSize: number };
  alpha: number;
  alternative: 'two-sided' | 'greater' | 'less';
  control: string;
  variants: VariantResult[];
  sampleRatio: SampleRatioCheck;
  cuped: { theta: number; varianceReduction: number[] } | null;
}

/** Runs the analysis on an input already parsed with experimentInputSchema. Throws StatsInputError for data that cannot be compared. */
export function analyzeExperiment(input: ParsedInput): ExperimentAnalysis {
  const metric = input.variants[0]!.conversions === undefined ? 'means' : 'proportions';
  const totals: MeanTotals[] = input.variants.map((v) => (metric === 'means' ? { n: v.n, sum: v.sum!, sumSquares: v.sumSquares! } : proportionAsMeanTotals({ n: v.n, conversions: v.conversions! })));
  let moments: SampleMoments[];
  let cuped: ExperimentAnalysis['cuped'] = null;
  if (input.variants[0]!.covariate) {
    const adjusted = cupedAdjust(input.variants.map((v, i) => ({ name: v.name, metric: totals[i]!, covariate: v.covariate! })));
    moments = adjusted.moments;
    cuped = { theta: adjusted.theta, varianceReduction: adjusted.varianceReduction };
  } else {
    moments = totals.map(sampleMoments);
  }
  const controlName = input.control ?? input.variants[0]!.name;
  const controlIndex = input.variants.findIndex((v) => v.name === controlName);
  const sequential = input.sequential === false ? false : { plannedSampleSize: input.sequential === true ? defaultPlannedSampleSize : input.sequential.plannedSampleSize };
  const { alpha, alternative } = input;

  const variants = input.variants.map((variant, i): VariantResult => {
    const own = moments[i]!;
    const result = { name: variant.name, n: own.n, mean: own.mean };
    if (i === controlIndex) return { ...result, comparison: null };
    const names = { control: controlName, treatment: variant.name };
    const control = moments[controlIndex]!;
    let comparison: Comparison;
    if (input.engine === 'bayesian') comparison = { engine: 'bayesian', ...bayesianComparison(control, own, { alpha, prior: input.prior, names }) };
    else if (sequential) {
      const test = sequentialTest(control, own, { alpha, alternative, plannedSampleSize: sequential.plannedSampleSize, names });
      comparison = { engine: 'frequentist', sequential: true, significant: test.pValue < alpha, ...test };
    } else {
      const test = welchTest(control, own, { alpha, alternative, names });
      comparison = { engine: 'frequentist', sequential: false, significant: test.pValue < alpha, ...test };
    }
    return { ...result, comparison };
  });
  const sampleRatio = sampleRatioCheck(input.variants.map((v) => ({ n: v.n, weight: v.weight ?? 1 })));
  return { metric, engine: input.engine, sequential, alpha, alternative, control: controlName, variants, sampleRatio, cuped };
}
