import type { Kysely } from 'kysely';
import { z } from 'zod';
import { spendBetween } from '../../db/attribution-store';
import { channelRunCovering } from '../../db/budget-store';
import type { HubSchema } from '../../db/schema';
import { HubError } from '../../http/errors';
import { historyProblem, minimumWeeks, type ChannelHistory, type SpendBounds } from './advice';
import type { AdviceRequest } from './request';

const DAY_MS = 24 * 60 * 60 * 1000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The part of a stored attribution report the advice reads: per model, the value credited to each channel week by week. */
const storedReport = z.object({
  currency: z.string(),
  models: z.array(z.object({ model: z.string(), weekly: z.array(z.object({ week: z.string(), rows: z.array(z.object({ key: z.string(), value: z.number() })) })) })),
});

/** The whole UTC weeks (Monday to Sunday) inside the range: their Mondays. */
export function wholeWeeks(from: string, to: string): string[] {
  const start = Date.parse(`${from}T00:00:00Z`);
  const firstMonday = start + (((8 - new Date(start).getUTCDay()) % 7) * DAY_MS);
  const end = Date.parse(`${to}T00:00:00Z`);
  const weeks: string[] = [];
  for (let monday = firstMonday; monday + 6 * DAY_MS <= end; monday += 7 * DAY_MS) weeks.push(day(monday));
  return weeks;
}

export interface AdviceInputs {
  histories: ChannelHistory[];
  bounds: Map<string, SpendBounds>;
  weeks: string[];
  currency: string;
  attributionRunId: string;
  /** The Sunday the last week ends. */
  lastDay: string;
}

/**
 * What advice is fitted from, week by week and channel by channel: spend in
 * the currency from the imported spend, value from the newest completed
 * attribution run by channel that covers the range with the model. Refuses,
 * naming what is missing, when the data cannot carry a curve.
 */
export async function adviceInputs(db: Kysely<HubSchema>, workspaceId: string, request: AdviceRequest & { currency: string }): Promise<AdviceInputs> {
  const { currency, model } = request;
  const weeks = wholeWeeks(request.from, request.to);
  if (weeks.length < minimumWeeks) throw new HubError(400, `to: from ${request.from} to ${request.to} holds ${weeks.length} whole week${weeks.length === 1 ? '' : 's'} (Monday to Sunday, UTC); budget advice needs at least ${minimumWeeks}.`, 'range-too-short');
  const lastDay = day(Date.parse(`${weeks.at(-1)!}T00:00:00Z`) + 6 * DAY_MS);
  const range = { from: new Date(`${weeks[0]!}T00:00:00Z`), to: new Date(Date.parse(`${lastDay}T00:00:00Z`) + DAY_MS - 1) };

  const run = await channelRunCovering(db, { workspaceId, ...range, model });
  if (!run) throw new HubError(409, `No completed attribution run by channel with the ${model} model covers ${weeks[0]} to ${lastDay}: start one (POST /v1/attribution/runs with grouping "channel", models ["${model}"], from ${weeks[0]}, to ${lastDay}) and ask again once it has completed.`, 'no-attribution-run');
  const report = storedReport.safeParse(run.report);
  if (!report.success) throw new HubError(409, `Attribution run ${run.id} has no weekly report by channel to read; run attribution again.`, 'no-attribution-run');
  if (report.data.currency !== currency) throw new HubError(409, `currency: attribution run ${run.id} credits value in ${report.data.currency}, not ${currency}; ask for advice in ${report.data.currency}, or change the reporting currency and run attribution again.`, 'currency-mismatch');
  const weekly = report.data.models.find((m) => m.model === model)!.weekly;
  const valueOf = new Map(weekly.flatMap((w) => w.rows.map((row) => [`${w.week}|${row.key}`, row.value] as const)));

  const spendOf = new Map<string, number>();
  const excluded = new Set(request.exclude);
  for (const line of await spendBetween(db, workspaceId, weeks[0]!, lastDay)) {
    if (line.currency !== currency || excluded.has(line.channel)) continue;
    spendOf.set(`${line.week}|${line.channel}`, (spendOf.get(`${line.week}|${line.channel}`) ?? 0) + line.amount);
  }
  const channels = [...new Set([...spendOf].filter(([, amount]) => amount > 0).map(([key]) => key.split('|')[1]!))].sort();
  if (channels.length === 0) throw new HubError(400, `No spend in ${currency} between ${weeks[0]} and ${lastDay}${excluded.size > 0 ? ' outside the excluded channels' : ''}: import spend first (POST /v1/attribution/spend).`, 'no-spend');
  for (const channel of Object.keys(request.bounds)) {
    if (!channels.includes(channel)) throw new HubError(400, `bounds.${channel}: ${excluded.has(channel) ? 'the channel is excluded' : `no spend in ${currency} for "${channel}" between ${weeks[0]} and ${lastDay}`} (channels with spend: ${channels.join(', ')}).`, 'unknown-channel');
  }

  const histories = channels.map((channel) => ({ channel, spend: weeks.map((w) => spendOf.get(`${w}|${channel}`) ?? 0), value: weeks.map((w) => valueOf.get(`${w}|${channel}`) ?? 0) }));
  const problems = histories.map(historyProblem).filter((p): p is string => p !== null);
  if (problems.length > 0) throw new HubError(400, `Not enough spend history to fit a response curve: ${problems.join('; ')}. Import more spend, widen the range, or leave the channel out with "exclude".`, 'insufficient-history');

  const bounds = new Map(channels.map((channel) => [channel, { min: request.bounds[channel]?.min ?? 0, max: request.bounds[channel]?.max ?? request.weeklyBudget }]));
  const ceiling = [...bounds.values()].reduce((s, b) => s + b.max, 0);
  if (ceiling < request.weeklyBudget) throw new HubError(400, `bounds: the channels' maximums add up to ${ceiling}, less than the weekly budget ${request.weeklyBudget}; raise a maximum or lower the budget.`, 'bounds-infeasible');
  return { histories, bounds, weeks, currency, attributionRunId: run.id, lastDay };
}
