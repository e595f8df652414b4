import { reallocateBudget } from './allocation';
import { explainAdvice, explainChannel } from './explanation';
import { fitChannelResponse, hill, steadyReturn, type ChannelResponse } from './response-curve';

/**
 * Budget advice from history: fit each channel's response curve to its weekly
 * spend and attributed value, then reallocate a fixed weekly budget within
 * each channel's bounds (see allocation.ts), and say why in plain words.
 */

/** One channel's weekly spend and the value attribution credited to it, week by week (same weeks, oldest first). */
export interface ChannelHistory {
  channel: string;
  spend: number[];
  value: number[];
}

export interface SpendBounds {
  min: number;
  max: number;
}

/** How many whole weeks the fit needs, and how many of them with spend. */
export const minimumWeeks = 8;
export const minimumWeeksWithSpend = 6;
/** The current split is how the channels shared spend over these last weeks. */
export const recentWeeks = 4;

/** Why a channel's history cannot carry a curve, in words the person can act on; null when it can. */
export function historyProblem(history: ChannelHistory): string | null {
  const weeksWithSpend = history.spend.filter((x) => x > 0).length;
  if (history.spend.length < minimumWeeks) return `${history.channel}: ${history.spend.length} whole weeks of history; a response curve needs at least ${minimumWeeks}`;
  if (weeksWithSpend < minimumWeeksWithSpend) return `${history.channel}: spent in only ${weeksWithSpend} of ${history.spend.length} weeks; a response curve needs spend in at least ${minimumWeeksWithSpend}`;
  const spent = history.spend.filter((x) => x > 0);
  const mean = spent.reduce((s, x) => s + x, 0) / spent.length;
  const spread = Math.sqrt(spent.reduce((s, x) => s + (x - mean) ** 2, 0) / spent.length) / mean;
  if (spread < 0.05) return `${history.channel}: spent about the same every week, so the history cannot show how its return changes with spend (vary its spend for a few weeks, or leave it out)`;
  return null;
}

export interface FittedCurve {
  decay: number;
  maxResponse: number;
  halfSaturation: number;
  shape: number;
  rSquared: number;
}

export interface ChannelAdvice {
  channel: string;
  /** Spend per week now: the budget split as the last weeks split spend. */
  current: number;
  /** What the channel actually spent per week over those weeks. */
  recentSpend: number;
  proposed: number;
  min: number;
  max: number;
  currentReturn: number;
  expectedReturn: number;
  /** Value per unit spent over the whole history (attributed value / spend). */
  historicalRoas: number | null;
  /** The most it ever spent in a week: past it, the curve is extrapolated. */
  highestWeeklySpend: number;
  /** Share of the curve's ceiling earned at the current and the proposed spend. */
  saturationNow: number;
  saturationProposed: number;
  curve: FittedCurve;
  explanation: string;
}

export interface BudgetAdviceDocument {
  weeklyBudget: number;
  weeks: number;
  channels: ChannelAdvice[];
  currentReturn: number;
  expectedReturn: number;
  explanation: string;
  warnings: string[];
}

/** A step of about a twentieth of the budget, rounded to 1, 2 or 5 times a power of ten: the "last 1,000" of the explanation. */
export function explanationStep(budget: number): number {
  const rough = Math.max(budget / 20, 1e-9);
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough * 0.7) ?? 10 * power;
}

function fit(history: ChannelHistory): ChannelResponse {
  // A channel that never returned anything attributed has a flat curve: nothing to fit.
  if (!history.value.some((v) => v > 0)) {
    const spent = history.spend.filter((x) => x > 0);
    return { decay: 0, hill: { maxResponse: 0, halfSaturation: spent.reduce((s, x) => s + x, 0) / spent.length, shape: 1 }, rSquared: 0 };
  }
  return fitChannelResponse({ spend: history.spend, response: history.value }, history.channel);
}

export function adviseBudget(options: { histories: readonly ChannelHistory[]; weeklyBudget: number; bounds: ReadonlyMap<string, SpendBounds> }): BudgetAdviceDocument {
  const { histories, weeklyBudget: budget, bounds } = options;
  const fitted = histories.map((h) => ({ history: h, response: fit(h) }));
  const recent = histories.map((h) => h.spend.slice(-recentWeeks).reduce((s, x) => s + x, 0) / Math.min(recentWeeks, h.spend.length));
  const recentTotal = recent.reduce((s, x) => s + x, 0);
  const allocation = reallocateBudget(
    fitted.map(({ history, response }, i) => ({
      name: history.channel,
      current: recentTotal > 0 ? (budget * recent[i]!) / recentTotal : budget / histories.length,
      min: bounds.get(history.channel)?.min ?? 0,
      max: bounds.get(history.channel)?.max ?? budget,
      returnAt: (x: number) => steadyReturn(x, response),
    })),
    budget,
  );
  const step = explanationStep(budget);
  const channels = allocation.channels.map((row, i): ChannelAdvice => {
    const { history, response } = fitted[i]!;
    const spent = history.spend.reduce((s, x) => s + x, 0);
    const returnAt = (x: number) => steadyReturn(Math.max(0, x), response);
    const saturation = (x: number) => (response.hill.maxResponse > 0 ? hill(x / (1 - response.decay), response.hill) / response.hill.maxResponse : 0);
    const channel = {
      channel: row.name,
      current: row.current,
      recentSpend: recent[i]!,
      proposed: row.proposed,
      min: bounds.get(row.name)?.min ?? 0,
      max: bounds.get(row.name)?.max ?? budget,
      currentReturn: row.currentReturn,
      expectedReturn: row.expectedReturn,
      historicalRoas: spent > 0 ? history.value.reduce((s, v) => s + v, 0) / spent : null,
      highestWeeklySpend: Math.max(...history.spend),
      saturationNow: saturation(row.current),
      saturationProposed: saturation(row.proposed),
      curve: { decay: response.decay, ...response.hill, rSquared: response.rSquared },
    };
    const explanation = explainChannel({
      ...channel,
      step,
      // Per unit of the last `step` spent at the current level, and of the next `step` past the proposed one.
      lastStepReturn: (returnAt(row.current) - returnAt(row.current - step)) / Math.min(step, Math.max(row.current, 1e-9)),
      nextStepReturn: (returnAt(row.proposed + step) - returnAt(row.proposed)) / step,
    });
    return { ...channel, explanation };
  });
  const { text, warnings } = explainAdvice({ channels, weeklyBudget: budget, currentReturn: allocation.currentReturn, expectedReturn: allocation.expectedReturn, weeks: histories[0]?.spend.length ?? 0 });
  return { weeklyBudget: budget, weeks: histories[0]?.spend.length ?? 0, channels, currentReturn: allocation.currentReturn, expectedReturn: allocation.expectedReturn, explanation: text, warnings };
}
