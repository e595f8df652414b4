import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/ffmpeg-fixtures';
import { launchChromium, screenshot, startStudioHost, watchPageErrors, type RunningHost } from './harness';

let host: RunningHost;
let browser: Browser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  [host, browser] = await Promise.all([startStudioHost({ KATA_DATA_DIR: await tempDir('e2e-influencers') }), launchChromium()]);
  page = await (await browser.newContext({ viewport: { width: 1440, height: 1000 } })).newPage();
  errors = watchPageErrors(page);
  await page.goto(`${host.url}#/influencers`);
});
afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('influencers in Chromium', () => {
  it('creates a persona and gives it a product', async () => {
    await page.getByRole('button', { name: 'Create a persona' }).click();
    const form = page.getByRole('region', { name: 'New persona' });
    await form.getByLabel('Name').fill('Maya');
    await form.getByLabel('Handle').fill('@maya.makes');
    await form.getByLabel('Niche').fill('home coffee');
    await form.getByRole('button', { name: 'Create persona' }).click();
    const editor = page.getByRole('region', { name: 'Persona Maya' });
    await editor.waitFor();
    await editor.getByLabel('Brand', { exact: true }).fill('ThermoCo');
    await editor.getByLabel('Product', { exact: true }).fill('the ThermoCo bottle');
    await editor.getByLabel('Product benefits (one per line)').fill('keeps coffee hot for 12 hours\nfits every cup holder');
    await editor.getByLabel('Banned words (commas)').fill('cheap');
    await editor.getByRole('button', { name: 'Save persona' }).click();
    await page.getByRole('status').getByText('Saved Maya').waitFor();
  });

  it('writes script variants offline that fit TikTok and pass the safety check', async () => {
    await page.getByRole('button', { name: 'Generate 3 variants' }).click();
    await expect.poll(() => page.getByRole('region', { name: 'Scripts' }).getByRole('listitem').count()).toBe(3);
    const total = await page.getByTestId('timing-total').textContent();
    const seconds = Number(/About ([\d.]+) s/.exec(total ?? '')?.[1]);
    expect(seconds).toBeGreaterThan(10);
    expect(seconds).toBeLessThanOrEqual(30);
    expect(await page.getByTestId('safety-score').textContent()).toBe('Safety 100/100');
  });

  it('flags a risky claim as the user types, and clears when it is fixed', async () => {
    const body = page.getByRole('region', { name: /^Script / }).getByLabel(/^Body/);
    const original = await body.inputValue();
    await body.fill(`${original} It cures tiredness and it is cheap.`);
    expect(await page.getByTestId('safety-score').textContent()).toBe('Safety 20/100');
    expect(await page.locator('mark.block').allTextContents()).toEqual(['cures', 'cheap']);
    await screenshot(page, 'influencer-safety');
    await body.fill(original);
    expect(await page.getByTestId('safety-score').textContent()).toBe('Safety 100/100');
    expect(errors).toEqual([]);
  });
});
