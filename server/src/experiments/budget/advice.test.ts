import { describe, expect, it } from 'vitest';
import { budgetScenario } from '../../../test/budget-history';
import { simulateChannel } from '../../../test/channel-history';
import { adviseBudget, explanationStep, historyProblem } from './advice';
import { channelLabel, explainAdvice } from './explanation';
import { wholeWeeks } from './service';

describe('budget advice from history', () => {
  it('says which channel cannot carry a curve, and why', () => {
    const weeks = (spend: number[]) => ({ channel: 'tv', spend, value: spend.map(() => 1) });
    expect(historyProblem(weeks([1, 2, 3]))).toBe('tv: 3 whole weeks of history; a response curve needs at least 8');
    expect(historyProblem(weeks([0, 0, 0, 5, 0, 6, 0, 7, 0]))).toBe('tv: spent in only 3 of 9 weeks; a response curve needs spend in at least 6');
    expect(historyProblem(weeks([100, 100, 100, 100, 101, 100, 100, 100]))).toMatch(/^tv: spent about the same every week/);
    expect(historyProblem(weeks([100, 150, 80, 120, 90, 200, 60, 110]))).toBeNull();
  });

  it('counts only whole UTC weeks, Monday to Sunday', () => {
    expect(wholeWeeks('2026-01-05', '2026-01-18')).toEqual(['2026-01-05', '2026-01-12']);
    expect(wholeWeeks('2026-01-06', '2026-01-25')).toEqual(['2026-01-12', '2026-01-19']);
    expect(wholeWeeks('2026-01-05', '2026-01-10')).toEqual([]);
  });

  it('explains in round steps and readable channel names', () => {
    expect([explanationStep(13_000), explanationStep(40_000), explanationStep(150)]).toEqual([500, 2000, 10]);
    expect(channelLabel('paid-social')).toBe('Paid social');
  });

  it('holds channels pinned by their bounds there, and says when the split is already the best', () => {
    // Both channels held by their bounds: nothing can move.
    const [search, social] = budgetScenario.channels.map(({ channel, truth, spendLevel }, i) => ({ channel, ...simulateChannel(truth, { weeks: 20, spendLevel, noise: 10, seed: i + 1 }) })).map((h) => ({ channel: h.channel, spend: h.spend, value: h.response }));
    const advice = adviseBudget({ histories: [search!, social!], weeklyBudget: 10_000, bounds: new Map([['paid-search', { min: 6000, max: 6000 }], ['paid-social', { min: 4000, max: 4000 }]]) });
    expect(advice.channels.map((c) => c.proposed)).toEqual([6000, 4000]);
    expect(advice.channels[0]!.explanation).toMatch(/Raise it to 6,000 a week \(its maximum\)/);
    expect(advice.channels[1]!.explanation).toMatch(/Lower it to 4,000 a week \(its maximum\)/);
    const kept = explainAdvice({ channels: advice.channels.map((c) => ({ ...c, current: c.proposed })), weeklyBudget: 10_000, currentReturn: advice.expectedReturn, expectedReturn: advice.expectedReturn, weeks: 20 });
    expect(kept.text).toMatch(/^The current split of 10,000 a week is already about the best the fitted curves allow within the bounds/);
  });
});
