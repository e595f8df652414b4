import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test/ffmpeg-fixtures';
import { makeImage } from '../test/media-fixtures';
import { probeOutput } from '../test/pixels';
import { launchChromium, screenshot, startStudioHost, watchPageErrors, type RunningHost } from './harness';

let host: RunningHost;
let browser: Browser;
let page: Page;
let errors: string[];
let outputDir: string;

beforeAll(async () => {
  outputDir = await tempDir('e2e-influencer-out');
  [host, browser] = await Promise.all([startStudioHost({ KATA_DATA_DIR: await tempDir('e2e-influencers'), KATA_ENCODER_PRESET: 'ultrafast' }), launchChromium()]);
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
  });

  it('hears the voice, then renders the video for every platform of the persona', async () => {
    await page.getByLabel('Choose portrait image').setInputFiles(await makeImage({ width: 384, height: 512, color: '#c08060' }));
    await expect.poll(() => page.getByLabel('Portrait', { exact: true }).inputValue()).toMatch(/c08060/);
    await page.getByRole('button', { name: 'Hear the voice' }).click();
    const audio = page.getByLabel('Voice preview');
    await audio.waitFor({ timeout: 20_000 });
    const seconds = await audio.evaluate((a: HTMLAudioElement) => (a.readyState >= 1 ? a.duration : new Promise<number>((resolve) => a.addEventListener('loadedmetadata', () => resolve(a.duration)))));
    expect(seconds).toBeGreaterThan(5);
    await page.evaluate((folder) => localStorage.setItem('kata.renderFolder', folder), outputDir);
    await page.getByRole('button', { name: 'Render all platforms' }).click();
    await page.getByRole('heading', { level: 1, name: 'Renders' }).waitFor({ timeout: 30_000 });
    const job = page.getByRole('listitem', { name: /^Render of Maya/ });
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 90_000 }).toBe('done');
    // The render itself: not the preview clip made after it, nor that clip's hidden partial file while it is written.
    const [file] = readdirSync(outputDir).filter((f) => f.endsWith('.mp4') && !f.startsWith('.') && !f.endsWith('.preview.mp4'));
    const probe = await probeOutput(join(outputDir, file!));
    expect(probe.video).toMatchObject({ width: 1080, height: 1920 });
    expect(probe.audio?.codec).toBe('aac');
    await screenshot(page, 'influencer-rendered');
    expect(errors).toEqual([]);
  });
});
