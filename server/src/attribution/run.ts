import type { Kysely } from 'kysely';
import { campaignNames, conversionTotals, newCustomerCount, spendBetween } from '../db/attribution-store';
import type { HubSchema } from '../db/schema';
import { readJourneys, type Grouping } from './journey-source';
import type { ModelName, ModelOptions } from './models/types';
import { JourneyCollection, modelReports, type AttributeFn, type ModelReport } from './report';
import type { AttributionSettings } from './settings';
import { noCampaign } from './touchpoints';

export interface RunRequest {
  workspaceId: string;
  models: ModelName[];
  grouping: Grouping;
  from: Date;
  to: Date;
  modelOptions?: ModelOptions;
}

export interface AttributionReport {
  grouping: Grouping;
  from: string;
  to: string;
  currency: string;
  lookbackDays: number;
  models: ModelReport[];
  conversions: {
    /** Every conversion in the range in the reporting currency (or with none given), attributed or not. */
    total: number;
    value: number;
    /** Conversions with at least one touch in their lookback window. */
    attributed: number;
    /** Conversions with no touch in their lookback window, or no known customer. */
    unattributed: number;
    /** Conversions in other currencies: counted, their value kept apart rather than summed with the reporting currency. */
    otherCurrencies: { currency: string; conversions: number; value: number }[];
  };
  spend: { total: number; otherCurrencies: { currency: string; amount: number }[] };
  /** Customers whose first conversion ever falls in the range. */
  newCustomers: number;
  journeys: { converted: number; notConverted: number };
}

/** Reads the journeys (reporting progress), runs the models, and joins spend: one run's report. */
export async function runAttribution(
  db: Kysely<HubSchema>,
  request: RunRequest,
  context: { settings: AttributionSettings; attribute: AttributeFn; progress?: (done: number, total: number | null, phase: string) => Promise<void>; batchSize?: number },
): Promise<AttributionReport> {
  const { workspaceId, from, to, grouping, models } = request;
  const { settings, attribute } = context;
  const currency = settings.reportingCurrency;
  const journeys = new JourneyCollection(currency, models.includes('time-decay'));
  const onBatch = context.progress ? (customers: number, total: number | null) => context.progress!(customers, total, 'reading journeys') : undefined;
  for await (const batch of readJourneys(db, { workspaceId, from, to, grouping, settings, ...(onBatch && { onBatch }), ...(context.batchSize && { batchSize: context.batchSize }) })) for (const journey of batch) journeys.add(journey);
  await context.progress?.(journeys.converted + journeys.notConverted, journeys.converted + journeys.notConverted, `running ${models.length} model${models.length === 1 ? '' : 's'} over the journeys`);

  const days = { from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) };
  const spendRows = await spendBetween(db, workspaceId, days.from, days.to);
  const spendIn = spendRows.filter((s) => s.currency === currency);
  const spendKey = (s: { channel: string; campaign: string }) => (grouping === 'channel' ? s.channel : s.campaign || noCampaign);
  const names = grouping === 'campaign' ? await campaignNames(db, workspaceId, [...new Set([...journeys.journeys()].flatMap((j) => j.touches.map((t) => t.key)))]) : new Map<string, string>();

  const reports = modelReports({
    attribute,
    models,
    ...(request.modelOptions && { modelOptions: request.modelOptions }),
    journeys,
    spend: spendIn.map((s) => ({ key: spendKey(s), week: s.week, amount: s.amount })),
    label: (key) => names.get(key) ?? key,
    newCustomers: await newCustomerCount(db, { workspaceId, from, to, conversionEvents: settings.conversionEvents }),
  });

  const totals = await conversionTotals(db, { workspaceId, from, to, conversionEvents: settings.conversionEvents });
  const inCurrency = totals.filter((t) => t.currency === null || t.currency === currency);
  const allConversions = totals.reduce((sum, t) => sum + t.conversions, 0);
  const otherSpend = new Map<string, number>();
  for (const s of spendRows) if (s.currency !== currency) otherSpend.set(s.currency, (otherSpend.get(s.currency) ?? 0) + s.amount);
  return {
    grouping,
    from: from.toISOString(),
    to: to.toISOString(),
    currency,
    lookbackDays: settings.lookbackDays,
    models: reports,
    conversions: {
      total: allConversions,
      value: inCurrency.reduce((sum, t) => sum + t.value, 0),
      attributed: journeys.attributedConversions,
      unattributed: allConversions - journeys.attributedConversions,
      otherCurrencies: totals.filter((t) => t.currency !== null && t.currency !== currency).map((t) => ({ currency: t.currency!, conversions: t.conversions, value: t.value })),
    },
    spend: { total: spendIn.reduce((sum, s) => sum + s.amount, 0), otherCurrencies: [...otherSpend].map(([c, amount]) => ({ currency: c, amount })) },
    newCustomers: reports[0]?.totals.newCustomers ?? 0,
    journeys: { converted: journeys.converted, notConverted: journeys.notConverted },
  };
}
