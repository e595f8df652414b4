import { execFileSync } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, startHub, startStudioHost, watchPageErrors, type RunningHost } from './harness';

let host: RunningHost;
let browser: Browser;

beforeAll(async () => {
  [host, browser] = await Promise.all([startStudioHost(), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

const ffmpegVersion = /^ffmpeg version (\S+)/.exec(execFileSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8' }))![1]!;

const pages = [
  { label: 'Campaigns', key: '1', empty: 'No campaigns yet', next: 'Create your first campaign' },
  { label: 'Compositor', key: '2', empty: 'No compositions yet', next: 'Go to Campaigns' },
  { label: 'Influencers', key: '3', empty: 'No personas yet', next: 'Create a persona' },
  { label: 'Audience', key: '4', empty: 'No segments yet', next: 'Check the Hub connection' },
  { label: 'Renders', key: '5', empty: 'No renders yet', next: 'Open the Compositor' },
];

describe('the Studio shell in Chromium', () => {
  it('shows version, the FFmpeg it found and the Hub status', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(host.url);
    await expect.poll(() => page.getByTestId('status-ffmpeg').textContent()).toBe(`FFmpeg ${ffmpegVersion}`);
    expect(await page.getByTestId('status-hub').textContent()).toBe('Hub: not connected');
    await expect.poll(() => page.getByTestId('status-sync').textContent()).toBe('Sync: signed out');
    expect(await page.getByRole('button', { name: 'Sync now' }).isVisible()).toBe(true);
    expect(await page.getByTestId('status-version').textContent()).toMatch(/^Kata Studio \d+\.\d+\.\d+/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('reaches every page from the sidebar, each with an empty state and a next step', async () => {
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    await page.goto(host.url);
    for (const target of pages) {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: target.label }).click();
      await page.getByRole('heading', { level: 1, name: target.label }).waitFor();
      await page.getByRole('heading', { level: 2, name: target.empty }).waitFor();
      expect(await page.getByRole('button', { name: target.next }).isVisible()).toBe(true);
      await screenshot(page, `page-${target.label.toLowerCase()}`);
    }
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await expect.poll(() => page.getByTestId('ffmpeg-version').textContent()).toBe(ffmpegVersion);
    expect(await page.getByRole('row').filter({ hasText: 'Missing' }).count()).toBe(0);
    await screenshot(page, 'page-settings');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('moves between pages with the keyboard alone', async () => {
    const page = await browser.newPage();
    await page.goto(host.url);
    await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
    for (const target of [...pages].reverse()) {
      await page.keyboard.press(`Control+${target.key}`);
      await page.getByRole('heading', { level: 1, name: target.label }).waitFor();
      expect(page.url()).toContain(`#/${target.label.toLowerCase()}`);
    }
    // Tab reaches the sidebar links and Enter follows them.
    await page.keyboard.press('Tab'); // skip link
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Campaigns/);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Compositor' }).waitFor();
    await page.close();
  });

  it('keeps working, and says so, when the page has no valid token', async () => {
    const page = await browser.newPage();
    await page.goto(`${host.origin}/?token=wrong`);
    await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Cannot reach Studio' }).count(), { timeout: 10_000 }).toBe(1);
    await screenshot(page, 'no-token');
    await page.close();
  });

  it('shows the Hub as connected when KATA_HUB_URL points at a running Hub', async () => {
    const hub = await startHub();
    const withHub = await startStudioHost({ KATA_HUB_URL: hub.url });
    try {
      const page = await browser.newPage();
      await page.goto(withHub.url);
      await expect.poll(() => page.getByTestId('status-hub').textContent()).toBe('Hub: connected, not signed in');
      await page.close();
    } finally {
      await withHub.stop();
      await hub.stop();
    }
  });
});
