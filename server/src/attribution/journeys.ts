import type { Journey, Touch } from './models/types';

/**
 * Journeys: one customer's touches and conversions, cut into one journey per
 * conversion and one for what did not (yet) convert.
 *
 * The rules (documented in docs/attribution.md):
 * - Lookback: a touch counts for a conversion when it happened at most
 *   `lookbackDays` × 24 h before it (a touch exactly 30 days before is in,
 *   a millisecond more is out) and not after it (a touch at the very same
 *   instant is in).
 * - Cut-off: a touch belongs to the first conversion at or after it; touches
 *   at or before a conversion never count for the next one. So each touch is
 *   credited at most once, to one conversion.
 * - The touches after a customer's last conversion, inside the reported
 *   range, form one journey that did not convert (nulls: 1).
 * - Only conversions inside the reported range are reported; earlier ones
 *   (inside the lookback before it) still cut off the touches they claim.
 */

export interface StitchTouch {
  at: number;
  channel: string;
  campaign: string;
}

export interface StitchConversion {
  at: number;
  value: number;
  currency: string;
  /** The customer's first conversion ever (for CAC). */
  first: boolean;
}

/** A journey from the Hub, with what reports need beside the model's fields. */
export interface HubJourney extends Journey {
  /** Set on converted journeys. */
  currency?: string;
  firstConversion?: boolean;
}

export interface StitchOptions {
  from: number;
  to: number;
  lookbackDays: number;
  keyOf: (touch: StitchTouch) => string;
  directChannel: string;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Cuts one customer's history (any order) into journeys, by the rules above. */
export function stitchCustomer(touches: readonly StitchTouch[], conversions: readonly StitchConversion[], options: StitchOptions): HubJourney[] {
  const lookbackMs = options.lookbackDays * DAY_MS;
  const ordered = [...touches].sort((a, b) => a.at - b.at);
  const converted = [...conversions].sort((a, b) => a.at - b.at);
  const toTouch = (t: StitchTouch): Touch => ({ key: options.keyOf(t), at: t.at, ...(t.channel === options.directChannel && { direct: true }) });
  const journeys: HubJourney[] = [];
  let next = 0;
  for (const conversion of converted) {
    const claimed: StitchTouch[] = [];
    // Touches up to and including the conversion's instant belong to it (or, too old, to no one).
    while (next < ordered.length && ordered[next]!.at <= conversion.at) {
      const touch = ordered[next++]!;
      if (conversion.at - touch.at <= lookbackMs) claimed.push(touch);
    }
    if (conversion.at < options.from || conversion.at > options.to) continue;
    journeys.push({ touches: claimed.map(toTouch), conversions: 1, value: conversion.value, nulls: 0, convertedAt: conversion.at, currency: conversion.currency, firstConversion: conversion.first });
  }
  const rest = ordered.slice(next).filter((t) => t.at >= options.from && t.at <= options.to);
  if (rest.length > 0) journeys.push({ touches: rest.map(toTouch), conversions: 0, value: 0, nulls: 1 });
  return journeys;
}

/** Monday 00:00 UTC of the week `at` falls in, as YYYY-MM-DD: weeks are UTC, whatever the workspace's time zone. */
export function weekOf(at: number): string {
  const day = new Date(at);
  const midnight = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(midnight - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}
