import { z } from 'zod';

/**
 * Touchpoints: what an ingested event says about how the customer arrived,
 * and the channel that maps to under the workspace's channel grouping.
 *
 * Where the signals come from (first found wins, field by field):
 * - `context.campaign.{source,medium,name}` as Segment's analytics.js sends them;
 * - the `utm_*` parameters of `context.page.url`, then of `properties.url`;
 * - click ids in those URLs (gclid, msclkid, fbclid, ttclid, li_fat_id);
 * - Studio's tracking links: `kata_cid=<campaign record id>`, or
 *   `utm_source=kata&utm_campaign=<campaign record id>`;
 * - the referrer (`context.page.referrer`, then `properties.referrer`); a
 *   referrer on the page's own host is navigation inside the site, not a touch.
 *
 * An event is a touch when it carries any of these, or when it is a page view
 * with no referrer at all (someone typed the address or used a bookmark: direct).
 */

export const clickIdKinds = ['gclid', 'msclkid', 'fbclid', 'ttclid', 'li_fat_id'] as const;
export type ClickIdKind = (typeof clickIdKinds)[number];

export interface TouchSignals {
  source: string | null;
  medium: string | null;
  campaign: string | null;
  clickId: ClickIdKind | null;
  /** The Studio campaign a Kata tracking link named. */
  kataCampaignId: string | null;
  /** The referrer's host when it is another site than the page's. */
  referrerHost: string | null;
}

export interface EventForTouch {
  type: string;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
}

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'use lower-case letters, digits and dashes (up to 48), e.g. "paid-social"');
const lowerList = z.array(z.string().trim().min(1).max(200).toLowerCase()).min(1).max(200);

/** One rule of a channel grouping: every condition given must hold; within a list, any entry may match. */
export const channelRuleSchema = z
  .object({
    channel: slug,
    when: z
      .object({
        sources: lowerList.optional(),
        mediums: lowerList.optional(),
        clickIds: z.array(z.enum(clickIdKinds)).min(1).optional(),
        /** `example.com` matches it and its subdomains; an entry without a dot (`google`) matches any host with that label (www.google.co.uk). */
        referrerHosts: lowerList.optional(),
        kata: z.literal(true).optional().describe('Only touches from Studio tracking links'),
      })
      .strict()
      .refine((when) => Object.keys(when).length > 0, 'give at least one condition (sources, mediums, clickIds, referrerHosts or kata)'),
  })
  .strict();
export type ChannelRule = z.infer<typeof channelRuleSchema>;

/** The rules in order (the first that matches decides), and the channels everything else falls into. */
export const channelGroupingSchema = z
  .object({
    rules: z.array(channelRuleSchema).max(200),
    /** A touch from another site that no rule matched. */
    referralChannel: slug.default('referral'),
    /** A page view with no referrer and no campaign. */
    directChannel: slug.default('direct'),
    /** Campaign parameters that no rule matched. */
    otherChannel: slug.default('other'),
  })
  .strict();
export type ChannelGrouping = z.output<typeof channelGroupingSchema>;

const socialSites = ['facebook.com', 'fb.com', 'instagram.com', 't.co', 'twitter.com', 'x.com', 'linkedin.com', 'lnkd.in', 'tiktok.com', 'pinterest.com', 'reddit.com', 'youtube.com', 'snapchat.com', 'threads.net'];
const socialSources = ['facebook', 'fb', 'instagram', 'ig', 'tiktok', 'linkedin', 'twitter', 'x', 'pinterest', 'reddit', 'youtube', 'snapchat', 'threads', 'meta'];
const paidMediums = ['cpc', 'ppc', 'paid', 'paidsearch', 'paid-search', 'paid_search', 'sem', 'paid-social', 'paidsocial', 'paid_social', 'cpm'];

/** The grouping a workspace starts with: paid search, paid social, organic social, organic search, email, display, influencer, referral, direct. */
export const defaultChannelGrouping: ChannelGrouping = {
  rules: [
    { channel: 'influencer', when: { mediums: ['influencer', 'creator', 'affiliate', 'ugc'] } },
    { channel: 'email', when: { mediums: ['email', 'e-mail', 'newsletter'] } },
    { channel: 'paid-search', when: { clickIds: ['gclid', 'msclkid'] } },
    { channel: 'paid-social', when: { clickIds: ['fbclid', 'ttclid', 'li_fat_id'] } },
    { channel: 'paid-social', when: { mediums: paidMediums, sources: socialSources } },
    { channel: 'paid-search', when: { mediums: ['cpc', 'ppc', 'paidsearch', 'paid-search', 'paid_search', 'sem'] } },
    { channel: 'display', when: { mediums: ['display', 'banner', 'cpm', 'programmatic', 'video'] } },
    { channel: 'organic-social', when: { mediums: ['social', 'social-media', 'organic-social', 'sm'] } },
    { channel: 'organic-social', when: { referrerHosts: socialSites } },
    { channel: 'organic-search', when: { referrerHosts: ['google', 'bing.com', 'duckduckgo.com', 'yahoo.com', 'ecosia.org', 'baidu.com', 'yandex.ru', 'search.brave.com'] } },
  ],
  referralChannel: 'referral',
  directChannel: 'direct',
  otherChannel: 'other',
};

/** Every channel a grouping can produce. */
export function channelsOf(grouping: ChannelGrouping): string[] {
  return [...new Set([...grouping.rules.map((r) => r.channel), grouping.referralChannel, grouping.directChannel, grouping.otherChannel])];
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function parseUrl(value: unknown): URL | null {
  const given = text(value);
  if (!given) return null;
  try {
    return new URL(given);
  } catch {
    return null;
  }
}

/** Reads what an event says about where the customer came from; null when it is not a touch. */
export function touchSignals(event: EventForTouch): TouchSignals | null {
  const context = record(event.context);
  const page = record(context.page);
  const campaign = record(context.campaign);
  const urls = [parseUrl(page.url), parseUrl(event.properties.url)].filter((u): u is URL => u !== null);
  const param = (name: string) => urls.map((u) => text(u.searchParams.get(name))).find((v) => v !== null) ?? null;
  const referrerText = text(page.referrer) ?? text(event.properties.referrer);
  const referrer = parseUrl(referrerText);
  const pageHost = urls[0]?.hostname.toLowerCase() ?? null;
  const referrerHost = referrer && referrer.hostname.toLowerCase() !== pageHost ? referrer.hostname.toLowerCase() : null;

  const source = text(campaign.source) ?? param('utm_source');
  const medium = text(campaign.medium) ?? param('utm_medium');
  const campaignName = text(campaign.name) ?? param('utm_campaign');
  const clickId = clickIdKinds.find((kind) => param(kind) !== null) ?? null;
  const kataCampaignId = param('kata_cid') ?? (source?.toLowerCase() === 'kata' ? campaignName : null);

  const signals: TouchSignals = { source: source?.toLowerCase() ?? null, medium: medium?.toLowerCase() ?? null, campaign: kataCampaignId ?? campaignName, clickId, kataCampaignId, referrerHost };
  const hasCampaign = signals.source !== null || signals.medium !== null || signals.campaign !== null || clickId !== null;
  if (hasCampaign || referrerHost !== null) return signals;
  // A page view with no referrer is direct; one with a referrer on its own site is navigation, not a touch.
  if (event.type === 'page' && referrerText === null) return signals;
  return null;
}

function hostMatches(host: string, pattern: string): boolean {
  if (!pattern.includes('.')) return host.split('.').includes(pattern);
  return host === pattern || host.endsWith(`.${pattern}`);
}

function ruleMatches(rule: ChannelRule, signals: TouchSignals): boolean {
  const { sources, mediums, clickIds, referrerHosts, kata } = rule.when;
  if (sources && !(signals.source !== null && sources.includes(signals.source))) return false;
  if (mediums && !(signals.medium !== null && mediums.includes(signals.medium))) return false;
  if (clickIds && !(signals.clickId !== null && clickIds.includes(signals.clickId))) return false;
  if (referrerHosts && !(signals.referrerHost !== null && referrerHosts.some((pattern) => hostMatches(signals.referrerHost!, pattern)))) return false;
  if (kata && signals.kataCampaignId === null) return false;
  return true;
}

/**
 * The channel of a touch: a medium that names one of the grouping's channels
 * outright (Studio's tracking links send `utm_medium=<channel>`), else the
 * first rule that matches, else referral (another site), other (campaign
 * parameters no rule knows) or direct.
 */
export function channelOf(signals: TouchSignals, grouping: ChannelGrouping): string {
  if (signals.medium !== null && channelsOf(grouping).includes(signals.medium)) return signals.medium;
  const rule = grouping.rules.find((r) => ruleMatches(r, signals));
  if (rule) return rule.channel;
  if (signals.source !== null || signals.medium !== null || signals.campaign !== null || signals.clickId !== null) return grouping.otherChannel;
  if (signals.referrerHost !== null) return grouping.referralChannel;
  return grouping.directChannel;
}

/** What a campaign report credits: the Studio campaign's record id, the utm_campaign, or "(none)". */
export const noCampaign = '(none)';
export function campaignKeyOf(signals: TouchSignals): string {
  return signals.campaign ?? noCampaign;
}

/**
 * The address a Studio tracking link sends people to: the campaign's own
 * destination with the parameters that map the visit back to the campaign.
 */
export function trackedDestination(link: { destinationUrl: string; campaignId: string; channel: string }): string {
  const url = new URL(link.destinationUrl);
  url.searchParams.set('utm_source', 'kata');
  url.searchParams.set('utm_medium', link.channel);
  url.searchParams.set('utm_campaign', link.campaignId);
  url.searchParams.set('kata_cid', link.campaignId);
  return url.toString();
}
