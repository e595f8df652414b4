import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { StatsInputError } from '../stats/moments';

/**
 * A channel's response to spend, as media-mix models describe it:
 *
 * Geometric adstock carries part of each period's spend into the next ones
 * (ads are remembered): a_t = x_t + λ·a_{t−1}, 0 ≤ λ < 1. At a steady spend x
 * per period it settles at a = x/(1 − λ).
 *
 * Hill saturation turns adstocked spend into return with diminishing (and, for
 * s > 1, first increasing) returns:
 *   R(a) = β·aˢ/(aˢ + Kˢ)
 * β the most the channel can return per period, K the adstocked spend that
 * earns half of it, s the shape.
 *
 * The fit: for each λ on a grid (0, 0.05, …, 0.9), Hill's β, K, s by
 * Levenberg–Marquardt least squares (ml-levenberg-marquardt) on the adstocked
 * spend; the λ with the smallest squared error wins.
 */

export interface HillCurve {
  maxResponse: number;
  halfSaturation: number;
  shape: number;
}

export interface ChannelResponse {
  decay: number;
  hill: HillCurve;
  /** Share of the return's variance over the periods that the fitted curve explains. */
  rSquared: number;
}

/** a_t = x_t + λ·a_{t−1}, starting from nothing carried over. */
export function geometricAdstock(spend: readonly number[], decay: number): number[] {
  const adstock: number[] = [];
  let carried = 0;
  for (const x of spend) {
    carried = x + decay * carried;
    adstock.push(carried);
  }
  return adstock;
}

/** R(a) = β·aˢ/(aˢ + Kˢ), written as β/(1 + (K/a)ˢ) so large a and s do not overflow. */
export function hill(adstock: number, curve: HillCurve): number {
  if (adstock <= 0) return 0;
  return curve.maxResponse / (1 + (curve.halfSaturation / adstock) ** curve.shape);
}

/** The return per period of a steady spend per period: R(x/(1 − λ)). */
export function steadyReturn(spendPerPeriod: number, response: Pick<ChannelResponse, 'decay' | 'hill'>): number {
  return hill(spendPerPeriod / (1 - response.decay), response.hill);
}

export const decayGrid = Array.from({ length: 19 }, (_, i) => i * 0.05);

/** Fits adstock and Hill curve to one channel's history: spend and the return attributed to it, period by period. */
export function fitChannelResponse(history: { spend: readonly number[]; response: readonly number[] }, name: string, decays: readonly number[] = decayGrid): ChannelResponse {
  const { spend, response } = history;
  if (spend.length !== response.length) throw new StatsInputError(`channel "${name}": ${spend.length} spend periods but ${response.length} response periods`);
  if (spend.length < 4) throw new StatsInputError(`channel "${name}": a response curve needs at least 4 periods, got ${spend.length}`);
  if (!spend.some((x) => x > 0)) throw new StatsInputError(`channel "${name}" never spent: there is no curve to fit`);
  const meanResponse = response.reduce((s, y) => s + y, 0) / response.length;
  const totalSquares = response.reduce((s, y) => s + (y - meanResponse) ** 2, 0);
  let best: (ChannelResponse & { error: number }) | null = null;
  for (const decay of decays) {
    const adstock = geometricAdstock(spend, decay);
    const hillCurve = fitHill(adstock, response);
    const error = adstock.reduce((s, a, t) => s + (response[t]! - hill(a, hillCurve)) ** 2, 0);
    if (!best || error < best.error) best = { decay, hill: hillCurve, rSquared: totalSquares > 0 ? 1 - error / totalSquares : 0, error };
  }
  const { error: _error, ...fitted } = best!;
  return fitted;
}

/** β, K, s by Levenberg–Marquardt, on spend and return scaled to about 1 so one damping suits every channel. */
function fitHill(adstock: readonly number[], response: readonly number[]): HillCurve {
  const spendScale = Math.max(...adstock);
  const responseScale = Math.max(...response.map(Math.abs), Number.MIN_VALUE);
  const x = adstock.map((a) => a / spendScale);
  const y = response.map((r) => r / responseScale);
  const sorted = [...x].sort((a, b) => a - b);
  const fit = levenbergMarquardt({ x, y }, ([beta, k, s]) => (a) => (a <= 0 ? 0 : beta! / (1 + (k! / a) ** s!)), {
    initialValues: [1.5, sorted[Math.floor(sorted.length / 2)]! || 0.5, 1],
    minValues: [0, 1e-6, 0.3],
    maxValues: [100, 100, 6],
    damping: 1e-2,
    // ∂f/∂β = 1/(1 + u), ∂f/∂K = −β·s·u/(K·(1 + u)²), ∂f/∂s = −β·u·ln(K/a)/(1 + u)², with u = (K/a)ˢ.
    jacobianFunction:
      ([beta, k, s]) =>
      (a) => {
        if (a <= 0) return [0, 0, 0];
        const u = (k! / a) ** s!;
        const slope = -beta! / (1 + u) ** 2;
        return [1 / (1 + u), (slope * s! * u) / k!, slope * u * Math.log(k! / a)];
      },
    maxIterations: 500,
    errorTolerance: 1e-12,
  });
  const [beta, k, s] = fit.parameterValues as [number, number, number];
  return { maxResponse: beta * responseScale, halfSaturation: k * spendScale, shape: s };
}
