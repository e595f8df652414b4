import { describe, expect, it } from 'vitest';
import type { VariantTotals } from '../db/experiment-store';
import { experimentDefinitionSchema } from './definition';
import { experimentResults } from './results';

const variants = [
  { id: 'control', name: 'Control', ref: { recordType: 'render', recordId: 'r1' } },
  { id: 'bold', name: 'Bold', ref: { recordType: 'render', recordId: 'r2' } },
];
const weights = { control: 0.5, bold: 0.5 };
/** Conversion totals: [n, converted] per variant for each metric, in metric order. */
function totals(perMetric: [number, number][][]): VariantTotals[] {
  return perMetric.flatMap((metric, metricIndex) => metric.map(([n, converted], i) => ({ experimentId: 'e', metricIndex, variantId: variants[i]!.id, n, converted, sum: converted, sumSquares: converted })));
}
const refunds = { name: 'Refunds', metric: { kind: 'conversion-rate', event: 'Order Refunded' }, direction: 'lower-is-better', tolerance: 0.05 } as const;

describe('experiment results', () => {
  it('decides a significant winner when no guardrail is hurt', () => {
    const definition = experimentDefinitionSchema.parse({ variants, primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' }, guardrails: [refunds] });
    const results = experimentResults({ definition, weights, totals: totals([[[5000, 250], [5000, 350]], [[5000, 50], [5000, 52]]]) });
    expect(results.sampleRatio.mismatch).toBe(false);
    expect(results.guardrails[0]!.variants[0]).toMatchObject({ variantId: 'bold', hurt: false });
    expect(results.decision).toMatchObject({ state: 'decided', winnerVariantId: 'bold' });
  });

  it('holds back a winner that hurts a guardrail beyond its tolerance', () => {
    const definition = experimentDefinitionSchema.parse({ variants, primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' }, guardrails: [refunds] });
    const results = experimentResults({ definition, weights, totals: totals([[[5000, 250], [5000, 350]], [[5000, 50], [5000, 110]]]) });
    expect(results.guardrails[0]!.variants[0]!.hurt).toBe(true);
    expect(results.decision).toMatchObject({ state: 'guardrail-hurt', winnerVariantId: 'bold' });
  });

  it('decides by chance to win and risk with the bayesian engine', () => {
    const definition = experimentDefinitionSchema.parse({ variants, primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' }, engine: 'bayesian' });
    expect(experimentResults({ definition, weights, totals: totals([[[5000, 250], [5000, 350]]]) }).decision.state).toBe('decided');
    // A small lift: likely better, but not 95 % likely.
    expect(experimentResults({ definition, weights, totals: totals([[[5000, 250], [5000, 262]]]) }).decision.state).toBe('collecting');
  });

  it('reports the sample-ratio check even before there is an analysis', () => {
    const definition = experimentDefinitionSchema.parse({ variants, primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' } });
    const results = experimentResults({ definition, weights, totals: totals([[[1, 0], [0, 0]]]) });
    expect(results.analysis).toBeNull();
    expect(results.analysisProblem).toMatch(/variant "control" has 1 exposed customer/);
    expect(results.sampleRatio.degreesOfFreedom).toBe(1);
    expect(results.decision.state).toBe('collecting');
  });
});
