import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetScenario, simulatedBudgetHistory } from '../server/test/budget-history';
import { launchChromium, screenshot, startHub, watchPageErrors, type HubOwner, type RunningHub } from './harness';
import { joinConsole, statusOf } from './console-pages';

const owner: HubOwner = { workspace: 'Acme Marketing', slug: 'acme', name: 'Maya Lee', email: 'maya@acme.example', password: 'a long enough passphrase' };
const admin = { name: 'Ada Admin', password: 'an admin passphrase here' };
const viewer = { name: 'Victor Vu', password: 'another long passphrase' };

let hub: RunningHub;
let browser: Browser;
let token: string;

async function call<T>(method: string, path: string, body?: unknown, auth: Record<string, string> = { authorization: `Bearer ${token}` }): Promise<T> {
  const response = await fetch(`${hub.url}${path}`, { method, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...auth }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Advice {
  id: string;
  status: string;
  currency: string;
  channels: { channel: string; current: number; proposed: number }[];
}

/** Joins the workspace through an invitation link in a fresh browser context, as the given role. */
async function join(role: 'admin' | 'viewer', who: { name: string; password: string }) {
  const { link } = await call<{ link: string }>('POST', '/v1/invitations', { email: `${role}@acme.example`, role });
  const context = await browser.newContext({ viewport: { width: 1500, height: 1100 }, locale: 'en-US' });
  const page = await context.newPage();
  await joinConsole(page, link, who);
  return { context, page };
}

beforeAll(async () => {
  [hub, browser] = await Promise.all([startHub({ owner }), launchChromium()]);
  const login = await fetch(`${hub.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.email, password: owner.password, client: 'studio' }) });
  token = ((await login.json()) as { accessToken: string }).accessToken;
  // Thirty weeks of a shop's spend and orders drawn from known response curves (server/test/budget-history.ts),
  // and a last-touch attribution run by channel over them.
  const { spendLines, messages } = simulatedBudgetHistory();
  await call('PUT', '/v1/attribution/settings', { reportingCurrency: budgetScenario.currency });
  await call('POST', '/v1/attribution/spend', { lines: spendLines });
  const { writeKey } = await call<{ writeKey: string }>('POST', '/v1/write-keys', { name: 'Website' });
  await call('POST', '/v1/batch', { batch: messages }, { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` });
  const run = await call<{ id: string }>('POST', '/v1/attribution/runs', { models: ['last'], grouping: 'channel', from: budgetScenario.firstMonday, to: budgetScenario.lastSunday });
  let status = 'queued';
  for (let i = 0; i < 400 && (status === 'queued' || status === 'running'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    status = (await call<{ status: string }>('GET', `/v1/attribution/runs/${run.id}`)).status;
  }
  if (status !== 'completed') throw new Error(`The attribution run the advice needs ended ${status}.`);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

describe('the console: budget advice', () => {
  it('an admin asks for advice with bounds, reads it as a chart and a table, and approves it into the budget plan', async () => {
    const { context, page } = await join('admin', admin);
    // The second approval below is refused on purpose.
    const errors = watchPageErrors(page, [/status of 409/]);
    await page.getByRole('link', { name: 'Budget advice' }).click();
    await page.getByText('No budget advice yet.').waitFor();
    await page.getByText('No plan yet: a plan comes into force when someone approves budget advice.').waitFor();

    const form = page.getByRole('form', { name: 'New budget advice' });
    await form.getByLabel('From', { exact: true }).fill(budgetScenario.firstMonday);
    await form.getByLabel('To', { exact: true }).fill(budgetScenario.lastSunday);
    await form.getByLabel('Attribution model').selectOption('last');
    await form.getByLabel('Weekly budget').fill(String(budgetScenario.weeklyBudget));
    // Bounds from the keyboard: the button, then the row's fields in order.
    await form.getByRole('button', { name: 'Add a bound' }).focus();
    await page.keyboard.press('Enter');
    await form.getByLabel('Channel', { exact: true }).fill('paid-social');
    await page.keyboard.press('Tab');
    await page.keyboard.type('1000');
    await page.keyboard.press('Tab');
    await page.keyboard.type('8000');
    await form.getByLabel('Weekly budget').press('Enter');

    const table = page.getByRole('table', { name: 'Spend per channel' });
    await table.waitFor({ timeout: 60_000 });
    const adviceId = new URL(page.url()).searchParams.get('advice')!;
    const advice = await call<Advice>('GET', `/v1/budget/advice/${adviceId}`);
    expect(advice.status).toBe('proposed');
    const money = (value: number) => value.toLocaleString('en-US', { style: 'currency', currency: advice.currency, maximumFractionDigits: 0 });
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent ?? '')));
    expect(rows.map((row) => row.slice(0, 4))).toEqual(advice.channels.map((c) => [c.channel.replace(/-/g, ' '), money(c.current), money(c.proposed), `${money(c.channel === 'paid-social' ? 1000 : 0)} to ${money(c.channel === 'paid-social' ? 8000 : budgetScenario.weeklyBudget)}`]));
    const social = advice.channels.find((c) => c.channel === 'paid-social')!;
    expect(social.proposed).toBeGreaterThanOrEqual(1000);
    expect(social.proposed).toBeLessThan(social.current);
    await page.getByText(/^Paid social is near saturation/).waitFor();
    expect(await page.locator('.chart .recharts-bar-rectangle').count()).toBe(2 * advice.channels.length);
    await screenshot(page, 'console-budget-advice');

    await page.getByLabel('Note for the audit trail (optional)').fill('Shift to search and email for Q3');
    await page.getByRole('button', { name: 'Approve and apply' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Budget plan' }).waitFor();
    // The advice is read again on its own, a moment after the plan.
    await expect.poll(() => page.getByRole('button', { name: 'Approve and apply' }).count(), { timeout: 15_000, interval: 250 }).toBe(0);
    const { plan } = await call<{ plan: { adviceId: string; channels: { channel: string; weeklySpend: number }[] } }>('GET', '/v1/budget/plan');
    expect(plan.adviceId).toBe(adviceId);
    expect(plan.channels).toEqual(advice.channels.map((c) => expect.objectContaining({ channel: c.channel, weeklySpend: c.proposed })));
    await screenshot(page, 'console-budget-approved');
    // Approved once: the Hub refuses a second approval.
    expect(await statusOf(page, `/v1/budget/advice/${adviceId}/approve`, 'POST', {})).toBe(409);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('a viewer reads the advice and the plan but sees no form and no decision, and the Hub refuses them anyway', async () => {
    const proposal = await call<Advice>('POST', '/v1/budget/advice', { from: budgetScenario.firstMonday, to: budgetScenario.lastSunday, model: 'last', weeklyBudget: 12_000 });
    const { context, page } = await join('viewer', viewer);
    const errors = watchPageErrors(page, [/status of 403/]);
    await page.goto(`${hub.url}/console/budget?advice=${proposal.id}`);
    await page.getByRole('table', { name: 'Spend per channel' }).waitFor();
    await page.getByRole('table', { name: 'Budget plan' }).waitFor();
    expect(await page.getByRole('form', { name: 'New budget advice' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Approve and apply' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Reject' }).count()).toBe(0);
    await screenshot(page, 'console-viewer-budget');
    expect(await statusOf(page, `/v1/budget/advice/${proposal.id}/approve`, 'POST', {})).toBe(403);
    expect(await statusOf(page, '/v1/budget/advice', 'POST', { from: budgetScenario.firstMonday, to: budgetScenario.lastSunday, model: 'last', weeklyBudget: 1 })).toBe(403);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
