import normal from '@stdlib/random-base-normal';
import { geometricAdstock, hill, type ChannelResponse } from '../src/experiments/budget/response-curve';

/** A channel's weekly history from a known curve: spend varying around a level, return = curve + noise (seeded). */
export function simulateChannel(truth: Pick<ChannelResponse, 'decay' | 'hill'>, options: { weeks: number; spendLevel: number; noise: number; seed: number }) {
  const draw = normal.factory(0, 1, { seed: options.seed });
  const spend = Array.from({ length: options.weeks }, () => options.spendLevel * Math.max(0.05, 1 + 0.6 * draw()));
  const response = geometricAdstock(spend, truth.decay).map((a) => hill(a, truth.hill) + options.noise * draw());
  return { spend, response };
}
