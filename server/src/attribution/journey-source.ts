import type { Kysely } from 'kysely';
import { conversionsOf, countCustomersWithEvents, customersWithEvents, firstConversionTimes, touchEvents } from '../db/attribution-store';
import type { HubSchema } from '../db/schema';
import { DAY_MS, stitchCustomer, type HubJourney, type StitchConversion, type StitchTouch } from './journeys';
import type { AttributionSettings } from './settings';
import { campaignKeyOf, channelOf, touchSignals } from './touchpoints';

export type Grouping = 'channel' | 'campaign';

export interface JourneyRead {
  workspaceId: string;
  from: Date;
  to: Date;
  grouping: Grouping;
  settings: AttributionSettings;
  /** Customers per database round trip (default 1000). */
  batchSize?: number;
  /** Called before the first batch with how many customers there are to read, then after each batch with the customers read so far. */
  onBatch?: (customersRead: number, customers: number | null) => Promise<void>;
}

/**
 * Reads journeys from the database a batch of customers at a time: the
 * window (lookback before `from` through `to`) and the conversion events are
 * filtered in SQL, and only the customers of one batch are in memory at once.
 * Yields each customer's journeys as soon as they are stitched.
 */
export async function* readJourneys(db: Kysely<HubSchema>, read: JourneyRead): AsyncGenerator<HubJourney[]> {
  const { workspaceId, settings } = read;
  const since = new Date(read.from.getTime() - settings.lookbackDays * DAY_MS);
  const limit = read.batchSize ?? 1000;
  const grouping = settings.channelGrouping;
  const stitchOptions = {
    from: read.from.getTime(),
    to: read.to.getTime(),
    lookbackDays: settings.lookbackDays,
    directChannel: grouping.directChannel,
    keyOf: read.grouping === 'channel' ? (t: StitchTouch) => t.channel : (t: StitchTouch) => t.campaign,
  };
  let after: string | null = null;
  let customersRead = 0;
  const total = read.onBatch ? await countCustomersWithEvents(db, { workspaceId, since, until: read.to }) : null;
  await read.onBatch?.(0, total);
  for (;;) {
    const customers = await customersWithEvents(db, { workspaceId, since, until: read.to, after, limit });
    if (customers.length === 0) return;
    after = customers.at(-1)!;
    const [events, conversions, firsts] = [
      await touchEvents(db, { workspaceId, customers, since, until: read.to }),
      await conversionsOf(db, { workspaceId, customers, since, until: read.to, conversionEvents: settings.conversionEvents }),
      await firstConversionTimes(db, { workspaceId, customers, conversionEvents: settings.conversionEvents }),
    ];
    const touchesOf = new Map<string, StitchTouch[]>();
    for (const event of events) {
      const signals = touchSignals({ type: event.type, properties: { url: event.url, referrer: event.referrer }, context: { page: event.page ?? undefined, campaign: event.campaign ?? undefined } });
      if (!signals) continue;
      const list = touchesOf.get(event.customer) ?? [];
      list.push({ at: event.occurred_at.getTime(), channel: channelOf(signals, grouping), campaign: campaignKeyOf(signals) });
      touchesOf.set(event.customer, list);
    }
    const conversionsByCustomer = new Map<string, StitchConversion[]>();
    for (const c of conversions) {
      if (c.customer === null) continue;
      const at = c.occurred_at.getTime();
      const list = conversionsByCustomer.get(c.customer) ?? [];
      list.push({ at, value: c.value, currency: c.currency ?? settings.reportingCurrency, first: firsts.get(c.customer) === at });
      conversionsByCustomer.set(c.customer, list);
    }
    const batch: HubJourney[] = [];
    for (const customer of new Set([...touchesOf.keys(), ...conversionsByCustomer.keys()])) {
      batch.push(...stitchCustomer(touchesOf.get(customer) ?? [], conversionsByCustomer.get(customer) ?? [], stitchOptions));
    }
    customersRead += customers.length;
    await read.onBatch?.(customersRead, total);
    yield batch;
    if (customers.length < limit) return;
  }
}
