/**
 * Attribution models: pure functions from journeys to credit per key. Same input,
 * same output. The formulas are documented beside each model:
 * rule-based.ts (first, last, last-non-direct, linear, time-decay, position),
 * markov.ts (removal effect on an absorbing chain of order 1 to 3) and shapley.ts.
 */
import { markovCredit } from './markov';
import { ruleBasedCredit } from './rule-based';
import { shapleyCredit } from './shapley';
import { CreditTally } from './tally';
import { modelNames, type AttributionResult, type Journey, type ModelName, type ModelOptions } from './types';

export * from './types';
export { defaultHalfLifeDays, defaultPosition } from './rule-based';
export { maxCoalitionKeys } from './shapley';

/**
 * Credits the conversions and value of `journeys` to their keys by `model`. Journeys
 * are read once (a generator will do). Journeys with no touches are neither credited
 * nor counted in `totals`. Throws, naming the journey (0-based) or option, on input
 * that is not a finite number ≥ 0 where one is needed.
 */
export function attribute(model: ModelName, journeys: Iterable<Journey>, options: ModelOptions = {}): AttributionResult {
  checkOptions(model, options);
  const totals = { conversions: 0, value: 0 };
  const touched = checkedJourneys(journeys, totals);
  const tally = new CreditTally();
  let detail: Record<string, unknown> | undefined;
  switch (model) {
    case 'markov':
      detail = { ...markovCredit(touched, options.order ?? 1, tally, () => totals) };
      break;
    case 'shapley':
      detail = { ...shapleyCredit(touched, tally) };
      break;
    default:
      ruleBasedCredit(model, touched, options, tally);
  }
  return { model, credits: tally.credits(), totals, ...(detail ? { detail } : {}) };
}

function* checkedJourneys(journeys: Iterable<Journey>, totals: { conversions: number; value: number }): Generator<Journey> {
  let i = 0;
  for (const journey of journeys) {
    for (const field of ['conversions', 'value', 'nulls'] as const) {
      const n = journey[field];
      if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new Error(`Journey ${i}: ${field} must be a finite number ≥ 0 (got ${String(n)}).`);
    }
    if (journey.touches.length > 0) {
      for (const touch of journey.touches) if (typeof touch.key !== 'string') throw new Error(`Journey ${i}: every touch needs a string key.`);
      totals.conversions += journey.conversions;
      totals.value += journey.value;
      yield journey;
    }
    i++;
  }
}

function checkOptions(model: ModelName, options: ModelOptions): void {
  if (!modelNames.includes(model)) throw new Error(`Unknown attribution model "${String(model)}"; use one of ${modelNames.join(', ')}.`);
  const { order, halfLifeDays, position } = options;
  if (order !== undefined && !(Number.isInteger(order) && order >= 1 && order <= 3)) throw new Error(`order must be 1, 2 or 3 (got ${String(order)}).`);
  if (halfLifeDays !== undefined && !(Number.isFinite(halfLifeDays) && halfLifeDays > 0)) throw new Error(`halfLifeDays must be a number of days > 0 (got ${String(halfLifeDays)}).`);
  if (position !== undefined) {
    for (const part of ['first', 'middle', 'last'] as const) {
      if (!(Number.isFinite(position[part]) && position[part] >= 0)) throw new Error(`position.${part} must be a number ≥ 0 (got ${String(position[part])}).`);
    }
    if (position.first + position.last <= 0) throw new Error('position.first and position.last cannot both be 0.');
  }
}
