import { describe, expect, it } from 'vitest';
import { DAY_MS, stitchCustomer, weekOf, type StitchConversion, type StitchTouch } from './journeys';

const at = (iso: string) => Date.parse(iso);
const touch = (iso: string, channel: string): StitchTouch => ({ at: at(iso), channel, campaign: `c-${channel}` });
const conversion = (iso: string, value = 10, first = false): StitchConversion => ({ at: at(iso), value, currency: 'EUR', first });
const options = { from: at('2026-06-01T00:00:00Z'), to: at('2026-06-30T23:59:59.999Z'), lookbackDays: 30, keyOf: (t: StitchTouch) => t.channel, directChannel: 'direct' };
const keys = (journeys: ReturnType<typeof stitchCustomer>) => journeys.map((j) => ({ keys: j.touches.map((t) => t.key), conversions: j.conversions, nulls: j.nulls }));

describe('stitching a customer’s journeys', () => {
  it('keeps a touch exactly 30 days before the conversion and drops one a millisecond older', () => {
    const converted = conversion('2026-06-15T12:00:00Z');
    const exactly = { at: converted.at - 30 * DAY_MS, channel: 'email', campaign: 'x' };
    const older = { at: converted.at - 30 * DAY_MS - 1, channel: 'display', campaign: 'x' };
    expect(keys(stitchCustomer([older, exactly], [converted], options))).toEqual([{ keys: ['email'], conversions: 1, nulls: 0 }]);
  });

  it('gives a touch at the very instant of a conversion to that conversion', () => {
    expect(keys(stitchCustomer([touch('2026-06-10T10:00:00Z', 'email')], [conversion('2026-06-10T10:00:00Z')], options))).toEqual([{ keys: ['email'], conversions: 1, nulls: 0 }]);
  });

  it('cuts off at each conversion: touches before it never count for the next one', () => {
    const journeys = stitchCustomer(
      [touch('2026-06-02T00:00:00Z', 'email'), touch('2026-06-03T00:00:00Z', 'display'), touch('2026-06-05T00:00:00Z', 'paid-search'), touch('2026-06-20T00:00:00Z', 'direct')],
      [conversion('2026-06-04T00:00:00Z', 5), conversion('2026-06-06T00:00:00Z', 7)],
      options,
    );
    expect(keys(journeys)).toEqual([
      { keys: ['email', 'display'], conversions: 1, nulls: 0 },
      { keys: ['paid-search'], conversions: 1, nulls: 0 },
      { keys: ['direct'], conversions: 0, nulls: 1 },
    ]);
    expect(journeys.map((j) => j.value)).toEqual([5, 7, 0]);
    expect(journeys[2]!.touches[0]!.direct).toBe(true);
  });

  it('reports a conversion with no touch in its window with no touches (unattributed)', () => {
    expect(keys(stitchCustomer([touch('2026-04-01T00:00:00Z', 'email')], [conversion('2026-06-10T00:00:00Z')], options))).toEqual([{ keys: [], conversions: 1, nulls: 0 }]);
  });

  it('lets a conversion before the range claim its touches without reporting it', () => {
    const journeys = stitchCustomer([touch('2026-05-20T00:00:00Z', 'email'), touch('2026-05-30T00:00:00Z', 'display')], [conversion('2026-05-25T00:00:00Z'), conversion('2026-06-02T00:00:00Z')], options);
    expect(keys(journeys)).toEqual([{ keys: ['display'], conversions: 1, nulls: 0 }]);
  });

  it('keeps only touches inside the range in the journey that did not convert', () => {
    expect(keys(stitchCustomer([touch('2026-05-20T00:00:00Z', 'email'), touch('2026-06-20T00:00:00Z', 'display'), touch('2026-07-02T00:00:00Z', 'x')], [], options))).toEqual([{ keys: ['display'], conversions: 0, nulls: 1 }]);
  });

  it('orders touches by time whatever order they come in, and keeps their times for time-decay', () => {
    const [journey] = stitchCustomer([touch('2026-06-09T00:00:00Z', 'b'), touch('2026-06-08T00:00:00Z', 'a')], [conversion('2026-06-10T00:00:00Z')], options);
    expect(journey!.touches).toEqual([
      { key: 'a', at: at('2026-06-08T00:00:00Z') },
      { key: 'b', at: at('2026-06-09T00:00:00Z') },
    ]);
    expect(journey!.convertedAt).toBe(at('2026-06-10T00:00:00Z'));
  });
});

describe('week buckets', () => {
  it('start on Monday 00:00 UTC, whatever offset the event was sent with', () => {
    expect(weekOf(at('2026-06-01T00:00:00Z'))).toBe('2026-06-01'); // a Monday
    expect(weekOf(at('2026-06-07T23:59:59.999Z'))).toBe('2026-06-01'); // Sunday night, UTC
    // Monday 01:00 in Paris is still Sunday in UTC: the week before.
    expect(weekOf(at('2026-06-08T01:00:00+02:00'))).toBe('2026-06-01');
    // Sunday 20:00 in New York is Monday in UTC: the next week.
    expect(weekOf(at('2026-06-07T20:00:00-04:00'))).toBe('2026-06-08');
  });
});
