import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOpenIdProvider } from '../server/test/openid-provider';
import { launchChromium, screenshot, startHub, startStudioHost, watchPageErrors, type HubOwner, type RunningHost } from './harness';

const owner: HubOwner = { workspace: 'Acme Marketing', slug: 'acme', name: 'Maya Lee', email: 'maya@acme.example', password: 'a long enough passphrase' };
const idpClient = { clientId: 'kata-hub', clientSecret: 'a client secret for the test provider' };

let hub: Awaited<ReturnType<typeof startHub>>;
let provider: Awaited<ReturnType<typeof startOpenIdProvider>>;
let studio: RunningHost;
let browser: Browser;

/** The owner sets up single sign-on through the Hub's API, as an administrator would (the console comes later). */
async function configureSingleSignOn(): Promise<void> {
  const login = await fetch(`${hub.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.email, password: owner.password, client: 'studio' }) });
  expect(login.status).toBe(200);
  const { accessToken } = (await login.json()) as { accessToken: string };
  const saved = await fetch(`${hub.url}/v1/sso/oidc`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
    body: JSON.stringify({ issuer: provider.issuer, ...idpClient, allowedEmailDomains: ['acme.example'], jitProvisioning: true, defaultRole: 'creator' }),
  });
  expect(saved.status).toBe(200);
}

beforeAll(async () => {
  [hub, browser] = await Promise.all([startHub({ owner }), launchChromium()]);
  provider = await startOpenIdProvider(idpClient, { hubUrl: hub.url });
  await configureSingleSignOn();
  studio = await startStudioHost();
}, 90_000);
afterAll(async () => {
  await browser?.close();
  await studio?.stop();
  await provider?.close();
  await hub?.stop();
});

describe('signing Studio in to the Hub, in Chromium', () => {
  it('signs in through the workspace identity provider in a browser tab, shows who is signed in, and signs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(studio.url);
    await expect.poll(() => page.getByTestId('status-hub').textContent()).toBe('Hub: not connected');

    // Settings: the Hub's address, then Sign in.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Hub address').fill(hub.url);
    await page.getByRole('button', { name: 'Save address' }).click();
    await expect.poll(() => page.getByTestId('status-hub').textContent()).toBe('Hub: connected, not signed in');

    provider.signInAs('ines-1', { email: 'ines@acme.example', name: 'Inès Duarte' });
    const [signInTab] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Sign in…' }).click()]);
    await page.getByText('Finish signing in in your browser').waitFor();

    // The Hub's page in the new tab: single sign-on by workspace, through the provider, back to the Hub's question.
    await signInTab.getByRole('heading', { name: 'Sign in to Kata Hub' }).waitFor();
    await screenshot(signInTab, 'hub-sign-in-page');
    await signInTab.getByLabel('Workspace', { exact: true }).last().fill(owner.slug);
    await signInTab.getByRole('button', { name: 'Continue with single sign-on' }).click();
    await signInTab.getByRole('heading', { name: 'Allow Kata Studio?' }).waitFor();
    expect(await signInTab.locator('body').textContent()).toContain('Inès Duarte (ines@acme.example) in Acme Marketing');
    await screenshot(signInTab, 'hub-sign-in-allow');
    await signInTab.getByRole('button', { name: 'Allow' }).click();
    await signInTab.getByText('you can close this tab', { exact: false }).waitFor();

    // Studio shows the person, in Settings and in the status bar.
    await expect.poll(() => page.getByTestId('hub-user').textContent()).toBe('Inès Duarte (ines@acme.example)');
    expect(await page.getByTestId('hub-workspace').textContent()).toBe('Acme Marketing (acme), as creator');
    await expect.poll(() => page.getByTestId('status-hub').textContent()).toBe('Hub: Inès Duarte · Acme Marketing');
    // Signed in, Studio syncs with the Hub through main at once.
    await expect.poll(() => page.getByTestId('status-sync').textContent(), { timeout: 15_000 }).toBe('Synced');
    await screenshot(page, 'settings-hub-signed-in');

    // A reload keeps the sign-in (main holds it, not the page).
    await page.reload();
    await expect.poll(() => page.getByTestId('status-hub').textContent()).toBe('Hub: Inès Duarte · Acme Marketing');

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Not signed in.').waitFor();
    await expect.poll(() => page.getByTestId('status-hub').textContent()).toBe('Hub: connected, not signed in');
    await expect.poll(() => page.getByTestId('status-sync').textContent()).toBe('Sync: signed out');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('cancelling in Studio stops waiting, and a refusal on the Hub page is told in Studio', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(`${studio.url}#/settings`);
    await page.getByRole('button', { name: 'Sign in…' }).waitFor();

    const [firstTab] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Sign in…' }).click()]);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('Not signed in.').waitFor();
    await firstTab.close();

    const [secondTab] = await Promise.all([context.waitForEvent('page'), page.getByRole('button', { name: 'Sign in…' }).click()]);
    await secondTab.getByLabel('Email', { exact: true }).fill(owner.email);
    await secondTab.getByLabel('Password', { exact: true }).fill('not the password');
    await secondTab.getByRole('button', { name: 'Sign in', exact: true }).click();
    await secondTab.getByRole('alert').getByText('The email or password is wrong.').waitFor();
    await secondTab.getByLabel('Email', { exact: true }).fill(owner.email);
    await secondTab.getByLabel('Password', { exact: true }).fill(owner.password);
    await secondTab.getByRole('button', { name: 'Sign in', exact: true }).click();
    await secondTab.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.getByTestId('hub-account-problem').textContent()).toMatch(/cancel|declin|denied/i);
    expect(errors).toEqual([]);
    await context.close();
  });
});
