import type { ModelName } from '../../../../src/attribution/models/types';
import type { KeyRow, ModelReport } from '../../../../src/attribution/report';
import type { AttributionReport } from '../../../../src/attribution/run';

export type { AttributionReport, KeyRow, ModelName, ModelReport };

/** The models the Hub offers, in the order the console lists them (models/types.ts `modelNames`). */
export const modelChoices: { name: ModelName; label: string }[] = [
  { name: 'first', label: 'First touch' },
  { name: 'last', label: 'Last touch' },
  { name: 'last-non-direct', label: 'Last non-direct' },
  { name: 'linear', label: 'Linear' },
  { name: 'time-decay', label: 'Time decay' },
  { name: 'position', label: 'Position (40/20/40)' },
  { name: 'markov', label: 'Markov chain' },
  { name: 'shapley', label: 'Shapley value' },
];
export const modelLabel = (name: string) => modelChoices.find((choice) => choice.name === name)?.label ?? name;

/** GET /v1/attribution/runs: one run, without its report. */
export interface AttributionRun {
  id: string;
  models: ModelName[];
  options: Record<string, unknown>;
  grouping: 'channel' | 'campaign';
  from: string;
  to: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  jobId: string | null;
  error: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** GET /v1/attribution/runs/:id: with progress while it runs and the report once done. */
export interface AttributionRunDetail extends AttributionRun {
  progress: { done: number; total: number | null; phase: string | null; updatedAt: string } | null;
  report: AttributionReport | null;
}

export interface AttributionSettings {
  channels: string[];
  conversionEvents: { name: string; valueProperty: string; currencyProperty: string }[];
  lookbackDays: number;
  reportingCurrency: string;
}

/** GET /v1/attribution/spend. */
export interface SpendLine {
  day: string;
  week: string;
  channel: string;
  campaign: string;
  currency: string;
  amount: number;
}

export const runsKey = ['attribution-runs'] as const;
export const spendKey = ['attribution-spend'] as const;

/** The figure the charts show; the tables show them all. */
export type Metric = 'conversions' | 'value' | 'roas' | 'cpa';
export const metrics: { name: Metric; label: string }[] = [
  { name: 'conversions', label: 'Credited conversions' },
  { name: 'value', label: 'Credited value' },
  { name: 'roas', label: 'ROAS (value ÷ spend)' },
  { name: 'cpa', label: 'CPA (spend ÷ conversions)' },
];

export function formatMetric(metric: Metric | 'spend', value: number | null, currency: string): string {
  if (value === null) return '—';
  if (metric === 'conversions') return value.toLocaleString(undefined, { maximumFractionDigits: 2 });
  if (metric === 'roas') return `${value.toLocaleString(undefined, { maximumFractionDigits: 2 })}×`;
  return value.toLocaleString(undefined, { style: 'currency', currency, maximumFractionDigits: 2 });
}

/** A day (YYYY-MM-DD) some days before today, in UTC as the Hub counts days. */
export function dayBefore(days: number, from = new Date()): string {
  return new Date(from.getTime() - days * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
}

/** GET /v1/attribution/settings, in full (PUT takes the same fields, each optional; channelGrouping null for the defaults). */
export interface AttributionSettingsDetail extends AttributionSettings {
  channelGrouping: ChannelGrouping;
  defaultGrouping: boolean;
}
export interface ChannelGrouping {
  rules: { channel: string; when: Record<string, unknown> }[];
  referralChannel: string;
  directChannel: string;
  otherChannel: string;
}
export const settingsKey = ['attribution-settings'] as const;

/** GET /v1/attribution/holdouts. */
export interface Holdout {
  id: string;
  name: string;
  campaignId: string;
  segmentId: string;
  share: number;
  createdAt: string;
}
export const holdoutsKey = ['attribution-holdouts'] as const;

/** GET /v1/attribution/links. */
export interface TrackingLink {
  id: string;
  campaignId: string;
  channel: string;
  destinationUrl: string;
  url: string;
  createdAt: string;
  revokedAt: string | null;
}
export const linksKey = ['attribution-links'] as const;
