import type { AttributionResult, Credit, Journey, ModelName, ModelOptions } from '../src/attribution/models/types';

/**
 * A stand-in for the real models (helper A's `attribute`, merged separately),
 * for the data side's tests only: first, last and linear credit by rule, the
 * other names fall back to linear. Journeys without touches are skipped, and
 * every key seen on a journey is listed (0 when it earned nothing), as the real models do.
 */
export function ruleBasedAttribute(model: ModelName, journeys: Iterable<Journey>, _options?: ModelOptions): AttributionResult {
  const credits = new Map<string, Credit>();
  const totals = { conversions: 0, value: 0 };
  const give = (key: string, share: number, journey: Journey) => {
    const credit = credits.get(key) ?? { key, conversions: 0, value: 0 };
    credit.conversions += share * journey.conversions;
    credit.value += share * journey.value;
    credits.set(key, credit);
  };
  for (const journey of journeys) {
    if (journey.touches.length === 0) continue;
    totals.conversions += journey.conversions;
    totals.value += journey.value;
    for (const touch of journey.touches) give(touch.key, 0, journey);
    if (journey.conversions === 0) continue;
    if (model === 'first') give(journey.touches[0]!.key, 1, journey);
    else if (model === 'last') give(journey.touches.at(-1)!.key, 1, journey);
    else for (const touch of journey.touches) give(touch.key, 1 / journey.touches.length, journey);
  }
  return { model, credits: [...credits.values()].sort((a, b) => a.key.localeCompare(b.key)), totals };
}
