import type { Journey, ModelName, ModelOptions, AttributionResult } from './models/types';
import { weekOf, type HubJourney } from './journeys';

/** The model entry point (helper A's `attribute` in models/index.ts), passed in so this side does not depend on one implementation. */
export type AttributeFn = (model: ModelName, journeys: Iterable<Journey>, options?: ModelOptions) => AttributionResult;

/**
 * The journeys of a run, held compactly. Models other than time-decay read
 * only the order of keys, so identical paths are kept once with their counts
 * added (as path files do); with time-decay every journey keeps its times.
 * Values in another currency than the reporting one are not added: the
 * conversion counts, its value is set aside and reported per currency.
 */
export class JourneyCollection {
  private readonly kept = new Map<string, HubJourney & { week: string }>();
  private readonly listed: (HubJourney & { week: string })[] = [];
  readonly setAside = new Map<string, { conversions: number; value: number }>();
  converted = 0;
  notConverted = 0;
  attributedConversions = 0;

  constructor(
    private readonly currency: string,
    private readonly keepTimes: boolean,
  ) {}

  add(journey: HubJourney): void {
    const lastAt = journey.convertedAt ?? journey.touches.at(-1)?.at ?? 0;
    const week = weekOf(lastAt);
    let value = journey.value;
    if (journey.conversions > 0) {
      this.converted += 1;
      if (journey.touches.length > 0) this.attributedConversions += 1;
      if (journey.currency && journey.currency !== this.currency) {
        const aside = this.setAside.get(journey.currency) ?? { conversions: 0, value: 0 };
        aside.conversions += journey.conversions;
        aside.value += journey.value;
        this.setAside.set(journey.currency, aside);
        value = 0;
      }
    } else this.notConverted += 1;
    if (this.keepTimes) {
      this.listed.push({ ...journey, value, week });
      return;
    }
    const path = journey.touches.map((t) => `${t.direct ? '!' : ''}${t.key}`).join('\u0001');
    const id = `${path}\u0002${journey.conversions > 0 ? 'c' : 'n'}\u0002${journey.firstConversion ? 'f' : ''}\u0002${week}`;
    const same = this.kept.get(id);
    if (same) {
      same.conversions += journey.conversions;
      same.nulls += journey.nulls;
      same.value += value;
      return;
    }
    const touches = journey.touches.map((t) => ({ key: t.key, ...(t.direct && { direct: true }) }));
    this.kept.set(id, { touches, conversions: journey.conversions, nulls: journey.nulls, value, firstConversion: journey.firstConversion ?? false, week, ...(journey.convertedAt !== undefined && { convertedAt: Date.parse(`${week}T00:00:00Z`) }) });
  }

  *journeys(filter: (j: HubJourney & { week: string }) => boolean = () => true): Generator<HubJourney & { week: string }> {
    for (const journey of this.keepTimes ? this.listed : this.kept.values()) if (filter(journey)) yield journey;
  }

  weeks(): string[] {
    return [...new Set([...this.journeys()].map((j) => j.week))].sort();
  }
}

export interface KeyRow {
  key: string;
  label: string;
  conversions: number;
  value: number;
  newCustomers: number;
  spend: number;
  /** value / spend; null without spend. */
  roas: number | null;
  /** spend / credited conversions; null without conversions. */
  cpa: number | null;
  /** spend / credited new customers; null without new customers. */
  cac: number | null;
}

/** ROAS, CPA and CAC for one key: null where the divisor is 0 rather than infinity. */
export function keyMetrics(row: { conversions: number; value: number; newCustomers: number; spend: number }): { roas: number | null; cpa: number | null; cac: number | null } {
  return {
    roas: row.spend > 0 ? row.value / row.spend : null,
    cpa: row.conversions > 0 ? row.spend / row.conversions : null,
    cac: row.newCustomers > 0 ? row.spend / row.newCustomers : null,
  };
}

/** Joins a model's credits, the credits of first conversions (new customers) and spend into one row per key. */
export function creditRows(options: { result: AttributionResult; newCustomers: AttributionResult; spend: ReadonlyMap<string, number>; label: (key: string) => string }): KeyRow[] {
  const { result, newCustomers, spend, label } = options;
  const keys = new Set([...result.credits.map((c) => c.key), ...spend.keys()]);
  const credit = new Map(result.credits.map((c) => [c.key, c]));
  const fresh = new Map(newCustomers.credits.map((c) => [c.key, c.conversions]));
  return [...keys].sort().map((key) => {
    const row = { conversions: credit.get(key)?.conversions ?? 0, value: credit.get(key)?.value ?? 0, newCustomers: fresh.get(key) ?? 0, spend: spend.get(key) ?? 0 };
    return { key, label: label(key), ...row, ...keyMetrics(row) };
  });
}

export interface ModelReport {
  model: ModelName;
  rows: KeyRow[];
  totals: { conversions: number; value: number; spend: number; newCustomers: number; roas: number | null; cpa: number | null; cac: number | null };
  detail?: Record<string, unknown>;
  weekly: { week: string; rows: KeyRow[] }[];
}

/** Runs every model over the collection (whole range, then week by week) and adds spend: the side-by-side comparison. */
export function modelReports(options: {
  attribute: AttributeFn;
  models: readonly ModelName[];
  modelOptions?: ModelOptions;
  journeys: JourneyCollection;
  spend: { key: string; week: string; amount: number }[];
  label: (key: string) => string;
  newCustomers: number;
}): ModelReport[] {
  const { attribute, models, journeys, label } = options;
  const sumSpend = (rows: { key: string; amount: number }[]) => {
    const byKey = new Map<string, number>();
    for (const row of rows) byKey.set(row.key, (byKey.get(row.key) ?? 0) + row.amount);
    return byKey;
  };
  const spendAll = sumSpend(options.spend);
  const totalSpend = options.spend.reduce((sum, s) => sum + s.amount, 0);
  const weeks = [...new Set([...journeys.weeks(), ...options.spend.map((s) => s.week)])].sort();
  return models.map((model) => {
    const result = attribute(model, journeys.journeys(), options.modelOptions);
    const fresh = attribute(model, journeys.journeys((j) => j.conversions === 0 || j.firstConversion === true), options.modelOptions);
    const rows = creditRows({ result, newCustomers: fresh, spend: spendAll, label });
    const totals = { conversions: result.totals.conversions, value: result.totals.value, spend: totalSpend, newCustomers: options.newCustomers };
    const weekly = weeks.map((week) => {
      const inWeek = (j: HubJourney & { week: string }) => j.week === week;
      return {
        week,
        rows: creditRows({
          result: attribute(model, journeys.journeys(inWeek), options.modelOptions),
          newCustomers: attribute(model, journeys.journeys((j) => inWeek(j) && (j.conversions === 0 || j.firstConversion === true)), options.modelOptions),
          spend: sumSpend(options.spend.filter((s) => s.week === week)),
          label,
        }),
      };
    });
    return { model, rows, totals: { ...totals, ...keyMetrics(totals) }, ...(result.detail && { detail: result.detail }), weekly };
  });
}
