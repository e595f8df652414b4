import type { VariantTotals } from '../db/experiment-store';
import type { ExperimentDefinition, Metric } from './definition';
import { analyzeExperiment, experimentInputSchema, type ExperimentAnalysis } from './stats/analysis';
import { StatsInputError } from './stats/moments';
import { sampleRatioCheck, type SampleRatioCheck } from './stats/sample-ratio';

/**
 * An experiment's results from its per-variant totals: the primary metric
 * through the chosen engine (the pure statistics in ./stats), the
 * sample-ratio check on every result, the guardrails, and the decision.
 *
 * Decided means (the primary metric is taken as higher-is-better):
 * - frequentist (fixed or sequential): the treatment's lift is positive and
 *   significant at alpha (with `sequential`, the always-valid p-value);
 * - bayesian: chance to win ≥ 0.95 and the risk of shipping it (expected
 *   relative loss) below 0.01, one percent of the control's mean.
 * Among decided treatments the one with the highest mean wins. Nothing is
 * decided while the sample ratio is off (p < 0.001): the numbers are suspect.
 * A guardrail is hurt by a variant that moves it the bad way by more than
 * its tolerance, with a two-sided Welch test significant at alpha (any engine).
 */

export const bayesianDecision = { chanceToWin: 0.95, risk: 0.01 } as const;

export interface GuardrailResult {
  name: string;
  /** Per treatment: its relative change (positive = up), p-value, and whether it hurts. */
  variants: { variantId: string; relativeChange: number | null; pValue: number | null; hurt: boolean }[];
}

export type Decision =
  | { state: 'collecting'; reason: string }
  | { state: 'sample-ratio-mismatch'; reason: string }
  | { state: 'guardrail-hurt'; winnerVariantId: string; reason: string }
  | { state: 'decided'; winnerVariantId: string; reason: string };

export interface ExperimentResults {
  variants: { variantId: string; name: string; weight: number; n: number; conversions: number; sum: number; sumSquares: number }[];
  /** Exposures that named no variant of this experiment (or none at all): not analysed, shown so they can be fixed. */
  unattributed: { variantId: string | null; n: number }[];
  sampleRatio: SampleRatioCheck;
  analysis: ExperimentAnalysis | null;
  /** Why there is no analysis yet (too few customers, no spread). */
  analysisProblem: string | null;
  guardrails: GuardrailResult[];
  decision: Decision;
}

/**
 * `weights` are the shares in force now (shown per variant); `expectedWeights`, when the weights changed
 * during the experiment (a bandit), the shares the traffic had on average, which the sample-ratio check expects.
 */
export function experimentResults(options: { definition: ExperimentDefinition; weights: Record<string, number>; expectedWeights?: Record<string, number> | undefined; totals: readonly VariantTotals[] }): ExperimentResults {
  const { definition, totals } = options;
  const weights = options.expectedWeights ?? options.weights;
  const known = new Set(definition.variants.map((v) => v.id));
  const of = (metricIndex: number, variantId: string) => totals.find((t) => t.metricIndex === metricIndex && t.variantId === variantId) ?? { n: 0, converted: 0, sum: 0, sumSquares: 0 };
  const variants = definition.variants.map((v) => {
    const t = of(0, v.id);
    return { variantId: v.id, name: v.name, weight: options.weights[v.id] ?? 0, n: t.n, conversions: t.converted, sum: t.sum, sumSquares: t.sumSquares };
  });
  const unattributed = totals.filter((t) => t.metricIndex === 0 && (t.variantId === null || !known.has(t.variantId))).map((t) => ({ variantId: t.variantId, n: t.n }));
  // Variants given no traffic (a weight of 0) are expected to have none.
  const sampleRatio = sampleRatioCheck(variants.map((v) => ({ n: v.n, weight: Math.max(weights[v.variantId] ?? 0, Number.EPSILON) })));

  let analysis: ExperimentAnalysis | null = null;
  let analysisProblem: string | null = null;
  try {
    analysis = analyze(definition, definition.primaryMetric, 0, (metricIndex, id) => of(metricIndex, id), weights, { engine: definition.engine, sequential: definition.sequential });
  } catch (error) {
    if (!(error instanceof StatsInputError)) throw error;
    analysisProblem = error.message;
  }

  const guardrails = definition.guardrails.map((guardrail, i): GuardrailResult => {
    let guardrailAnalysis: ExperimentAnalysis | null = null;
    try {
      guardrailAnalysis = analyze(definition, guardrail.metric, i + 1, (metricIndex, id) => of(metricIndex, id), weights, { engine: 'frequentist', sequential: false });
    } catch (error) {
      if (!(error instanceof StatsInputError)) throw error;
    }
    return {
      name: guardrail.name,
      variants: definition.variants.slice(1).map((variant) => {
        const comparison = guardrailAnalysis?.variants.find((v) => v.name === variant.id)?.comparison;
        if (!comparison || comparison.engine !== 'frequentist') return { variantId: variant.id, relativeChange: null, pValue: null, hurt: false };
        const change = comparison.relative.estimate;
        const badWay = guardrail.direction === 'higher-is-better' ? -change : change;
        return { variantId: variant.id, relativeChange: change, pValue: comparison.pValue, hurt: badWay > guardrail.tolerance && comparison.pValue < definition.alpha };
      }),
    };
  });

  return { variants, unattributed, sampleRatio, analysis, analysisProblem, guardrails, decision: decide(definition, analysis, analysisProblem, sampleRatio, guardrails) };
}

function analyze(definition: ExperimentDefinition, metric: Metric, metricIndex: number, of: (metricIndex: number, variantId: string) => { n: number; converted: number; sum: number; sumSquares: number }, weights: Record<string, number>, engine: { engine: 'frequentist' | 'bayesian'; sequential: boolean }): ExperimentAnalysis {
  const variants = definition.variants.map((v) => {
    const t = of(metricIndex, v.id);
    if (t.n < 2) throw new StatsInputError(`variant "${v.id}" has ${t.n} exposed customer${t.n === 1 ? '' : 's'}: the analysis needs at least 2 in every variant`);
    const weight = Math.max(weights[v.id] ?? 0, Number.EPSILON);
    return metric.kind === 'conversion-rate' ? { name: v.id, n: t.n, conversions: t.converted, weight } : { name: v.id, n: t.n, sum: t.sum, sumSquares: t.sumSquares, weight };
  });
  const sequential = engine.sequential ? (definition.plannedSampleSize ? { plannedSampleSize: definition.plannedSampleSize } : true) : false;
  const parsed = experimentInputSchema.safeParse({ variants, engine: engine.engine, sequential, alpha: definition.alpha });
  if (!parsed.success) throw new StatsInputError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  return analyzeExperiment(parsed.data);
}

function decide(definition: ExperimentDefinition, analysis: ExperimentAnalysis | null, problem: string | null, sampleRatio: SampleRatioCheck, guardrails: GuardrailResult[]): Decision {
  if (sampleRatio.mismatch) return { state: 'sample-ratio-mismatch', reason: `The traffic split is off (chi-square p = ${sampleRatio.pValue.toExponential(2)} < 0.001): find the cause in assignment or logging before trusting any result.` };
  if (!analysis) return { state: 'collecting', reason: problem ?? 'No analysis yet.' };
  const winners = analysis.variants.filter((v) => {
    const c = v.comparison;
    if (!c) return false;
    if (c.engine === 'bayesian') return c.chanceToWin >= bayesianDecision.chanceToWin && c.risk.treatment < bayesianDecision.risk;
    return c.significant && c.relative.estimate > 0;
  });
  if (winners.length === 0) return { state: 'collecting', reason: definition.engine === 'bayesian' ? `No treatment has a chance to win of ${bayesianDecision.chanceToWin} with a risk under ${bayesianDecision.risk} yet.` : `No treatment beats the control significantly at alpha ${definition.alpha} yet.` };
  const winner = winners.reduce((best, v) => (v.mean > best.mean ? v : best));
  const hurt = guardrails.filter((g) => g.variants.some((v) => v.variantId === winner.name && v.hurt)).map((g) => g.name);
  if (hurt.length > 0) return { state: 'guardrail-hurt', winnerVariantId: winner.name, reason: `"${winner.name}" wins on the primary metric but hurts ${hurt.map((h) => `"${h}"`).join(', ')}.` };
  return { state: 'decided', winnerVariantId: winner.name, reason: `"${winner.name}" wins on the primary metric and no guardrail is hurt.` };
}
