/**
 * The plain-language side of budget advice: why each channel gets what it
 * gets, read off its fitted curve, and what the move as a whole should earn.
 */

const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const perUnit = new Intl.NumberFormat('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 0 });

/** "paid-social" → "Paid social". */
export function channelLabel(channel: string): string {
  const words = channel.replace(/[-_]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** At or past this share of its ceiling a channel is "near saturation". */
const nearSaturation = 0.75;
/** A fit explaining less than this share of the weekly variation is called out. */
const weakFit = 0.5;
/** Proposing more than this times the most a channel ever spent in a week is extrapolating. */
const pastHistory = 1.2;

export interface ChannelFacts {
  channel: string;
  current: number;
  proposed: number;
  min: number;
  max: number;
  saturationNow: number;
  highestWeeklySpend: number;
  curve: { rSquared: number };
  step: number;
  lastStepReturn: number;
  nextStepReturn: number;
}

export function explainChannel(facts: ChannelFacts): string {
  const name = channelLabel(facts.channel);
  const change = facts.proposed - facts.current;
  const state =
    facts.saturationNow >= nearSaturation
      ? `${name} is near saturation: at ${whole.format(facts.current)} a week it earns ${percent.format(facts.saturationNow)} of the most it can, and the last ${whole.format(facts.step)} spent return ${perUnit.format(facts.lastStepReturn)} per unit.`
      : `${name} has room to grow: at ${whole.format(facts.current)} a week it earns ${percent.format(facts.saturationNow)} of the most it can, and the last ${whole.format(facts.step)} spent return ${perUnit.format(facts.lastStepReturn)} per unit.`;
  const tolerance = Math.max(1, facts.current * 0.01);
  const bound = Math.abs(facts.proposed - facts.max) < 1e-6 * Math.max(1, facts.max) ? ' (its maximum)' : Math.abs(facts.proposed - facts.min) < 1e-6 * Math.max(1, facts.min) ? ' (its minimum)' : '';
  const move =
    Math.abs(change) < tolerance
      ? `Keep it at about ${whole.format(facts.proposed)} a week${bound}.`
      : change > 0
        ? `Raise it to ${whole.format(facts.proposed)} a week${bound} (+${whole.format(change)}); past that the next ${whole.format(facts.step)} would return ${perUnit.format(facts.nextStepReturn)} per unit.`
        : `Lower it to ${whole.format(facts.proposed)} a week${bound} (−${whole.format(-change)}); the money earns more elsewhere.`;
  const cautions = [
    facts.curve.rSquared < weakFit && `Its curve explains only ${percent.format(Math.max(0, facts.curve.rSquared))} of its weekly variation: treat this with care.`,
    facts.proposed > facts.highestWeeklySpend * pastHistory && `It never spent more than ${whole.format(facts.highestWeeklySpend)} in a week, so the return past that is extrapolated.`,
  ].filter((c): c is string => typeof c === 'string');
  return [state, move, ...cautions].join(' ');
}

export function explainAdvice(options: { channels: readonly Pick<ChannelFacts, 'channel' | 'current' | 'proposed' | 'highestWeeklySpend' | 'curve'>[]; weeklyBudget: number; currentReturn: number; expectedReturn: number; weeks: number }): { text: string; warnings: string[] } {
  const { channels, currentReturn, expectedReturn } = options;
  const gain = expectedReturn - currentReturn;
  const moved = channels.reduce((s, c) => s + Math.max(0, c.proposed - c.current), 0);
  const givers = channels.filter((c) => c.proposed < c.current - Math.max(1, c.current * 0.01)).map((c) => channelLabel(c.channel));
  const takers = channels.filter((c) => c.proposed > c.current + Math.max(1, c.current * 0.01)).map((c) => channelLabel(c.channel));
  const relative = currentReturn > 0 ? `, ${gain >= 0 ? '+' : ''}${percent.format(gain / currentReturn)}` : '';
  const text =
    givers.length === 0 || takers.length === 0
      ? `The current split of ${whole.format(options.weeklyBudget)} a week is already about the best the fitted curves allow within the bounds: it should return about ${whole.format(expectedReturn)} a week.`
      : `Moving about ${whole.format(moved)} a week from ${list(givers)} to ${list(takers)} should return about ${whole.format(expectedReturn)} a week instead of ${whole.format(currentReturn)} (${gain >= 0 ? '+' : ''}${whole.format(gain)}${relative}), by curves fitted to ${options.weeks} weeks of spend and attributed value. The current split is how spend was shared over the last weeks, scaled to the budget.`;
  const warnings = channels.flatMap((c) => [
    ...(c.curve.rSquared < weakFit ? [`${channelLabel(c.channel)}: the fitted curve explains only ${percent.format(Math.max(0, c.curve.rSquared))} of its weekly variation.`] : []),
    ...(c.proposed > c.highestWeeklySpend * pastHistory ? [`${channelLabel(c.channel)}: the proposal (${whole.format(c.proposed)} a week) is past the most it ever spent in a week (${whole.format(c.highestWeeklySpend)}); its return there is extrapolated.`] : []),
  ]);
  return { text, warnings };
}

function list(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
