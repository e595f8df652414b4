/** The model names used everywhere (API, CLI, reports). */
export const modelNames = ['first', 'last', 'last-non-direct', 'linear', 'time-decay', 'position', 'markov', 'shapley'] as const;
export type ModelName = (typeof modelNames)[number];

/** One touch on a journey. `key` is what gets credit: a channel, or a campaign key when reporting by campaign. */
export interface Touch {
  key: string;
  /** True when this touch is the "direct" channel (for last-non-direct). */
  direct?: boolean;
  /** When it happened, ms since the epoch (needed by time-decay; journeys from path files have none). */
  at?: number;
}

/**
 * A path and what followed it: `conversions` journeys converted (with total `value`) and `nulls` did not.
 * Data from the Hub gives one journey per conversion (conversions 1, its value, nulls 0, convertedAt set) and one per
 * customer that did not convert (conversions 0, nulls 1); path files give aggregated rows.
 */
export interface Journey {
  touches: Touch[]; // chronological
  conversions: number;
  value: number;
  nulls: number;
  /** When the conversion happened, ms since the epoch (time-decay measures days back from it). */
  convertedAt?: number;
}

export interface ModelOptions {
  /** Markov chain order, 1 to 3 (default 1). */
  order?: number;
  /** Time-decay half-life in days (default 7). */
  halfLifeDays?: number;
  /** Position-based weights for first / middle / last (default 0.4 / 0.2 / 0.4). */
  position?: { first: number; middle: number; last: number };
}

export interface Credit { key: string; conversions: number; value: number }

export interface AttributionResult {
  model: ModelName;
  /** Sorted by key. Sums equal `totals` (to floating-point rounding). */
  credits: Credit[];
  /** Observed conversions and value over journeys with at least one touch. */
  totals: { conversions: number; value: number };
  /** Model-specific detail (e.g. Markov removal effects per key, base conversion probability). */
  detail?: Record<string, unknown>;
}
