import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, startStudioHost, watchPageErrors, type RunningHost } from './harness';

let host: RunningHost;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  [host, browser] = await Promise.all([startStudioHost(), launchChromium()]);
  // One browser context for the whole file: its IndexedDB is the user's local database across reloads.
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  errors = watchPageErrors(page);
  await page.goto(host.url);
});
afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

const list = () => page.getByRole('list', { name: 'Campaign list' });
/** "Changes waiting to sync" on the Settings page: one outbox entry per change. */
const expectOutboxCount = async (count: number) => {
  await page.keyboard.press('Control+6');
  await expect.poll(() => page.getByTestId('outbox-count').textContent()).toBe(String(count));
  await page.keyboard.press('Control+1');
};

describe('campaigns in Chromium, kept in real IndexedDB', () => {
  it('creates a campaign from the empty state, with the name checked first', async () => {
    await page.getByRole('button', { name: 'Create your first campaign' }).click();
    const form = page.getByRole('region', { name: 'New campaign' });
    await form.getByRole('button', { name: 'Create campaign' }).click();
    expect(await form.getByText('a campaign needs a name').isVisible()).toBe(true);

    await form.getByLabel('Name').fill('Spring launch');
    await form.getByLabel('Objective').selectOption('conversion');
    await form.getByLabel('Starts').fill('2027-03-01');
    await form.getByLabel('Ends').fill('2027-02-01');
    await form.getByText('TikTok').click();
    await form.getByText('Instagram').click();
    await form.getByRole('button', { name: 'Create campaign' }).click();
    expect(await form.getByText('must be on or after the start date').isVisible()).toBe(true);

    await form.getByLabel('Ends').fill('2027-04-15');
    await form.getByRole('button', { name: 'Create campaign' }).click();
    await list().getByRole('button', { name: /Spring launch/ }).waitFor();
    expect(await list().getByRole('button', { name: /Spring launch/ }).textContent()).toContain('Conversion · 2027-03-01 → 2027-04-15');
    await screenshot(page, 'campaign-created');
  });

  it('still has it after a reload', async () => {
    await page.reload();
    const item = list().getByRole('button', { name: /Spring launch/ });
    await item.waitFor();
    expect(await item.textContent()).toContain('TikTok, Instagram');
    await expectOutboxCount(1);
  });

  it('renames it, and the new name survives a reload', async () => {
    await list().getByRole('button', { name: /Spring launch/ }).click();
    const detail = page.getByRole('region', { name: 'Campaign Spring launch' });
    await detail.getByLabel('Name').fill('Spring launch EU');
    await detail.getByLabel('Name').press('Enter');
    await list().getByRole('button', { name: /Spring launch EU/ }).waitFor();
    await page.reload();
    await page.getByRole('region', { name: 'Campaign Spring launch EU' }).waitFor();
    await expectOutboxCount(2);
  });

  it('finds it by search, and says when nothing matches', async () => {
    await page.getByRole('link', { name: 'Campaigns' }).click();
    const search = page.getByRole('searchbox', { name: 'Search campaigns' });
    await search.fill('tiktok');
    expect(await list().getByRole('listitem').count()).toBe(1);
    await search.fill('winter');
    await page.getByText('No campaigns match “winter”.').waitFor();
    await search.fill('');
  });

  it('archives it with an undo, and keeps it under Archived across a reload', async () => {
    await list().getByRole('button', { name: /Spring launch EU/ }).click();
    await page.getByRole('button', { name: 'Archive campaign' }).click();
    await page.getByRole('status').getByText('Archived “Spring launch EU”').waitFor();
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByRole('button', { name: 'Archive campaign' }).waitFor();
    await page.getByRole('button', { name: 'Archive campaign' }).click();
    await page.getByRole('button', { name: 'Restore campaign' }).waitFor();
    expect(await page.getByRole('button', { name: 'Save changes' }).isDisabled()).toBe(true);

    await page.reload();
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByText('No campaigns match').or(page.getByText('Nothing here.')).waitFor();
    await page.getByRole('button', { name: 'Archived' }).click();
    expect(await list().getByRole('button', { name: /Spring launch EU/ }).textContent()).toContain('Archived');
    await screenshot(page, 'campaign-archived');
    await expectOutboxCount(5);
  });

  it('starts a new campaign with the N key', async () => {
    await page.locator('body').click({ position: { x: 600, y: 700 } });
    await page.keyboard.press('n');
    await page.getByRole('region', { name: 'New campaign' }).waitFor();
    expect(page.url()).toContain('#/campaigns/new');
    await page.keyboard.press('Escape');
    await page.getByRole('region', { name: 'New campaign' }).waitFor({ state: 'detached' });
    expect(page.url()).toMatch(/#\/campaigns$/);
  });

  it('shows a readable error for a damaged record and keeps the app alive', async () => {
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('kata-studio');
          open.onsuccess = () => {
            const tx = open.result.transaction('campaigns', 'readwrite');
            tx.objectStore('campaigns').put({ id: 'damaged', version: 1, name: 'Broken', rev: 0, updatedAt: '2026-01-01T00:00:00.000Z' });
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
          };
        }),
    );
    // Damage found on disk at start-up: open Studio afresh on that record.
    await page.goto(`${host.origin}/?token=${new URL(host.url).searchParams.get('token')}#/campaigns/damaged`);
    await page.reload();
    const alert = page.getByRole('alert');
    await alert.getByText('Something went wrong in the Campaigns page').waitFor();
    expect(await alert.textContent()).toMatch(/Invalid stored campaign/);
    await screenshot(page, 'damaged-record');
    await page.getByRole('button', { name: 'Try again' }).waitFor();
    // The list still works around the damaged record and says it is there.
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByText('1 campaign could not be read').waitFor();
    await page.getByRole('button', { name: 'All' }).click();
    await list().getByRole('button', { name: /Spring launch EU/ }).waitFor();
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    expect(errors.filter((e) => !/Invalid stored campaign|crashed|above error/.test(e))).toEqual([]);
  });
});
