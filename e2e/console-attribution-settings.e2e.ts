import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinConsole, signInToConsole, statusOf } from './console-pages';
import { launchChromium, screenshot, startHub, watchPageErrors, type HubOwner, type RunningHub } from './harness';

const owner: HubOwner = { workspace: 'Acme Marketing', slug: 'acme', name: 'Maya Lee', email: 'maya@acme.example', password: 'a long enough passphrase' };
const viewer = { name: 'Victor Vu', email: 'victor@acme.example', password: 'another long passphrase' };

let hub: RunningHub;
let browser: Browser;
let token: string;
let segmentId: string;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${hub.url}${path}`, { method, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), authorization: `Bearer ${token}` }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

beforeAll(async () => {
  [hub, browser] = await Promise.all([startHub({ owner }), launchChromium()]);
  const login = await fetch(`${hub.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.email, password: owner.password, client: 'studio' }) });
  token = ((await login.json()) as { accessToken: string }).accessToken;
  // A Studio campaign synced to the Hub, and a snapshotted segment of two gold customers, for links and holdouts.
  await call('POST', '/v1/sync/push', { deviceId: randomUUID(), mutations: [{ id: randomUUID(), recordType: 'campaign', recordId: 'spring-launch', op: 'create', baseRev: 0, changes: { name: 'Spring launch' }, deviceTime: new Date().toISOString() }] });
  const { writeKey } = await call<{ writeKey: string }>('POST', '/v1/write-keys', { name: 'Website' });
  const identify = (userId: string) => ({ type: 'identify', messageId: `${userId}-identify`, userId, traits: { plan: 'gold' }, context: { consent: { categoryPreferences: { 'email-marketing': true } } } });
  const ingest = await fetch(`${hub.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` }, body: JSON.stringify({ batch: [identify('ana'), identify('ben')] }) });
  expect(ingest.ok).toBe(true);
  segmentId = (await call<{ id: string }>('POST', '/v1/segments', { name: 'Gold customers', purpose: 'email-marketing', rule: { version: 1, match: { trait: 'plan', op: 'eq', value: 'gold' } } })).id;
  await call('POST', `/v1/segments/${segmentId}/snapshot`, {});
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

interface Settings {
  conversionEvents: { name: string; valueProperty: string; currencyProperty: string }[];
  lookbackDays: number;
  reportingCurrency: string;
  defaultGrouping: boolean;
  channels: string[];
}

describe('Attribution settings, holdouts and tracking links in the console', () => {
  it('an admin changes conversion events, lookback and currency; a bad custom grouping is refused with the field named, and nothing changes', async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'en-US' });
    const page = await context.newPage();
    const errors = watchPageErrors(page, [/status of 401/, /status of 400/]);
    await signInToConsole(page, hub.url, owner);
    await page.getByRole('link', { name: 'Conversions and channels' }).click();
    await page.getByRole('heading', { name: 'Attribution settings' }).waitFor();
    const first = page.getByRole('group', { name: 'Conversion event 1' });
    expect(await first.getByLabel('Event name').inputValue()).toBe('Order Completed');
    expect(await page.getByRole('table', { name: 'Channel rules' }).locator('tbody tr').count()).toBeGreaterThan(3);

    await page.getByRole('button', { name: 'Add conversion event' }).click();
    const second = page.getByRole('group', { name: 'Conversion event 2' });
    await second.getByLabel('Event name').fill('Subscription Started');
    await second.getByLabel('Value property').fill('amount');
    await page.getByLabel(/^Lookback/).fill('14');
    await page.getByLabel(/^Reporting currency/).fill('eur');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved: the next comparison uses them.').waitFor();
    const saved = await call<Settings>('GET', '/v1/attribution/settings');
    expect(saved.conversionEvents).toEqual([
      { name: 'Order Completed', valueProperty: 'revenue', currencyProperty: 'currency' },
      { name: 'Subscription Started', valueProperty: 'amount', currencyProperty: 'currency' },
    ]);
    expect(saved).toMatchObject({ lookbackDays: 14, reportingCurrency: 'EUR', defaultGrouping: true });

    // A custom grouping: JSON that does not parse is caught here; a rule the Hub refuses comes back naming its field.
    await page.getByLabel('Use the default grouping').uncheck();
    const grouping = page.getByLabel(/^Custom grouping/);
    await grouping.fill('{ "rules": [');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText(/^Channel grouping: not valid JSON/).waitFor();
    await grouping.fill(JSON.stringify({ rules: [{ channel: 'Paid Social', when: { mediums: ['cpc'] } }] }));
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByRole('alert').allTextContents()).toEqual([expect.stringMatching(/channel.*lower-case letters, digits and dashes/)]);
    expect((await call<Settings>('GET', '/v1/attribution/settings')).defaultGrouping).toBe(true);

    // A valid one is kept, and its channels are the ones links may use.
    await grouping.fill(JSON.stringify({ rules: [{ channel: 'creators', when: { mediums: ['influencer'] } }, { channel: 'newsletter', when: { mediums: ['email'] } }] }));
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Settings saved: the next comparison uses them.').waitFor();
    expect((await call<Settings>('GET', '/v1/attribution/settings')).channels).toEqual(['creators', 'newsletter', 'referral', 'direct', 'other']);
    await screenshot(page, 'console-attribution-settings');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('an admin makes a tracking link with the keyboard alone, copies it, follows it to the tagged landing page, and revokes it', async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'en-US', permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    const errors = watchPageErrors(page, [/status of 401/, /status of 400/]);
    await signInToConsole(page, hub.url, owner);
    await page.getByRole('link', { name: 'Tracking links' }).click();
    await page.getByText('No tracking links yet: make one for a campaign above.').waitFor();

    // An unknown campaign is refused by the Hub, in its words.
    await page.getByLabel('Campaign id (from Studio)').focus();
    await page.keyboard.type('autumn-sale');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await page.keyboard.type('https://shop.example/spring?ref=hub');
    await page.keyboard.press('Enter');
    await page.getByText('campaignId: no such campaign has been synced from Studio to this workspace.').waitFor();
    await page.getByLabel('Campaign id (from Studio)').fill('spring-launch');
    await page.getByLabel('Channel').selectOption('creators');
    await page.getByLabel('Landing page').fill('https://shop.example/spring?ref=hub');
    await page.getByLabel('Landing page').press('Enter');
    await page.getByText(/^Link made:/).waitFor();

    const { links } = await call<{ links: { id: string; url: string; channel: string; campaignId: string }[] }>('GET', '/v1/attribution/links');
    expect(links).toHaveLength(1);
    expect(links[0]).toMatchObject({ campaignId: 'spring-launch', channel: 'creators' });
    const table = page.getByRole('table', { name: 'Tracking links' });
    await table.getByText(links[0]!.url).waitFor();
    await table.getByRole('button', { name: 'Copy the link for spring-launch (creators)' }).click();
    await table.getByText('Copied').waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(links[0]!.url);

    const followed = await fetch(links[0]!.url, { redirect: 'manual' });
    expect(followed.status).toBe(302);
    const landing = new URL(followed.headers.get('location')!);
    expect(`${landing.origin}${landing.pathname}`).toBe('https://shop.example/spring');
    expect(Object.fromEntries(landing.searchParams)).toMatchObject({ ref: 'hub', utm_source: 'kata', utm_medium: 'creators', utm_campaign: 'spring-launch', kata_cid: 'spring-launch' });

    page.once('dialog', (dialog) => void dialog.accept());
    await table.getByRole('button', { name: 'Revoke the link for spring-launch (creators)' }).click();
    await table.getByText(/^revoked/).waitFor();
    expect((await fetch(links[0]!.url, { redirect: 'manual' })).status).toBe(404);
    await screenshot(page, 'console-tracking-links');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('an admin withholds a share of a segment from a campaign and measures its lift', async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'en-US' });
    const page = await context.newPage();
    const errors = watchPageErrors(page, [/status of 401/]);
    await signInToConsole(page, hub.url, owner);
    await page.getByRole('link', { name: 'Holdouts' }).click();
    await page.getByText('No holdouts yet: withhold a share of a segment from a campaign above.').waitFor();
    const form = page.getByRole('form', { name: 'New holdout' });
    await form.getByLabel('Name').fill('Spring control group');
    await form.getByLabel('Campaign id (from Studio)').fill('spring-launch');
    await form.getByLabel('Segment').selectOption({ label: 'Gold customers' });
    await form.getByLabel('Withheld (%)').fill('25');
    await form.getByRole('button', { name: 'Make holdout' }).click();
    await page.getByText('Holdout “Spring control group” made').waitFor();
    const { holdouts } = await call<{ holdouts: { id: string; share: number; segmentId: string }[] }>('GET', '/v1/attribution/holdouts');
    expect(holdouts).toEqual([expect.objectContaining({ share: 0.25, segmentId })]);

    await page.getByRole('button', { name: 'Measure lift of Spring control group' }).click();
    const lift = page.getByRole('table', { name: 'Lift' });
    await lift.waitFor();
    // Two members in all, split by the holdout's hash; nobody converted.
    const members = (await lift.locator('tbody tr td:nth-child(2)').allTextContents()).map(Number);
    expect(members.reduce((sum, n) => sum + n, 0)).toBe(2);
    expect(await lift.locator('tbody tr td:nth-child(3)').allTextContents()).toEqual(['0', '0']);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('a viewer reads settings, links and holdouts with nothing to change, and the Hub refuses the changes anyway', async () => {
    const { link } = await call<{ link: string }>('POST', '/v1/invitations', { email: viewer.email, role: 'viewer' });
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'en-US' });
    const page = await context.newPage();
    // (The Hub's refusals asked for below are 403s.)
    const errors = watchPageErrors(page, [/status of 40[13]/]);
    await joinConsole(page, link, viewer);

    await page.getByRole('link', { name: 'Conversions and channels' }).click();
    await page.getByText('Analysts, admins and owners change these settings.').waitFor();
    expect(await page.getByRole('button', { name: 'Save settings' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Add conversion event' }).count()).toBe(0);
    expect(await page.getByRole('group', { name: 'Conversion event 1' }).getByLabel('Event name').isDisabled()).toBe(true);

    await page.getByRole('link', { name: 'Tracking links' }).click();
    await page.getByRole('table', { name: 'Tracking links' }).waitFor();
    expect(await page.getByRole('form', { name: 'New tracking link' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);

    await page.getByRole('link', { name: 'Holdouts' }).click();
    await page.getByRole('table', { name: 'Holdouts' }).waitFor();
    expect(await page.getByRole('form', { name: 'New holdout' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Measure lift of Spring control group' }).click();
    await page.getByRole('table', { name: 'Lift' }).waitFor();
    await screenshot(page, 'console-viewer-holdouts');

    expect(await statusOf(page, '/v1/attribution/settings', 'PUT', { lookbackDays: 90 })).toBe(403);
    expect(await statusOf(page, '/v1/attribution/links', 'POST', { campaignId: 'spring-launch', channel: 'creators', destinationUrl: 'https://shop.example/' })).toBe(403);
    expect(await statusOf(page, '/v1/attribution/holdouts', 'POST', { name: 'Mine', campaignId: 'spring-launch', segmentId, share: 0.5 })).toBe(403);
    expect((await call<Settings>('GET', '/v1/attribution/settings')).lookbackDays).toBe(14);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
