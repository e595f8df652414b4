import type { ExperimentDefinition } from '../../../../src/experiments/definition';
import type { ExperimentResults } from '../../../../src/experiments/results';

export type { ExperimentDefinition, ExperimentResults };

export type ExperimentStatus = 'draft' | 'running' | 'stopped' | 'decided';

/** GET /v1/experiments/:id (and each of the list). */
export interface Experiment {
  id: string;
  campaignId: string;
  name: string;
  status: ExperimentStatus;
  definition: ExperimentDefinition;
  weights: Record<string, number>;
  winnerVariantId: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

/** GET /v1/experiments/:id/results. */
export interface ResultsAnswer {
  experimentId: string;
  status: ExperimentStatus;
  computedAt: string;
  results: ExperimentResults;
}

/** GET /v1/experiments/:id/weights. */
export interface WeightsAnswer {
  history: { weights: Record<string, number>; reason: string; details: unknown; recordedAt: string }[];
}

export const experimentsKey = ['experiments'] as const;
export const experimentKey = (id: string) => ['experiment', id] as const;

/** How often a running experiment's results are read again. */
export const liveRefreshMs = 5000;

export const decisionLabel: Record<ExperimentResults['decision']['state'], string> = {
  collecting: 'Collecting',
  'sample-ratio-mismatch': 'Sample ratio mismatch',
  'guardrail-hurt': 'Winner hurts a guardrail',
  decided: 'Decided',
};

/** A share as a percentage; the no-break space keeps the number and its sign on one line in a narrow table. */
export const percent = (value: number | null | undefined, digits = 1) => (value === null || value === undefined || !Number.isFinite(value) ? '—' : `${(value * 100).toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits })}\u00a0%`);
export const signedPercent = (value: number | null | undefined) => (value === null || value === undefined || !Number.isFinite(value) ? '—' : `${value > 0 ? '+' : ''}${percent(value)}`);
export const decimal = (value: number | null | undefined, digits = 2) => (value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toLocaleString(undefined, { maximumFractionDigits: digits }));
export const pValueText = (value: number | null | undefined) => (value === null || value === undefined || !Number.isFinite(value) ? '—' : value < 0.0001 ? '<\u00a00.0001' : value.toFixed(4));
/** "p = 0.0123", or "p < 0.0001". */
export const pEquals = (value: number | null | undefined) => {
  const text = pValueText(value);
  return text.startsWith('<') ? `p ${text}` : `p = ${text}`;
};

/**
 * The Hub names what it refused field by field ("Invalid body: definition.variants.1.id: …; name: …",
 * or "campaignId: no campaign …"): the messages by dotted path, for the form to show beside each field.
 */
export function fieldProblems(message: string): { byPath: Map<string, string[]>; other: string[] } {
  const byPath = new Map<string, string[]>();
  const other: string[] = [];
  const text = message.replace(/^Invalid body: /, '').replace(/ \(request [^)]*\)$/, '');
  for (const part of text.split('; ')) {
    const match = /^((?:body\.)?[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*): (.+)$/s.exec(part.trim());
    if (match) {
      const path = match[1]!.replace(/^body\./, '');
      byPath.set(path, [...(byPath.get(path) ?? []), match[2]!]);
    } else if (part.trim()) other.push(part.trim());
  }
  return { byPath, other };
}
