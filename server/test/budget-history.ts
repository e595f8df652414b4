import { simulateChannel } from './channel-history';
import type { ChannelResponse } from '../src/experiments/budget/response-curve';

/**
 * Thirty weeks of a shop's marketing with a known answer: three channels whose
 * weekly return follows known adstock and Hill curves (paid social spent well
 * past saturation, email starved), written as what the Hub ingests: spend
 * lines, and per channel and week one customer who arrives through the
 * channel and buys for that week's return. Last-touch attribution then
 * credits each channel exactly its curve's return.
 */
export const budgetScenario = {
  firstMonday: '2026-01-05',
  lastSunday: '2026-08-02',
  weeks: 30,
  currency: 'EUR',
  weeklyBudget: 13_000,
  bounds: { 'paid-social': { min: 1000, max: 8000 }, email: { min: 0, max: 6000 } } as Record<string, { min: number; max?: number }>,
  channels: [
    { channel: 'paid-search', landing: 'https://shop.example/?gclid=g', truth: { decay: 0.3, hill: { maxResponse: 30_000, halfSaturation: 9000, shape: 1.3 } }, spendLevel: 5000 },
    { channel: 'paid-social', landing: 'https://shop.example/?fbclid=f', truth: { decay: 0.1, hill: { maxResponse: 9000, halfSaturation: 2000, shape: 1 } }, spendLevel: 6000 },
    { channel: 'email', landing: 'https://shop.example/?utm_source=newsletter&utm_medium=email', truth: { decay: 0.5, hill: { maxResponse: 20_000, halfSaturation: 5000, shape: 1.5 } }, spendLevel: 2000 },
  ] satisfies { channel: string; landing: string; truth: Pick<ChannelResponse, 'decay' | 'hill'>; spendLevel: number }[],
};

const DAY_MS = 24 * 60 * 60 * 1000;
const dayAfter = (monday: string, days: number) => new Date(Date.parse(`${monday}T00:00:00Z`) + days * DAY_MS);
const cents = (x: number) => Math.round(x * 100) / 100;

export function simulatedBudgetHistory() {
  const spendLines: { date: string; channel: string; amount: number; currency: string }[] = [];
  const messages: Record<string, unknown>[] = [];
  budgetScenario.channels.forEach(({ channel, landing, truth, spendLevel }, c) => {
    const { spend, response } = simulateChannel(truth, { weeks: budgetScenario.weeks, spendLevel, noise: 150, seed: 11 + c });
    spend.forEach((amount, week) => {
      const monday = dayAfter(budgetScenario.firstMonday, 7 * week);
      spendLines.push({ date: monday.toISOString().slice(0, 10), channel, amount: cents(amount), currency: budgetScenario.currency });
      const revenue = cents(response[week]!);
      if (revenue <= 0) return;
      const userId = `${channel}-week-${week}`;
      const visit = new Date(monday.getTime() + DAY_MS + 10 * 3600_000).toISOString();
      const bought = new Date(monday.getTime() + 2 * DAY_MS + 10 * 3600_000).toISOString();
      messages.push({ type: 'page', messageId: `${userId}-visit`, userId, timestamp: visit, context: { page: { url: landing, referrer: '' } } });
      messages.push({ type: 'track', messageId: `${userId}-order`, userId, event: 'Order Completed', timestamp: bought, properties: { revenue, currency: budgetScenario.currency } });
    });
  });
  return { spendLines, messages };
}
