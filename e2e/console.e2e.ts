import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { totpCode } from '../server/src/auth/totp';
import { startOpenIdProvider } from '../server/test/openid-provider';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, startHub, watchPageErrors, type HubOwner, type RunningHub } from './harness';
import { joinConsole, signInToConsole, statusOf } from './console-pages';

const owner: HubOwner = { workspace: 'Acme Marketing', slug: 'acme', name: 'Maya Lee', email: 'maya@acme.example', password: 'a long enough passphrase' };
const viewer = { name: 'Victor Vu', email: 'victor@acme.example', password: 'another long passphrase' };

let hub: RunningHub;
let browser: Browser;

beforeAll(async () => {
  [hub, browser] = await Promise.all([startHub({ owner }), launchChromium()]);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

/** The owner's bearer token, for setting things up through the API as a script would. */
async function ownerToken(): Promise<string> {
  const login = await fetch(`${hub.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.email, password: owner.password, client: 'studio' }) });
  expect(login.status).toBe(200);
  return ((await login.json()) as { accessToken: string }).accessToken;
}

describe('the Hub admin console, in Chromium against a real Hub', () => {
  it('an admin signs in, verifies the audit log, and sees the break once the chain is changed in the database', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    // (The first visit asks who is signed in: nobody yet, a 401.)
    const errors = watchPageErrors(page, [/status of 401/]);
    await signInToConsole(page, hub.url, owner);
    expect(await page.getByTestId('signed-in-as').textContent()).toBe('Maya Lee (maya@acme.example)');
    expect(await page.getByTestId('signed-in-role').textContent()).toBe('owner in acme');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('table', { name: 'Audit events' }).waitFor();
    expect(await page.getByRole('cell', { name: 'auth.login.succeeded' }).count()).toBeGreaterThan(0);
    // Filtered on the Hub: only the sign-ins.
    await page.getByLabel('Action (e.g. member.joined)').fill('auth.login.succeeded');
    await page.getByLabel('Action (e.g. member.joined)').press('Enter');
    await expect.poll(async () => new Set(await page.locator('table[aria-label="Audit events"] tbody tr td:nth-child(4)').allTextContents())).toEqual(new Set(['auth.login.succeeded']));
    await page.getByRole('button', { name: 'Clear' }).click();

    await page.getByRole('button', { name: 'Verify integrity' }).click();
    await expect.poll(() => page.getByTestId('audit-verification').textContent()).toMatch(/^The audit log is intact: \d+ events checked/);
    await screenshot(page, 'console-audit-intact');

    // Someone with access to the database rewrites what event #2 says; the Hub is stopped to open its embedded database.
    const port = Number(new URL(hub.url).port);
    await hub.stop({ keepData: true });
    const database = new PGlite(join(hub.dataDir, 'postgres'));
    const changed = await database.query(`UPDATE audit_events SET event = jsonb_set(event, '{action}', '"member.role-changed"') WHERE workspace_id = (SELECT id FROM workspaces WHERE slug = 'acme') AND sequence = 2`);
    expect(changed.affectedRows).toBe(1);
    await database.close();
    hub = await startHub({ dataDir: hub.dataDir, port });

    await page.getByRole('button', { name: 'Verify integrity' }).click();
    await expect.poll(() => page.getByTestId('audit-verification').textContent()).toMatch(/^The audit log is broken at event #2 \(changed\)/);
    await page.getByRole('button', { name: 'Show event #2' }).click();
    await expect.poll(() => page.getByTestId('audit-event-json').textContent()).toContain('"action": "member.role-changed"');
    await screenshot(page, 'console-audit-broken');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Kata Hub' }).waitFor();
    expect(await statusOf(page, '/v1/me')).toBe(401);
    expect(errors).toEqual([]);
    await context.close();
    // Restarting the Hub on a busy machine takes up to a minute or so.
  }, 240_000);

  it('an admin builds a segment with the rule builder and sees its live count; finds a customer and exports their data', async () => {
    // Customers from a website: two on the pro plan said yes to email marketing, one did not; one on the free plan did.
    const token = await ownerToken();
    const created = await fetch(`${hub.url}/v1/write-keys`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ name: 'Website' }) });
    const { writeKey } = (await created.json()) as { writeKey: string };
    const consent = (granted: boolean) => ({ consent: { categoryPreferences: { 'Email Marketing': granted } } });
    const batch = [
      { type: 'identify', messageId: 'c-ana', userId: 'ana', traits: { email: 'ana@example.com', plan: 'pro' }, context: consent(true) },
      { type: 'identify', messageId: 'c-ben', userId: 'ben', traits: { email: 'ben@example.com', plan: 'pro' }, context: consent(true) },
      { type: 'identify', messageId: 'c-cleo', userId: 'cleo', traits: { email: 'cleo@example.com', plan: 'pro' }, context: consent(false) },
      { type: 'identify', messageId: 'c-dan', userId: 'dan', traits: { email: 'dan@example.com', plan: 'free' }, context: consent(true) },
    ];
    const sent = await fetch(`${hub.url}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}` }, body: JSON.stringify({ batch }) });
    expect(sent.status).toBe(200);

    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    // (The first visit asks who is signed in: nobody yet, a 401.)
    const errors = watchPageErrors(page, [/status of 401/]);
    await signInToConsole(page, hub.url, owner);
    // A new consent purpose, set in the workspace's settings, is one a segment can be for.
    await page.getByRole('link', { name: 'Settings' }).click();
    const purposes = page.getByLabel('Purposes (comma-separated, lower-case words joined by hyphens)');
    await expect.poll(() => purposes.inputValue()).toContain('email-marketing');
    await purposes.fill(`${await purposes.inputValue()}, product-updates`);
    await purposes.press('Enter');
    await page.getByRole('form', { name: 'Consent purposes' }).getByText('Saved.').waitFor();
    await page.getByRole('link', { name: 'Segments' }).click();
    await page.getByText('No segments yet.').waitFor();
    await page.getByRole('button', { name: 'New segment' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Pro readers');
    expect(await page.getByLabel('Consent purpose').locator('option').allTextContents()).toContain('product-updates');
    await page.getByLabel('Consent purpose').selectOption('email-marketing');
    await page.getByLabel('Trait of condition 1').fill('plan');
    await page.getByLabel('Value of condition 1').fill('pro');
    // The count follows the rule: consented pro customers only.
    await expect.poll(() => page.getByTestId('segment-preview-count').textContent()).toBe('2');
    await page.getByRole('button', { name: 'Add identifier condition' }).click();
    await page.getByLabel('Presence of condition 2').selectOption('false');
    await expect.poll(() => page.getByTestId('segment-preview-count').textContent()).toBe('0');
    await page.getByRole('button', { name: 'Remove condition 2' }).click();
    await expect.poll(() => page.getByTestId('segment-preview-count').textContent()).toBe('2');
    await screenshot(page, 'console-segment-builder');
    await page.getByRole('button', { name: 'Save segment' }).click();

    const row = page.getByRole('row', { name: /Pro readers/ });
    await row.waitFor();
    await page.getByRole('button', { name: 'Count Pro readers now' }).click();
    await expect.poll(() => row.getByRole('cell').nth(2).textContent()).toBe('2');
    await screenshot(page, 'console-segments');

    // A rule can build on a saved segment.
    await page.getByRole('button', { name: 'New segment' }).click();
    await page.getByRole('button', { name: 'Remove condition 1' }).click();
    await page.getByRole('button', { name: 'Add segment condition' }).click();
    await page.getByLabel('Segment of condition 1').selectOption({ label: 'Pro readers' });
    await expect.poll(() => page.getByTestId('segment-preview-count').textContent()).toBe('2');
    await page.getByLabel('Membership of condition 1').selectOption('false');
    await expect.poll(() => page.getByTestId('segment-preview-count').textContent()).toBe('1');
    await page.getByRole('button', { name: 'Cancel' }).click();

    // A customer found by an identifier, with their consent; then an export of their data, downloaded once done.
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByRole('table', { name: 'Customers' }).waitFor();
    await expect.poll(() => page.getByRole('table', { name: 'Customers' }).getByRole('row').count()).toBe(5);
    await page.getByLabel('Value').fill('ana@example.com');
    await page.getByLabel('Value').press('Enter');
    await expect.poll(() => page.getByRole('table', { name: 'Customers' }).getByRole('row').count()).toBe(2);
    await page.getByRole('table', { name: 'Customers' }).getByRole('link').click();
    await page.getByRole('heading', { name: 'ana@example.com' }).waitFor();
    expect(await page.getByRole('table', { name: 'Consent' }).getByRole('row', { name: /email-marketing/ }).textContent()).toContain('granted');
    await screenshot(page, 'console-customer');

    await page.getByRole('link', { name: 'Privacy requests' }).click();
    await page.getByText('No privacy requests yet.').waitFor();
    await page.getByLabel('Value').fill('ana@example.com');
    await page.getByRole('button', { name: 'Submit request' }).click();
    // The export runs as a job on the Hub's queue; the page looks again while it is under way.
    await expect.poll(() => page.getByRole('table', { name: 'Privacy requests' }).getByRole('row').nth(1).textContent(), { timeout: 60_000 }).toMatch(/completed.*Download/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^person-export-.*\.json$/);
    await screenshot(page, 'console-privacy-requests');
    expect(errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('an admin creates an API key, sets up single sign-on and tests it, reviews a synced render; a member then signs in to the console through the provider', async () => {
    const idpClient = { clientId: 'kata-hub', clientSecret: 'a client secret for the test provider' };
    const provider = await startOpenIdProvider(idpClient, { hubUrl: hub.url });
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const errors = watchPageErrors(page, [/status of 40[14]/]);
      await signInToConsole(page, hub.url, owner);

      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByText('None yet.').waitFor();
      await page.getByLabel('Name').fill('Nightly audit export');
      await page.getByLabel('audit.export').check();
      await page.getByRole('button', { name: 'Create' }).click();
      await expect.poll(() => page.getByTestId('shown-once').textContent()).toMatch(/^kak_/);
      await page.getByRole('button', { name: 'Done' }).click();
      await expect.poll(() => page.getByTestId('shown-once').count()).toBe(0);
      expect(await page.getByRole('row', { name: /Nightly audit export/ }).textContent()).toContain('workspace.read, audit.export');

      await page.getByRole('link', { name: 'Single sign-on' }).click();
      const oidc = page.getByRole('form', { name: 'OIDC settings' });
      await oidc.getByText('OpenID Connect is not set up.').waitFor();
      await oidc.getByLabel('Issuer (e.g. https://acme.okta.com)').fill(provider.issuer);
      await oidc.getByLabel('Client id', { exact: true }).fill(idpClient.clientId);
      await oidc.getByLabel('Client secret', { exact: true }).fill(idpClient.clientSecret);
      await oidc.getByLabel('Email domains allowed to sign in (comma-separated)').fill('acme.example');
      await oidc.getByLabel('Role of people no group maps').selectOption('creator');
      await oidc.getByLabel('Create a member at their first sign-in').check();
      await oidc.getByRole('button', { name: 'Save' }).click();
      await oidc.getByRole('button', { name: 'Test connection' }).click();
      await expect.poll(() => oidc.getByTestId('sso-test-result').textContent()).toBe('The connection works.');
      await screenshot(page, 'console-sso-tested');

      // A render Studio synced shows in Renders.
      const render = { id: randomUUID(), recordType: 'render', recordId: 'render-1', op: 'create', baseRev: 0, changes: { name: 'Spring teaser 9:16', status: 'done' }, deviceTime: new Date().toISOString() };
      const pushed = await fetch(`${hub.url}/v1/sync/push`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await ownerToken()}` }, body: JSON.stringify({ deviceId: randomUUID(), mutations: [render] }) });
      expect(pushed.status).toBe(200);
      await page.getByRole('link', { name: 'Renders' }).click();
      await expect.poll(() => page.getByRole('row', { name: /Spring teaser 9:16/ }).textContent()).toContain('done');
      await page.getByRole('button', { name: 'Spring teaser 9:16' }).click();
      await page.getByText('"status": "done"').waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to Kata Hub' }).waitFor();

      // A member of Acme signs in with the company's identity provider and lands in the console.
      provider.signInAs('ines-1', { email: 'ines@acme.example', name: 'Inès Duarte' });
      await page.getByRole('form', { name: 'Single sign-on' }).getByLabel('Workspace (its short name, e.g. acme)').fill(owner.slug);
      await page.getByRole('button', { name: 'Continue with OpenID Connect' }).click();
      await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toBe('Inès Duarte (ines@acme.example)');
      expect(await page.getByTestId('signed-in-role').textContent()).toBe('creator in acme');
      // The console goes back to the page sign-in started from a moment after the name shows.
      await expect.poll(() => new URL(page.url()).pathname).toBe('/console/workspace/members');
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await provider.close();
    }
  }, 120_000);

  it('a viewer, joining by invitation, sees no admin actions, and the Hub refuses them anyway; two-step sign-in asks for their code', async () => {
    const invitation = await fetch(`${hub.url}/v1/invitations`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await ownerToken()}` }, body: JSON.stringify({ email: viewer.email, role: 'viewer' }) });
    expect(invitation.status).toBe(201);
    const { link } = (await invitation.json()) as { link: string };

    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors = watchPageErrors(page, [/status of 40[13]/]);
    await joinConsole(page, link, viewer);
    expect(await page.getByTestId('signed-in-role').textContent()).toBe('viewer in acme');

    await page.getByRole('table', { name: 'Members' }).waitFor();
    expect(await page.getByRole('cell', { name: 'Maya Lee' }).count()).toBe(1);
    expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Invite' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Remove' }).count()).toBe(0);
    expect(await page.getByRole('combobox').count()).toBe(0);
    await screenshot(page, 'console-viewer-members');

    // An admin page typed into the address bar shows nothing to act on either.
    await page.goto(`${hub.url}/console/audit`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('button', { name: 'Export JSON Lines' }).count()).toBe(0);

    expect(await statusOf(page, '/v1/audit/verify')).toBe(403);
    expect(await statusOf(page, '/v1/invitations', 'POST', { email: 'someone@acme.example', role: 'admin' })).toBe(403);
    expect(await statusOf(page, '/v1/members')).toBe(200);

    // Two-step sign-in, set up in the console, then asked for at the next sign-in.
    await page.getByRole('link', { name: 'Two-step sign-in' }).click();
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.getByTestId('totp-secret').textContent())!;
    await page.getByLabel('The 6-digit code the app shows').fill(totpCode(secret, new Date()));
    await page.getByLabel('The 6-digit code the app shows').press('Enter');
    await page.getByText('Two-step sign-in is on: signing in asks for a code').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Email', { exact: true }).fill(viewer.email);
    await page.getByLabel('Password', { exact: true }).fill(viewer.password);
    await page.getByLabel('Password', { exact: true }).press('Enter');
    const code = page.getByLabel('6-digit code from your authenticator app');
    await code.waitFor();
    await screenshot(page, 'console-sign-in-code');
    // The code of the next 30-second step: the one used to turn it on cannot be used again.
    await code.fill(totpCode(secret, new Date(Date.now() + 30_000)));
    await code.press('Enter');
    await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toBe('Victor Vu (victor@acme.example)');
    expect(errors).toEqual([]);
    await context.close();
  });
});
