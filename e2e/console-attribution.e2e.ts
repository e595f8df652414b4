import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHubspot, type FakeHubspot } from '../server/test/fakes/hubspot';
import { startFakeSalesforce } from '../server/test/fakes/salesforce';
import { launchChromium, screenshot, startHub, watchPageErrors, type HubOwner, type RunningHub } from './harness';
import { joinConsole, signInToConsole, statusOf } from './console-pages';

const owner: HubOwner = { workspace: 'Acme Marketing', slug: 'acme', name: 'Maya Lee', email: 'maya@acme.example', password: 'a long enough passphrase' };
const viewer = { name: 'Victor Vu', email: 'victor@acme.example', password: 'another long passphrase' };
const hubspotToken = 'pat-na1-e2e-acme-token';

let hub: RunningHub;
let browser: Browser;
let hubspot: FakeHubspot;
let token: string;

async function call<T>(method: string, path: string, body?: unknown, auth: Record<string, string> = { authorization: `Bearer ${token}` }): Promise<T> {
  const response = await fetch(`${hub.url}${path}`, { method, headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...auth }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

beforeAll(async () => {
  [hub, browser, hubspot] = await Promise.all([startHub({ owner }), launchChromium(), startFakeHubspot({ token: hubspotToken })]);
  const login = await fetch(`${hub.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.email, password: owner.password, client: 'studio' }) });
  token = ((await login.json()) as { accessToken: string }).accessToken;
  // A website's visitors in June 2026: Ana came from a Google ad, then a newsletter, and bought for 100;
  // Ben came from a paid Facebook post and bought for 50; Cleo typed the address and left.
  // Two shop customers on the gold plan said yes to email marketing (for the CRM).
  const { writeKey } = await call<{ writeKey: string }>('POST', '/v1/write-keys', { name: 'Website' });
  const page = (userId: string, timestamp: string, url: string, referrer: string) => ({ type: 'page', messageId: `${userId}-${timestamp}`, userId, timestamp, context: { page: { url, referrer } } });
  const order = (userId: string, timestamp: string, revenue: number) => ({ type: 'track', messageId: `${userId}-order`, userId, event: 'Order Completed', timestamp, properties: { revenue } });
  const identify = (userId: string, email: string, firstName: string) => ({ type: 'identify', messageId: `${userId}-identify`, userId, traits: { email, firstName, plan: 'gold', company: 'Acme Retail' }, context: { consent: { categoryPreferences: { 'email-marketing': true } } } });
  const batch = [
    page('ana', '2026-06-03T10:00:00Z', 'https://shop.example/?gclid=abc', 'https://www.google.com/'),
    page('ana', '2026-06-05T10:00:00Z', 'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=june', ''),
    order('ana', '2026-06-06T10:00:00Z', 100),
    page('ben', '2026-06-10T10:00:00Z', 'https://shop.example/?utm_source=facebook&utm_medium=paid-social', 'https://www.facebook.com/'),
    order('ben', '2026-06-11T10:00:00Z', 50),
    page('cleo', '2026-06-12T10:00:00Z', 'https://shop.example/', ''),
    identify('crm-ana', 'ana@shop.example', 'Ana'),
    identify('crm-ben', 'ben@shop.example', 'Ben'),
  ];
  await call('POST', '/v1/batch', { batch }, { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` });
  const segment = await call<{ id: string }>('POST', '/v1/segments', { name: 'Gold customers', purpose: 'email-marketing', rule: { version: 1, match: { trait: 'plan', op: 'eq', value: 'gold' } } });
  await call('POST', `/v1/segments/${segment.id}/snapshot`, {});
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  await hubspot?.close();
});

/** A table's body rows as their cells' text, the row header first. */
function rowsOf(page: Page, table: string): Promise<string[][]> {
  return page
    .getByRole('table', { name: table, exact: true })
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent ?? '')));
}

// The figures as the console shows them to an en-US browser, computed here on their own from the API's numbers.
const money = (value: number, currency: string) => value.toLocaleString('en-US', { style: 'currency', currency, maximumFractionDigits: 2 });
const count = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 2 });
const times = (value: number | null) => (value === null ? '—' : `${value.toLocaleString('en-US', { maximumFractionDigits: 2 })}×`);

interface ReportRow {
  key: string;
  label: string;
  conversions: number;
  value: number;
  newCustomers: number;
  spend: number;
  roas: number | null;
  cpa: number | null;
  cac: number | null;
}
interface Run {
  id: string;
  status: string;
  report: { currency: string; models: { model: string; rows: ReportRow[] }[] } | null;
}

describe('the console’s attribution and CRM connector pages, in Chromium against a real Hub', () => {
  it('an admin imports spend from a CSV file and compares models over the seeded events; the tables show the API’s numbers', async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'en-US' });
    const page = await context.newPage();
    // (The first visit asks who is signed in: nobody yet, a 401; the file with a bad line is refused, a 400.)
    const errors = watchPageErrors(page, [/status of 401/, /status of 400/]);
    await signInToConsole(page, hub.url, owner);
    await page.getByRole('link', { name: 'Attribution' }).click();
    await page.getByText('No comparisons yet: choose a date range and models above.').waitFor();

    // A file with a bad line imports nothing and names the line; the corrected file imports.
    await page.getByRole('button', { name: 'Import spend' }).click();
    await page.getByLabel('CSV file').setInputFiles({ name: 'june-spend.csv', mimeType: 'text/csv', buffer: Buffer.from('date,channel,campaign,amount\n2026-06-03,paid-search,,40\n2026-06-10,paid-social,,twenty-five\n') });
    await expect.poll(() => page.getByLabel('Contents of june-spend.csv').inputValue()).toContain('twenty-five');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('line 3: amount: "twenty-five" is not a number').waitFor();
    await page.getByLabel('Contents of june-spend.csv').fill('date,channel,campaign,amount\n2026-06-03,paid-search,,40\n2026-06-10,paid-social,,25\n2026-06-05,email,june,5\n');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByText('Imported 3 lines, 2026-06-03 to 2026-06-10.').waitFor();
    await page.getByRole('button', { name: 'Close' }).click();

    // Five models over June, by channel (first, last, linear, position and Markov are ticked to start with).
    await page.getByLabel('From', { exact: true }).fill('2026-06-01');
    await page.getByLabel('To', { exact: true }).fill('2026-06-30');
    await page.getByRole('button', { name: 'Run comparison' }).click();
    await page.getByRole('table', { name: 'Models compared by channel' }).waitFor({ timeout: 90_000 });
    const runId = new URL(page.url()).searchParams.get('run')!;
    const run = await call<Run>('GET', `/v1/attribution/runs/${runId}`);
    expect(run.status).toBe('completed');
    const { currency, models } = run.report!;
    expect(models.map((m) => m.model)).toEqual(['first', 'last', 'linear', 'position', 'markov']);
    // The seeded journeys as the Hub read them: last touch credits the newsletter with Ana's order, first touch the Google ad.
    const rowOf = (model: string, key: string) => models.find((m) => m.model === model)!.rows.find((row) => row.key === key)!;
    expect(rowOf('last', 'email')).toMatchObject({ conversions: 1, value: 100, spend: 5, roas: 20 });
    expect(rowOf('first', 'paid-search')).toMatchObject({ conversions: 1, value: 100, spend: 40, roas: 2.5, cpa: 40 });
    expect(rowOf('last', 'paid-social')).toMatchObject({ conversions: 1, value: 50, spend: 25, roas: 2 });

    // The comparison table: a row per channel, spend, then each model's credited conversions.
    const keys = [...new Set(models.flatMap((m) => m.rows.map((row) => row.key)))].sort();
    expect(await rowsOf(page, 'Models compared by channel')).toEqual(keys.map((key) => [rowOf('first', key).label, money(rowOf('first', key).spend, currency), ...models.map((m) => count(m.rows.find((row) => row.key === key)?.conversions ?? 0))]));
    // Charted beside it: a bar per model and channel.
    expect(await page.locator('.chart .recharts-bar-rectangle').count()).toBeGreaterThan(0);
    await screenshot(page, 'console-attribution-compared');

    // ROAS in the comparison; the last-touch model in full with ROAS, CPA and CAC.
    await page.getByRole('combobox', { name: /^Show/ }).selectOption('roas');
    expect(await rowsOf(page, 'Models compared by channel')).toEqual(keys.map((key) => [rowOf('first', key).label, money(rowOf('first', key).spend, currency), ...models.map((m) => times(m.rows.find((row) => row.key === key)?.roas ?? null))]));
    await page.getByRole('combobox', { name: /^Model/ }).selectOption('last');
    const last = models.find((m) => m.model === 'last')!;
    expect(await rowsOf(page, 'Last touch by channel')).toEqual(
      last.rows.map((row) => [row.label, count(row.conversions), money(row.value, currency), count(row.newCustomers), money(row.spend, currency), times(row.roas), row.cpa === null ? '—' : money(row.cpa, currency), row.cac === null ? '—' : money(row.cac, currency)]),
    );
    await page.getByRole('table', { name: 'Last touch per week' }).waitFor();
    expect(await page.locator('.chart .recharts-line').count()).toBeGreaterThan(0);
    // Spend of the range, filtered on the Hub by day.
    expect(await rowsOf(page, 'Spend')).toEqual([
      ['2026-06-03', 'paid-search', 'whole channel', money(40, currency)],
      ['2026-06-05', 'email', 'june', money(5, currency)],
      ['2026-06-10', 'paid-social', 'whole channel', money(25, currency)],
    ]);
    await page.getByRole('table', { name: 'Last touch per week' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'console-attribution-last-touch');

    // Keyboard only: the comparison is reachable and chosen with Tab and Enter.
    await page.goto(`${hub.url}/console/attribution`);
    const runButton = page.getByRole('table', { name: 'Comparisons' }).getByRole('button', { name: '2026-06-01 to 2026-06-30' });
    await runButton.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).searchParams.get('run')).toBe(runId);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('an admin connects HubSpot with a private-app token, maps a field, binds a segment, syncs, and retries a record HubSpot refused', async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'en-US' });
    const page = await context.newPage();
    // (The first visit asks who is signed in: nobody yet, a 401; disconnecting is first refused, a 409.)
    const errors = watchPageErrors(page, [/status of 401/, /status of 409/]);
    await signInToConsole(page, hub.url, owner);
    await page.getByRole('link', { name: 'CRM connectors' }).click();
    await page.getByText('No CRM connected yet: connect HubSpot or Salesforce above.').waitFor();

    await page.getByRole('button', { name: 'Connect HubSpot' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Acme HubSpot');
    await page.getByLabel('Access token', { exact: true }).fill(hubspotToken);
    await page.getByLabel('API address (empty: https://api.hubapi.com)').fill(hubspot.url);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('heading', { name: /Acme HubSpot \(HubSpot, connected\)/ }).waitFor();
    await page.getByRole('button', { name: 'Check connection' }).click();
    const connectorId = new URL(page.url()).searchParams.get('connector')!;
    const health = await call<{ ok: boolean; detail: string }>('GET', `/v1/connectors/${connectorId}/health`);
    expect(health.ok).toBe(true);
    await page.getByText(health.detail).waitFor();

    // The company trait goes to HubSpot's company property too.
    await page.getByRole('button', { name: 'Add field' }).click();
    const fields = await page.getByRole('table', { name: 'Fields' }).locator('tbody tr').count();
    await page.getByLabel(`HubSpot field ${fields}`).fill('company');
    await page.getByLabel(`Profile field ${fields}`).fill('traits.company');
    await page.getByRole('button', { name: 'Save mapping' }).click();
    await page.getByText('Mapping saved.').waitFor();

    await page.getByLabel(/Gold customers/).check();
    await page.getByRole('button', { name: 'Save segments' }).click();
    await page.getByText('Saved: the next sync pushes these segments.').waitFor();
    const connection = await call<{ segmentIds: string[]; settings: { fieldMapping: Record<string, string> } }>('GET', `/v1/connectors/${connectorId}`);
    expect(connection.settings.fieldMapping.company).toBe('traits.company');
    expect(connection.segmentIds).toHaveLength(1);

    // HubSpot refuses Ben's address this time: one record pushed, one dead letter.
    hubspot.faults.invalidEmails.add('ben@shop.example');
    await page.getByRole('button', { name: 'Sync now' }).click();
    const runs = page.getByRole('table', { name: 'Runs' });
    await runs.waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await rowsOf(page, 'Runs'))[0]?.slice(1, 6), { timeout: 60_000 }).toEqual(['completed', '1', '0', '0', '1']);
    expect(hubspot.contactByEmail('ana@shop.example')?.properties).toMatchObject({ email: 'ana@shop.example', firstname: 'Ana', company: 'Acme Retail' });
    await page.getByRole('table', { name: 'Dead letters' }).waitFor();
    expect((await rowsOf(page, 'Dead letters')).map((row) => row[2])).toEqual(['push']);
    await page.getByRole('table', { name: 'Dead letters' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'console-connectors-dead-letter');

    // Fixed on HubSpot's side; the retry pushes Ben in a new run and the dead letter goes.
    hubspot.faults.invalidEmails.clear();
    await page.getByRole('button', { name: 'Retry all' }).click();
    await expect.poll(async () => (await rowsOf(page, 'Runs')).length, { timeout: 60_000 }).toBe(2);
    await expect.poll(async () => (await rowsOf(page, 'Runs'))[0]?.slice(1, 6), { timeout: 60_000 }).toEqual(['completed', '1', '0', '0', '0']);
    await page.getByText('No dead letters: the CRM accepted every record.').waitFor();
    expect(hubspot.contactByEmail('ben@shop.example')?.properties.firstname).toBe('Ben');
    await page.getByRole('table', { name: 'Runs' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'console-connectors-history');

    // Disconnecting while HubSpot holds records the Hub pushed: refused with the reason, then done on purpose.
    page.on('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.getByText(/has 2 records in HubSpot/).waitFor();
    await page.getByRole('button', { name: 'Disconnect anyway, leaving the records in HubSpot' }).click();
    await page.getByText('No CRM connected yet: connect HubSpot or Salesforce above.').waitFor();
    expect(hubspot.contacts.size).toBe(2);
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('an admin connects Salesforce: saved, then authorized by signing in there, and back on the connection’s page', async () => {
    const salesforce = await startFakeSalesforce();
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'en-US' });
    try {
      const page = await context.newPage();
      const errors = watchPageErrors(page, [/status of 401/]);
      await signInToConsole(page, hub.url, owner);
      await page.goto(`${hub.url}/console/connectors`);
      await page.getByRole('button', { name: 'Connect Salesforce' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Acme Salesforce');
      await page.getByLabel('Consumer key (client id)').fill(salesforce.clientId);
      await page.getByLabel('Consumer secret').fill(salesforce.clientSecret);
      await page.getByLabel(/^Sign-in address/).fill(salesforce.url);
      await page.getByRole('button', { name: 'Connect', exact: true }).click();
      await page.getByRole('heading', { name: /Acme Salesforce \(Salesforce, awaiting authorization\)/ }).waitFor();
      expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
      // The Hub sends the browser to Salesforce's sign-in, Salesforce back to the Hub's callback, the Hub on to the console.
      await page.getByRole('link', { name: 'sign in to Salesforce to authorize it' }).click();
      await page.getByText('Authorized: the connection is ready to sync.').waitFor();
      await page.getByRole('heading', { name: /Acme Salesforce \(Salesforce, connected\)/ }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/console/connectors');
      await page.getByRole('button', { name: 'Sync now' }).waitFor();
      await screenshot(page, 'console-connectors-salesforce-authorized');
      // Coming back with an authorization the Hub does not know: the console says so, in its own words.
      await page.goto(`${hub.url}/v1/connectors/oauth/callback?code=made-up&state=made-up`);
      await page.getByText('That authorization is unknown, was used already or expired').waitFor();
      expect(new URL(page.url()).pathname).toBe('/console/connectors');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await salesforce.close();
    }
  }, 120_000);

  it('a viewer reads the attribution reports but sees no spend import, comparison or connect buttons, and the Hub refuses them anyway', async () => {
    const { link } = await call<{ link: string }>('POST', '/v1/invitations', { email: viewer.email, role: 'viewer' });
    const context = await browser.newContext({ viewport: { width: 1500, height: 1000 }, locale: 'en-US' });
    const page = await context.newPage();
    const errors = watchPageErrors(page, [/status of 40[13]/]);
    await joinConsole(page, link, viewer);

    await page.getByRole('link', { name: 'Attribution' }).click();
    await page.getByRole('table', { name: 'Models compared by channel' }).waitFor();
    expect(await page.getByRole('button', { name: 'Import spend' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Run comparison' }).count()).toBe(0);
    expect(await page.getByRole('link', { name: 'CRM connectors' }).count()).toBe(0);
    await screenshot(page, 'console-viewer-attribution');

    // The connectors page typed into the address bar: the Hub's refusal, nothing to act on.
    await page.goto(`${hub.url}/console/connectors`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('button', { name: 'Connect HubSpot' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Connect Salesforce' }).count()).toBe(0);

    expect(await statusOf(page, '/v1/attribution/spend/csv', 'POST', { csv: 'date,channel,amount\n2026-06-01,email,1\n' })).toBe(403);
    expect(await statusOf(page, '/v1/attribution/runs', 'POST', { from: '2026-06-01', to: '2026-06-30' })).toBe(403);
    expect(await statusOf(page, '/v1/connectors/hubspot', 'POST', { name: 'Mine', accessToken: 'pat-na1-viewer-token' })).toBe(403);
    expect(await statusOf(page, '/v1/connectors')).toBe(403);
    expect(await statusOf(page, '/v1/attribution/runs')).toBe(200);
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);
});
