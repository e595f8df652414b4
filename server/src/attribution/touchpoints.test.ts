import { describe, expect, it } from 'vitest';
import { campaignKeyOf, channelGroupingSchema, channelOf, defaultChannelGrouping, touchSignals, trackedDestination, type EventForTouch } from './touchpoints';

const page = (url: string, referrer?: string, extra: Partial<EventForTouch> = {}): EventForTouch => ({ type: 'page', properties: {}, context: { page: { url, ...(referrer !== undefined && { referrer }) } }, ...extra });
const channel = (event: EventForTouch) => {
  const signals = touchSignals(event);
  return signals && channelOf(signals, defaultChannelGrouping);
};

describe('touchpoints from events', () => {
  it('read UTM parameters from context.campaign, as Segment sends them, before the URL', () => {
    const signals = touchSignals({ type: 'track', properties: {}, context: { campaign: { source: 'Newsletter', medium: 'Email', name: 'Spring' }, page: { url: 'https://shop.example/?utm_source=other' } } });
    expect(signals).toMatchObject({ source: 'newsletter', medium: 'email', campaign: 'Spring' });
    expect(channelOf(signals!, defaultChannelGrouping)).toBe('email');
  });

  it('read utm_* from context.page.url, then from properties.url', () => {
    expect(touchSignals(page('https://shop.example/p?utm_source=facebook&utm_medium=cpc&utm_campaign=winter'))).toMatchObject({ source: 'facebook', medium: 'cpc', campaign: 'winter' });
    expect(touchSignals({ type: 'track', properties: { url: 'https://shop.example/?utm_medium=display&utm_campaign=b' }, context: {} })).toMatchObject({ medium: 'display', campaign: 'b' });
  });

  it.each([
    ['https://shop.example/?gclid=abc', 'paid-search'],
    ['https://shop.example/?msclkid=abc', 'paid-search'],
    ['https://shop.example/?fbclid=abc', 'paid-social'],
    ['https://shop.example/?ttclid=abc', 'paid-social'],
    ['https://shop.example/?li_fat_id=abc', 'paid-social'],
    ['https://shop.example/?utm_source=instagram&utm_medium=paid', 'paid-social'],
    ['https://shop.example/?utm_source=google&utm_medium=cpc', 'paid-search'],
    ['https://shop.example/?utm_medium=banner', 'display'],
    ['https://shop.example/?utm_medium=social&utm_source=tiktok', 'organic-social'],
    ['https://shop.example/?utm_medium=influencer&utm_source=ava', 'influencer'],
    ['https://shop.example/?utm_source=partner&utm_medium=weird', 'other'],
  ])('map %s to %s by the default grouping', (url, expected) => {
    expect(channel(page(url, ''))).toBe(expected);
  });

  it('map referrers: social sites, search engines by label, other sites as referral', () => {
    expect(channel(page('https://shop.example/', 'https://l.facebook.com/x'))).toBe('organic-social');
    expect(channel(page('https://shop.example/', 'https://www.google.co.uk/'))).toBe('organic-search');
    expect(channel(page('https://shop.example/', 'https://blog.friend.example/post'))).toBe('referral');
  });

  it('treat a page view without referrer as direct, and navigation inside the site as no touch', () => {
    expect(channel(page('https://shop.example/'))).toBe('direct');
    expect(touchSignals(page('https://shop.example/cart', 'https://shop.example/'))).toBeNull();
    expect(touchSignals({ type: 'track', name: 'Added', properties: {}, context: {} } as EventForTouch)).toBeNull();
  });

  it('map Studio tracking links to their campaign and the channel their medium names', () => {
    const viaKataCid = touchSignals(page('https://shop.example/?kata_cid=camp-1&utm_medium=influencer'))!;
    expect(viaKataCid.kataCampaignId).toBe('camp-1');
    expect(campaignKeyOf(viaKataCid)).toBe('camp-1');
    const viaUtm = touchSignals(page('https://shop.example/?utm_source=kata&utm_campaign=camp-2&utm_medium=paid-social'))!;
    expect(campaignKeyOf(viaUtm)).toBe('camp-2');
    expect(channelOf(viaUtm, defaultChannelGrouping)).toBe('paid-social');
  });

  it('follow a workspace grouping: first matching rule wins, every condition must hold', () => {
    const grouping = channelGroupingSchema.parse({
      rules: [
        { channel: 'partners', when: { sources: ['Partner'], mediums: ['weird'] } },
        { channel: 'studio', when: { kata: true } },
      ],
      referralChannel: 'elsewhere',
    });
    expect(channelOf(touchSignals(page('https://s.example/?utm_source=partner&utm_medium=weird'))!, grouping)).toBe('partners');
    expect(channelOf(touchSignals(page('https://s.example/?utm_source=partner'))!, grouping)).toBe('other');
    expect(channelOf(touchSignals(page('https://s.example/?kata_cid=c'))!, grouping)).toBe('studio');
    expect(channelOf(touchSignals(page('https://s.example/', 'https://x.example/'))!, grouping)).toBe('elsewhere');
  });

  it('refuse a grouping rule without conditions, naming the field', () => {
    const parsed = channelGroupingSchema.safeParse({ rules: [{ channel: 'x', when: {} }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]).toMatchObject({ path: ['rules', 0, 'when'], message: expect.stringMatching(/at least one condition/) });
  });

  it('build a tracking link destination that keeps the landing page and adds the campaign parameters', () => {
    const url = new URL(trackedDestination({ destinationUrl: 'https://shop.example/spring?ref=1&utm_source=old', campaignId: 'camp 1', channel: 'influencer' }));
    expect(url.origin + url.pathname).toBe('https://shop.example/spring');
    expect(Object.fromEntries(url.searchParams)).toEqual({ ref: '1', utm_source: 'kata', utm_medium: 'influencer', utm_campaign: 'camp 1', kata_cid: 'camp 1' });
  });
});
