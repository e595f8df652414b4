import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, startHub, watchPageErrors, type HubOwner, type RunningHub } from './harness';
import { joinConsole, signInToConsole, statusOf } from './console-pages';

const owner: HubOwner = { workspace: 'Acme Marketing', slug: 'acme', name: 'Maya Lee', email: 'maya@acme.example', password: 'a long enough passphrase' };
const viewer = { name: 'Victor Vu', email: 'victor@acme.example', password: 'another long passphrase' };

let hub: RunningHub;
let browser: Browser;
let token: string;
let writeKey: string;
const campaigns = { spring: randomUUID(), summer: randomUUID() };
/** Shop customers who said yes to profiling (experiments count only them). */
const customers = Array.from({ length: 500 }, (_, i) => `shopper-${i}`);

async function call<T>(method: string, path: string, body?: unknown, auth: Record<string, string> = { authorization: `Bearer ${token}` }): Promise<T> {
  const response = await fetch(`${hub.url}${path}`, { method, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...auth }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Sends messages through the Hub's public batch endpoint with the website's write key, 400 at a time. */
async function ingest(messages: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 400) await call('POST', '/v1/batch', { batch: messages.slice(i, i + 400) }, { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` });
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const exposure = (userId: string, experimentId: string, variantId: string) => ({ type: 'track', messageId: `${userId}-${experimentId}-seen`, userId, event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: variantId }, timestamp: minutesAgo(10) });
const order = (userId: string) => ({ type: 'track', messageId: `${userId}-order`, userId, event: 'Order Completed', properties: { revenue: 40 }, timestamp: minutesAgo(5) });

beforeAll(async () => {
  [hub, browser] = await Promise.all([startHub({ owner }), launchChromium()]);
  const login = await fetch(`${hub.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.email, password: owner.password, client: 'studio' }) });
  token = ((await login.json()) as { accessToken: string }).accessToken;
  // Two campaigns pushed as Studio pushes them.
  await call('POST', '/v1/sync/push', {
    deviceId: randomUUID(),
    mutations: Object.entries(campaigns).map(([name, id]) => ({ id: randomUUID(), recordType: 'campaign', recordId: id, op: 'create', baseRev: 0, changes: { name, objective: 'conversion' }, deviceTime: new Date().toISOString() })),
  });
  ({ writeKey } = await call<{ writeKey: string }>('POST', '/v1/write-keys', { name: 'Shop' }));
  await ingest(customers.map((userId) => ({ type: 'identify', messageId: `${userId}-identify`, userId, traits: { plan: 'gold' }, context: { consent: { categoryPreferences: { profiling: true } } }, timestamp: minutesAgo(60) })));
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

/** A table's body rows as their cells' text, the row header first. */
function rowsOf(page: Page, table: string): Promise<string[][]> {
  return page
    .getByRole('table', { name: table, exact: true })
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => (cell.textContent ?? '').replace(/\u00a0/g, ' '))));
}

interface Results {
  results: { variants: { variantId: string; n: number; conversions: number }[]; sampleRatio: { mismatch: boolean }; analysis: { variants: { name: string; comparison: { pValue: number } | null }[] } | null; decision: { state: string } };
}

describe('the console’s experiment pages, in Chromium against a real Hub', () => {
  it('an admin sets up an experiment (the Hub’s refusals shown beside the fields), starts it, and reads its live results as events arrive', async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1100 }, locale: 'en-US' });
    const page = await context.newPage();
    const errors = watchPageErrors(page, [/status of 401/, /status of 400/]);
    await signInToConsole(page, hub.url, owner);
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByText('No experiments yet: set one up with “New experiment”.').waitFor();
    await page.getByRole('button', { name: 'New experiment' }).click();

    const form = page.getByRole('form', { name: 'New experiment' });
    await form.getByLabel('Experiment name').fill('Spring hooks');
    await form.getByLabel('Campaign id (synced from Studio)').fill(campaigns.spring);
    const variant = (n: number) => form.getByRole('group', { name: `Variant ${n}` });
    await variant(1).getByLabel('Studio record id').fill('render-calm');
    await variant(2).getByLabel('Name', { exact: true }).fill('Bold hook');
    await variant(2).getByLabel('Id', { exact: true }).fill('bold');
    await variant(2).getByLabel('Studio record id').fill('render-bold');
    // Too much held out, and a bandit sharing out more than all the traffic: refused, each beside its field.
    await form.getByLabel('Held-out share (0 to 0.5)').fill('0.9');
    await form.getByLabel('Move traffic to the better variants as results come in').check();
    await form.getByLabel('Smallest share per variant').fill('0.6');
    await form.getByRole('button', { name: 'Create experiment' }).click();
    const holdout = form.getByLabel('Held-out share (0 to 0.5)');
    await expect.poll(() => holdout.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await holdout.getAttribute('aria-describedby'))!;
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toMatch(/at most 0\.5/);
    expect(await form.getByLabel('Smallest share per variant').getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'console-experiment-refused');

    await holdout.fill('0');
    await form.getByLabel('Move traffic to the better variants as results come in').uncheck();
    await form.getByRole('button', { name: 'Create experiment' }).click();
    const detail = page.getByRole('region', { name: 'Experiment Spring hooks' });
    await detail.getByRole('button', { name: 'Start' }).click();
    await detail.getByRole('button', { name: 'Stop' }).waitFor();
    // The history is read again after the start, a moment after the buttons change.
    await expect.poll(() => rowsOf(page, 'Weight history'), { timeout: 15_000, interval: 250 }).toEqual([[expect.any(String), 'started', '50.0 %', '50.0 %']]);
    const experimentId = new URL(page.url()).searchParams.get('experiment')!;

    // 40 customers see each variant; 8 of the control's buy, 20 of the bold hook's.
    const control = customers.slice(0, 40);
    const bold = customers.slice(40, 80);
    await ingest([...control.map((u) => exposure(u, experimentId, 'control')), ...bold.map((u) => exposure(u, experimentId, 'bold')), ...control.slice(0, 8).map(order), ...bold.slice(0, 20).map(order)]);
    // The page reads the results again by itself while the experiment runs.
    await expect.poll(() => rowsOf(page, 'Results by variant').then((rows) => rows.map((row) => row.slice(0, 5))), { timeout: 30_000, interval: 500 }).toEqual([
      ['Control', '50.0 %', '40', '8', '20.00 %'],
      ['Bold hook', '50.0 %', '40', '20', '50.00 %'],
    ]);
    const { results } = await call<Results>('GET', `/v1/experiments/${experimentId}/results`);
    expect(results.variants.map((v) => [v.variantId, v.n, v.conversions])).toEqual([['control', 40, 8], ['bold', 40, 20]]);
    const pValue = results.analysis!.variants[1]!.comparison!.pValue;
    const [, boldRow] = await rowsOf(page, 'Results by variant');
    expect(boldRow![5]).toBe('+150.0 %');
    expect(boldRow![7]).toBe(pValue < 0.0001 ? '< 0.0001' : pValue.toFixed(4));
    expect(results.sampleRatio.mismatch).toBe(false);
    expect(await page.getByTestId('srm-warning').count()).toBe(0);
    // The lift and its interval are drawn beside the table.
    expect(await detail.locator('.chart .recharts-bar-rectangle').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('decision').textContent()).toMatch(results.decision.state === 'decided' ? /^Decided/ : /^Collecting/);
    await screenshot(page, 'console-experiment-results');

    // Promoted by keyboard: the bold hook becomes the campaign's active creative.
    await detail.getByLabel('Variant to promote').selectOption('bold');
    await detail.getByRole('button', { name: 'Promote' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => call<{ status: string; winnerVariantId: string }>('GET', `/v1/experiments/${experimentId}`)).toMatchObject({ status: 'decided', winnerVariantId: 'bold' });
    await expect.poll(() => rowsOf(page, 'Experiments').then((rows) => rows[0]!.slice(0, 4))).toEqual(['Spring hooks', 'decided', campaigns.spring, 'winner: Bold hook']);
    // The detail is read again on its own, a moment after the list.
    await expect.poll(() => detail.getByRole('button', { name: 'Promote' }).count(), { timeout: 15_000, interval: 250 }).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('warns of a sample-ratio mismatch when the split is skewed, and decides nothing', async () => {
    const definition = { variants: [{ id: 'control', name: 'Control', ref: { recordType: 'persona', recordId: 'ava' } }, { id: 'warm', name: 'Warm voice', ref: { recordType: 'persona', recordId: 'ben' } }], primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' } };
    const { id } = await call<{ id: string }>('POST', '/v1/experiments', { campaignId: campaigns.summer, name: 'Summer voices', definition });
    await call('POST', `/v1/experiments/${id}/start`, {});
    // 300 against 200 on a 50/50 split: chi-square 20, p ≈ 8e-6.
    await ingest(customers.map((u, i) => exposure(u, id, i < 300 ? 'control' : 'warm')));

    const context = await browser.newContext({ viewport: { width: 1500, height: 1100 }, locale: 'en-US' });
    const page = await context.newPage();
    const errors = watchPageErrors(page, [/status of 401/]);
    await signInToConsole(page, hub.url, owner);
    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('button', { name: 'Summer voices' }).click();
    const banner = page.getByTestId('srm-warning');
    await banner.waitFor();
    expect(await banner.getAttribute('role')).toBe('alert');
    expect((await banner.textContent())!.replace(/\u00a0/g, ' ')).toContain('Expected Control 250, Warm voice 250; got Control 300, Warm voice 200.');
    expect(await page.getByTestId('decision').textContent()).toMatch(/^Sample ratio mismatch/);
    const { results } = await call<Results>('GET', `/v1/experiments/${id}/results`);
    expect(results.sampleRatio.mismatch).toBe(true);
    await screenshot(page, 'console-experiment-srm');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('a viewer reads the results but sees no set-up, start, stop or promote, and the Hub refuses them anyway', async () => {
    const { experiments } = await call<{ experiments: { id: string; name: string }[] }>('GET', '/v1/experiments');
    const summer = experiments.find((e) => e.name === 'Summer voices')!;
    const { link } = await call<{ link: string }>('POST', '/v1/invitations', { email: viewer.email, role: 'viewer' });
    const context = await browser.newContext({ viewport: { width: 1500, height: 1100 }, locale: 'en-US' });
    const page = await context.newPage();
    const errors = watchPageErrors(page, [/status of 40[13]/]);
    await joinConsole(page, link, viewer);

    await page.getByRole('link', { name: 'Experiments' }).click();
    await page.getByRole('button', { name: 'Summer voices' }).click();
    await page.getByRole('table', { name: 'Results by variant' }).waitFor();
    await page.getByTestId('srm-warning').waitFor();
    for (const name of ['New experiment', 'Start', 'Restart', 'Stop', 'Promote']) expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0);
    await screenshot(page, 'console-viewer-experiment');

    expect(await statusOf(page, `/v1/experiments/${summer.id}/stop`, 'POST', {})).toBe(403);
    expect(await statusOf(page, `/v1/experiments/${summer.id}/promote`, 'POST', { variantId: 'warm' })).toBe(403);
    expect(await statusOf(page, `/v1/experiments/${summer.id}/results`)).toBe(200);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
