import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, startHub, startStudioHost, watchPageErrors, type HubOwner, type RunningHost } from './harness';

const owner: HubOwner = { workspace: 'Acme Marketing', slug: 'acme', name: 'Maya Lee', email: 'maya@acme.example', password: 'a long enough passphrase' };

let hub: Awaited<ReturnType<typeof startHub>>;
let studio: RunningHost;
let browser: Browser;
let token: string;
let writeKey: string;
let segmentId: string;

/** The Hub's API as the owner. */
async function hubCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${hub.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** Events as an analytics library sends them: /v1/batch with the write key as Basic auth user. */
async function sendBatch(batch: unknown[]): Promise<void> {
  const response = await fetch(`${hub.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` },
    body: JSON.stringify({ batch }),
  });
  expect(response.status, await response.text()).toBe(200);
}

const emailMarketing = (granted: boolean) => ({ consent: { categoryPreferences: { 'Email Marketing': granted } } });

async function snapshot(): Promise<{ version: number; memberCount: number }> {
  return hubCall('POST', `/v1/segments/${segmentId}/snapshot`, {});
}

beforeAll(async () => {
  [hub, browser] = await Promise.all([startHub({ owner }), launchChromium()]);
  const login = await fetch(`${hub.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.email, password: owner.password, client: 'studio' }) });
  expect(login.status).toBe(200);
  ({ accessToken: token } = (await login.json()) as { accessToken: string });
  ({ writeKey } = await hubCall<{ writeKey: string }>('POST', '/v1/write-keys', { name: 'Website' }));

  // Three readers who said yes to email marketing, one who did not.
  await sendBatch([
    { type: 'identify', messageId: 'id-ana', userId: 'ana', traits: { email: 'ana@example.com', newsletter: true }, context: emailMarketing(true) },
    { type: 'identify', messageId: 'id-ben', userId: 'ben', traits: { email: 'ben@example.com', newsletter: true }, context: emailMarketing(true) },
    { type: 'identify', messageId: 'id-cleo', userId: 'cleo', traits: { email: 'cleo@example.com', newsletter: true }, context: emailMarketing(true) },
    { type: 'identify', messageId: 'id-dan', userId: 'dan', traits: { email: 'dan@example.com', newsletter: true } },
  ]);
  const segment = await hubCall<{ id: string }>('POST', '/v1/segments', { name: 'Newsletter readers', purpose: 'email-marketing', rule: { version: 1, match: { trait: 'newsletter', op: 'eq', value: true } } });
  segmentId = segment.id;
  expect(await snapshot()).toMatchObject({ version: 1, memberCount: 3 });
  studio = await startStudioHost();
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await studio?.stop();
  await hub?.stop();
});

const statusSyncNow = (page: Page) => page.getByRole('contentinfo', { name: 'Status' }).getByRole('button', { name: 'Sync now' });

/** Sync now from the status bar, and wait until that sync is over. */
async function syncNow(page: Page): Promise<void> {
  await expect.poll(() => statusSyncNow(page).isEnabled(), { timeout: 30_000 }).toBe(true);
  await statusSyncNow(page).click();
  await expect.poll(() => page.getByTestId('status-sync').textContent(), { timeout: 30_000 }).toBe('Synced');
  await expect.poll(() => statusSyncNow(page).isEnabled(), { timeout: 30_000 }).toBe(true);
}

describe("Studio's audience, pulled from the Hub, in Chromium", () => {
  it('lists the segments with counts and freshness, keeps the members of targeted ones, and drops a member whose consent was withdrawn', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(studio.url);

    // Sign in as the owner, with the Hub's password page in a new tab.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Hub address').fill(hub.url);
    await page.getByRole('button', { name: 'Save address' }).click();
    await expect.poll(() => page.getByTestId('status-hub').textContent(), { timeout: 30_000 }).toBe('Hub: connected, not signed in');
    const [signInTab] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Sign in…' }).click()]);
    await signInTab.getByLabel('Email', { exact: true }).fill(owner.email);
    await signInTab.getByLabel('Password', { exact: true }).fill(owner.password);
    await signInTab.getByRole('button', { name: 'Sign in', exact: true }).click();
    await signInTab.getByRole('button', { name: 'Allow' }).click();
    await signInTab.getByText('you can close this tab', { exact: false }).waitFor();
    await signInTab.close();
    await expect.poll(() => page.getByTestId('status-hub').textContent(), { timeout: 30_000 }).toBe('Hub: Maya Lee · Acme Marketing');
    await expect.poll(() => page.getByTestId('status-sync').textContent(), { timeout: 30_000 }).toBe('Synced');

    // The first sync pulled the segment: the Audience page lists it, its members not pulled yet (no campaign targets it).
    await page.getByRole('link', { name: 'Audience' }).click();
    const segmentItem = page.getByRole('list', { name: 'Segments' }).getByTestId('segment').filter({ hasText: 'Newsletter readers' });
    await expect.poll(() => segmentItem.textContent(), { timeout: 30_000 }).toContain('Members are pulled when a campaign targets this segment');
    expect(await segmentItem.textContent()).toMatch(/For email-marketing · 3 consented members · membership v1 computed (just now|\d+ min ago) · pulled (just now|\d+ min ago)/);
    await screenshot(page, 'audience-before-targeting');

    // A campaign picks the segment it targets.
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('button', { name: 'Create your first campaign' }).click();
    const form = page.getByRole('region', { name: 'New campaign' });
    await form.getByLabel('Name').fill('Spring newsletter');
    await form.getByRole('group', { name: 'Segments' }).getByText('Newsletter readers (3)').click();
    expect(await form.getByRole('checkbox', { name: 'Newsletter readers (3)' }).isChecked()).toBe(true);
    await screenshot(page, 'audience-campaign-picks-segment');
    await form.getByRole('button', { name: 'Create campaign' }).click();
    await page.getByRole('list', { name: 'Campaign list' }).getByRole('button', { name: /Spring newsletter/ }).waitFor();

    // Sync now: the targeted segment's consented members are kept on this computer.
    await syncNow(page);
    await page.getByRole('link', { name: 'Audience' }).click();
    await expect.poll(() => segmentItem.textContent(), { timeout: 30_000 }).toContain('3 members kept on this computer');
    expect(await segmentItem.textContent()).toMatch(/3 consented members · membership v1 computed (just now|\d+ min ago) · pulled (just now|\d+ min ago)/);
    await screenshot(page, 'audience-synced');

    // A reader withdraws consent on the Hub; a new snapshot drops them.
    await sendBatch([{ type: 'track', messageId: 'withdraw-ben', userId: 'ben', event: 'Unsubscribed', context: emailMarketing(false) }]);
    expect(await snapshot()).toMatchObject({ version: 2, memberCount: 2 });

    // Next sync: Studio's copy drops the member too.
    await syncNow(page);
    await expect.poll(() => segmentItem.textContent(), { timeout: 30_000 }).toContain('2 members kept on this computer');
    expect(await segmentItem.textContent()).toMatch(/2 consented members · membership v2 computed (just now|\d+ min ago)/);
    await screenshot(page, 'audience-after-withdrawal');

    // The campaign's picker shows the new count.
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('list', { name: 'Campaign list' }).getByRole('button', { name: /Spring newsletter/ }).click();
    await expect.poll(() => page.getByRole('checkbox', { name: 'Newsletter readers (2)' }).isChecked()).toBe(true);

    // An experiment on the campaign (made on the Hub): its live leader on the campaign page, then its promoted winner after a sync.
    const pulled = await hubCall<{ changes: { recordId: string; recordType: string; fields: { name?: string } }[] }>('GET', '/v1/sync/pull?limit=1000');
    const campaignId = pulled.changes.find((r) => r.recordType === 'campaign' && r.fields.name === 'Spring newsletter')!.recordId;
    const variants = [{ id: 'control', name: 'Calm hook', ref: { recordType: 'render', recordId: 'render-calm' } }, { id: 'bold', name: 'Bold hook', ref: { recordType: 'render', recordId: 'render-bold' } }];
    const experiment = await hubCall<{ id: string }>('POST', '/v1/experiments', { campaignId, name: 'Spring hooks', definition: { variants, primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' } } });
    await hubCall('POST', `/v1/experiments/${experiment.id}/start`, {});
    const shoppers = ['s1', 's2', 's3', 's4', 's5', 's6'];
    await sendBatch([
      ...shoppers.map((userId) => ({ type: 'identify', messageId: `id-${userId}`, userId, traits: {}, context: { consent: { categoryPreferences: { profiling: true } } } })),
      ...shoppers.map((userId, i) => ({ type: 'track', messageId: `seen-${userId}`, userId, event: 'Experiment Viewed', properties: { experiment_id: experiment.id, variant_id: i < 3 ? 'control' : 'bold' } })),
      ...['s1', 's4', 's5'].map((userId) => ({ type: 'track', messageId: `order-${userId}`, userId, event: 'Order Completed', properties: {} })),
    ]);
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('list', { name: 'Campaign list' }).getByRole('button', { name: /Spring newsletter/ }).click();
    await expect.poll(() => page.getByTestId('live-leader').textContent(), { timeout: 30_000 }).toMatch(/^Experiment “Spring hooks”, live: Bold hook leads \(66\.7 % converted/);
    await hubCall('POST', `/v1/experiments/${experiment.id}/promote`, { variantId: 'bold' });
    await syncNow(page);
    await expect.poll(() => page.getByTestId('active-creative').textContent(), { timeout: 30_000 }).toMatch(/^Showing render render-bold · promoted by experiment “Spring hooks” on /);
    // The experiment is decided: no longer shown as live.
    await expect.poll(() => page.getByTestId('live-leader').count(), { timeout: 30_000 }).toBe(0);
    await screenshot(page, 'campaign-winning-creative');

    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);
});
