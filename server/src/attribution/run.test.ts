import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributionData } from '../../test/attribution-data';
import { hubDatabases } from '../../test/databases';
import { heldOutMembersPage, holdoutCounts, saveAttributionSettings, spendBetween, upsertSpend } from '../db/attribution-store';
import type { HubDatabase } from '../db/database';
import { isHeldOut } from './holdouts';
import { attribute } from './models';
import { runAttribution, type AttributionReport } from './run';
import { attributionSettingsOf } from './settings';

const from = new Date('2026-06-01T00:00:00Z');
const to = new Date('2026-06-30T23:59:59.999Z');
const orderCompleted = [{ name: 'Order Completed', valueProperty: 'revenue', currencyProperty: 'currency' }];

describe.each(hubDatabases)('attribution runs on $name', ({ open }) => {
  let hub: HubDatabase;
  const ws = 'ws-attribution';
  const data = () => attributionData(hub.db, ws);
  beforeAll(async () => {
    hub = await open();
    const d = data();
    await d.workspace();
    await saveAttributionSettings(hub.db, ws, { channelRules: null, conversionEvents: orderCompleted, lookbackDays: 30, reportingCurrency: 'EUR' }, new Date());
    // A: a paid search click exactly 30 days before buying (in), an email a millisecond earlier (out), then a Facebook ad after.
    await d.profile('a');
    await d.page('a', '2026-05-10T11:59:59.999Z', 'https://shop.example/?utm_medium=email');
    await d.page('a', '2026-05-10T14:00:00+02:00', 'https://shop.example/?gclid=g1');
    await d.track('a', '2026-06-09T12:00:00Z', 'Order Completed', { revenue: 100, currency: 'EUR' });
    await d.page('a', '2026-06-10T08:00:00-04:00', 'https://shop.example/?fbclid=f1');
    // B: arrived through a Studio tracking link; the CRM deal names a profile since merged into B's.
    await d.profile('b');
    await d.profile('b-old', 'b');
    await d.campaign('camp-1', 'Spring launch', 1);
    await d.page('b', '2026-06-05T10:00:00Z', 'https://shop.example/?utm_source=kata&utm_medium=influencer&utm_campaign=camp-1&kata_cid=camp-1');
    await d.deal('deal-1', 'b-old', '2026-06-06T10:00:00Z', 500);
    // C: bought in dollars after an email: counted, its value kept apart.
    await d.profile('c');
    await d.track('c', '2026-06-14T09:00:00Z', 'Newsletter clicked', {}, { campaign: { source: 'newsletter', medium: 'email', name: 'June news' } });
    await d.track('c', '2026-06-15T09:00:00Z', 'Order Completed', { revenue: '50', currency: 'usd' });
    // D: a deal no customer could be matched to. E: a returning customer buying with no touch in the window.
    await d.deal('deal-2', null, '2026-06-20T10:00:00Z', 70);
    await d.profile('e');
    await d.track('e', '2026-03-01T10:00:00Z', 'Order Completed', { revenue: 20 });
    await d.track('e', '2026-06-20T10:00:00Z', 'Order Completed', { revenue: 30 });
    // Spend: the first line is imported twice, the second time replacing it; the dollar line is kept apart.
    await upsertSpend(hub.db, ws, [{ day: '2026-06-01', channel: 'paid-search', campaign: '', currency: 'EUR', amount: 50 }], 'csv', new Date());
    await upsertSpend(
      hub.db,
      ws,
      [
        { day: '2026-06-01', channel: 'paid-search', campaign: '', currency: 'EUR', amount: 40 },
        { day: '2026-06-02', channel: 'influencer', campaign: 'camp-1', currency: 'EUR', amount: 100 },
        { day: '2026-06-03', channel: 'email', campaign: '', currency: 'USD', amount: 10 },
        { day: '2026-07-01', channel: 'email', campaign: '', currency: 'EUR', amount: 999 },
      ],
      'csv',
      new Date(),
    );
  }, 30_000);
  afterAll(() => hub.close());

  const run = async (grouping: 'channel' | 'campaign', batchSize?: number) =>
    runAttribution(hub.db, { workspaceId: ws, models: ['last', 'first'], grouping, from, to }, { settings: await attributionSettingsOf({ db: hub.db }, ws), attribute: attribute, ...(batchSize && { batchSize }) });
  const rowsOf = (report: AttributionReport, model: string) => Object.fromEntries(report.models.find((m) => m.model === model)!.rows.map(({ key, label: _label, ...row }) => [key, row]));

  it('credits conversions per channel, following merges to the CRM deal, with ROAS, CPA and CAC', async () => {
    const report = await run('channel');
    expect(rowsOf(report, 'last')).toEqual({
      'paid-search': { conversions: 1, value: 100, newCustomers: 1, spend: 40, roas: 2.5, cpa: 40, cac: 40 },
      influencer: { conversions: 1, value: 500, newCustomers: 1, spend: 100, roas: 5, cpa: 100, cac: 100 },
      // C's dollars are not added to euros: the conversion counts, its value is reported apart.
      email: { conversions: 1, value: 0, newCustomers: 1, spend: 0, roas: null, cpa: 0, cac: 0 },
      // A's Facebook ad after buying: on a journey that did not convert, so listed with no credit.
      'paid-social': { conversions: 0, value: 0, newCustomers: 0, spend: 0, roas: null, cpa: null, cac: null },
    });
    expect(report.conversions).toEqual({ total: 5, value: 700, attributed: 3, unattributed: 2, otherCurrencies: [{ currency: 'USD', conversions: 1, value: 50 }] });
    expect(report.spend).toEqual({ total: 140, otherCurrencies: [{ currency: 'USD', amount: 10 }] });
    expect(report.newCustomers).toBe(3);
    expect(report.journeys).toEqual({ converted: 4, notConverted: 1 });
    expect(report.models.find((m) => m.model === 'last')!.totals).toEqual({ conversions: 3, value: 600, spend: 140, newCustomers: 3, roas: 600 / 140, cpa: 140 / 3, cac: 140 / 3 });
  });

  it('puts conversions and spend in UTC weeks', async () => {
    const weekly = (await run('channel')).models.find((m) => m.model === 'last')!.weekly;
    expect(weekly.map((w) => w.week)).toEqual(['2026-06-01', '2026-06-08', '2026-06-15']);
    const week = (w: string) => Object.fromEntries(weekly.find((x) => x.week === w)!.rows.map((r) => [r.key, [r.conversions, r.spend]]));
    expect(week('2026-06-01')).toEqual({ influencer: [1, 100], 'paid-search': [0, 40] });
    expect(week('2026-06-08')).toEqual({ 'paid-search': [1, 0], 'paid-social': [0, 0] });
    expect(week('2026-06-15')).toEqual({ email: [1, 0] });
  });

  it('gives the same report read one customer per batch', async () => {
    expect(await run('channel', 1)).toEqual(await run('channel'));
  });

  it('credits Studio campaigns by record id with their synced names', async () => {
    const report = await run('campaign');
    const rows = report.models.find((m) => m.model === 'last')!.rows;
    expect(rows.find((r) => r.key === 'camp-1')).toMatchObject({ label: 'Spring launch', conversions: 1, value: 500, spend: 100, roas: 5 });
    expect(rows.find((r) => r.key === 'June news')).toMatchObject({ conversions: 1 });
    expect(rows.find((r) => r.key === '(none)')).toMatchObject({ conversions: 1, value: 100, spend: 40 });
  });

  it('reads spend back by day with its UTC week, the re-import having replaced the first line', async () => {
    expect(await spendBetween(hub.db, ws, '2026-06-01', '2026-06-07')).toEqual([
      { day: '2026-06-01', week: '2026-06-01', channel: 'paid-search', campaign: '', currency: 'EUR', amount: 40 },
      { day: '2026-06-02', week: '2026-06-01', channel: 'influencer', campaign: 'camp-1', currency: 'EUR', amount: 100 },
      { day: '2026-06-03', week: '2026-06-01', channel: 'email', campaign: '', currency: 'USD', amount: 10 },
    ]);
  });

  it('counts a refund or a value that is not a number as 0, in credits and in totals alike', async () => {
    const other = 'ws-refunds';
    const d = attributionData(hub.db, other);
    await d.workspace();
    await saveAttributionSettings(hub.db, other, { channelRules: null, conversionEvents: orderCompleted, lookbackDays: 30, reportingCurrency: 'EUR' }, new Date());
    for (const [id, revenue] of [['r1', -40], ['r2', 'lots'], ['r3', '12.5']] as const) {
      await d.page(id, '2026-06-02T00:00:00Z', 'https://shop.example/?utm_medium=email');
      await d.track(id, '2026-06-03T00:00:00Z', 'Order Completed', { revenue });
    }
    await d.deal('refund-deal', 'r1', '2026-06-04T00:00:00Z', -100);
    const report = await runAttribution(hub.db, { workspaceId: other, models: ['last'], grouping: 'channel', from, to }, { settings: await attributionSettingsOf({ db: hub.db }, other), attribute });
    expect(report.models[0]!.rows).toMatchObject([{ key: 'email', conversions: 3, value: 12.5 }]);
    expect(report.conversions).toMatchObject({ total: 4, value: 12.5, attributed: 3, unattributed: 1 });
  });

  it('splits a holdout in SQL exactly as the stable hash in code does, and counts conversions per side', async () => {
    const other = 'ws-holdout';
    const d = attributionData(hub.db, other);
    await d.workspace();
    const members = Array.from({ length: 400 }, (_, i) => `p-${String(i).padStart(3, '0')}`);
    for (const id of members) await d.profile(id);
    await d.segmentMembers('seg-1', 1, members);
    const holdout = { id: 'holdout-1', share: 0.25 };
    const held = members.filter((m) => isHeldOut(holdout, m));
    const buyers = members.filter((_, i) => i % 5 === 0);
    for (const id of buyers) await d.track(id, '2026-06-10T00:00:00Z', 'Order Completed', { revenue: 1 });
    const counts = await holdoutCounts(hub.db, { workspaceId: other, holdoutId: holdout.id, share: holdout.share, segmentId: 'seg-1', version: 1, from, to, conversionEvents: orderCompleted });
    const side = (h: boolean) => counts.find((c) => c.held === h);
    expect(side(true)).toEqual({ held: true, members: held.length, converted: held.filter((m) => buyers.includes(m)).length });
    expect(side(false)).toEqual({ held: false, members: 400 - held.length, converted: buyers.filter((m) => !held.includes(m)).length });
    const page = await heldOutMembersPage(hub.db, { workspaceId: other, holdoutId: holdout.id, share: holdout.share, segmentId: 'seg-1', version: 1, after: null, limit: 1000 });
    expect(page).toEqual([...held].sort());
  });
});
