import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/ffmpeg-fixtures';
import { makeImage, makeVideo } from '../test/media-fixtures';
import { probeOutput } from '../test/pixels';
import { launchChromium, screenshot, startStudioHost, watchPageErrors, type RunningHost } from './harness';

let host: RunningHost;
let browser: Browser;
let page: Page;
let errors: string[];
let outputDir: string;
let media: { background: string; presenter: string };

beforeAll(async () => {
  outputDir = await tempDir('e2e-renders');
  media = {
    background: await makeVideo({ seconds: 4, width: 360, height: 640, color: '#2040c0', toneHz: 300 }),
    presenter: await makeVideo({ seconds: 4, width: 320, height: 240, toneHz: 500 }),
  };
  [host, browser] = await Promise.all([
    startStudioHost({ KATA_DATA_DIR: await tempDir('e2e-data'), KATA_ENCODER_PRESET: 'ultrafast' }),
    launchChromium(),
  ]);
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  errors = watchPageErrors(page);
  await page.goto(host.url);
});
afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

const numberOf = async (label: string) => Number(await page.getByRole('spinbutton', { name: label, exact: true }).inputValue());

/** Where a point of the composition canvas is on the screen (the stage fits the canvas, centred). */
async function onScreen(x: number, y: number) {
  const box = (await page.getByTestId('editor-stage').boundingBox())!;
  const scale = Math.min((box.width - 32) / 1080, (box.height - 32) / 1920);
  return { x: box.x + (box.width - 1080 * scale) / 2 + x * scale, y: box.y + (box.height - 1920 * scale) / 2 + y * scale, scale };
}

describe('the compositor in Chromium', () => {
  it('makes a composition in a campaign and imports generated media', async () => {
    await page.getByRole('button', { name: 'Create your first campaign' }).click();
    await page.getByRole('region', { name: 'New campaign' }).getByLabel('Name').fill('Bottle launch');
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.keyboard.press('Control+2');
    await page.getByPlaceholder('Launch teaser').fill('PiP teaser');
    await page.getByRole('button', { name: 'Create composition' }).click();
    await page.getByRole('heading', { name: 'PiP teaser' }).waitFor();
    await page.getByRole('spinbutton', { name: 'Length in seconds' }).fill('3');

    await page.getByLabel('Import media files').setInputFiles([media.background, media.presenter]);
    const list = page.getByRole('region', { name: 'Media' });
    await expect.poll(() => list.getByRole('button', { name: 'Add at playhead' }).count(), { timeout: 20_000 }).toBe(2);
    expect(await list.textContent()).toContain('360x640');
  });

  it('builds a picture-in-picture by adding layers and dragging one', async () => {
    const list = page.getByRole('region', { name: 'Media' });
    const item = (name: string) => list.getByRole('listitem').filter({ hasText: name });
    await item('2040c0').getByRole('button', { name: 'Add at playhead' }).click();
    await item('testsrc2').getByRole('button', { name: 'Add at playhead' }).click();
    await expect.poll(() => page.locator('.clip-block').count()).toBe(2);
    // The timeline lists the top layer first: the presenter, added second, went on a new layer above the background.
    await page.locator('.clip-block.video').first().click();
    expect(await page.getByRole('complementary', { name: 'Properties' }).getByRole('heading').textContent()).toContain('testsrc2');
    await page.getByRole('button', { name: 'PiP bottom-right' }).click();
    const before = { x: await numberOf('X'), y: await numberOf('Y') };
    expect(before.x).toBeGreaterThan(700);

    const from = await onScreen(before.x, before.y);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let step = 1; step <= 10; step++) await page.mouse.move(from.x - step * 12, from.y - step * 15);
    await page.mouse.up();
    const after = { x: await numberOf('X'), y: await numberOf('Y') };
    expect(after.x).toBeLessThan(before.x - 200);
    expect(after.y).toBeLessThan(before.y - 200);
    expect(after.x).toBeGreaterThan(178);
    await expect.poll(() => page.getByTestId('editor-stage').getAttribute('aria-busy'), { timeout: 10_000 }).toBe('false');
    await screenshot(page, 'compositor-pip');

    // One drag is one undo step, and redo brings it back.
    await page.keyboard.press('Control+z');
    expect(await numberOf('X')).toBeCloseTo(before.x, 0);
    await page.keyboard.press('Control+Shift+Z');
    expect(await numberOf('X')).toBeCloseTo(after.x, 0);
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('All changes saved');
    (globalThis as { afterDrag?: typeof after }).afterDrag = after;
  });

  it('reopens unchanged after a reload', async () => {
    const after = (globalThis as { afterDrag?: { x: number; y: number } }).afterDrag!;
    await page.reload();
    await page.getByRole('heading', { name: 'PiP teaser' }).waitFor();
    expect(await page.locator('.clip-block').count()).toBe(2);
    await page.locator('.clip-block.video').first().click();
    expect(await numberOf('X')).toBeCloseTo(after.x, 0);
    expect(await numberOf('Y')).toBeCloseTo(after.y, 0);
  });

  it('places a product image on four corners, adds a look and a caption, and undoes them', async () => {
    const product = await makeImage({ width: 200, height: 200, color: '#ff8800' });
    await page.getByLabel('Import media files').setInputFiles([product]);
    const list = page.getByRole('region', { name: 'Media' });
    await expect.poll(() => list.getByRole('button', { name: 'Add at playhead' }).count(), { timeout: 20_000 }).toBe(3);
    await list.getByRole('listitem').filter({ hasText: 'ff8800' }).getByRole('button', { name: 'Add at playhead' }).click();
    await page.getByRole('button', { name: 'Four corners' }).click();
    const corners = await page.evaluate(() => document.querySelectorAll('[data-testid="editor-stage"] canvas').length);
    expect(corners).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Remove green' }).click();
    await page.getByRole('button', { name: 'Shadow' }).click();
    expect(await page.getByRole('button', { name: 'Shadow' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Shadow' }).press('Control+z');
    expect(await page.getByRole('button', { name: 'Shadow' }).getAttribute('aria-pressed')).toBe('false');
    await page.keyboard.press('Control+Shift+Z');
    expect(await page.getByRole('button', { name: 'Shadow' }).getAttribute('aria-pressed')).toBe('true');

    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Grain' }).click();
    await page.getByRole('button', { name: 'Add caption at playhead' }).click();
    await page.getByLabel('Caption 1', { exact: true }).fill('Keeps coffee hot for 24 hours');
    await expect.poll(() => page.getByTestId('editor-stage').getAttribute('aria-busy'), { timeout: 10_000 }).toBe('false');
    await screenshot(page, 'compositor-product-caption');
    await expect.poll(() => page.getByTestId('save-state').textContent()).toBe('All changes saved');
  });

  it('says when a library file went missing, and relinks it', async () => {
    const list = page.getByRole('region', { name: 'Media' });
    const libraryCopy = (await list.getByRole('listitem').filter({ hasText: '2040c0' }).locator('.list-title').getAttribute('title'))!;
    await rm(libraryCopy);
    await page.reload();
    const banner = page.getByRole('alert').filter({ hasText: 'Missing:' });
    await banner.waitFor();
    await banner.getByLabel(/^Relink/).setInputFiles(media.background);
    await banner.waitFor({ state: 'detached' });
    expect(existsSync(libraryCopy)).toBe(true);
  });

  it('plays a range from the playhead as a small video with sound', async () => {
    await page.getByRole('button', { name: '▶ Play 5 s' }).click();
    const video = page.getByLabel('Range preview');
    await video.waitFor({ timeout: 30_000 });
    const duration = await video.evaluate((v: HTMLVideoElement) => (v.readyState >= 1 ? v.duration : new Promise<number>((resolve) => v.addEventListener('loadedmetadata', () => resolve(v.duration)))));
    expect(duration).toBeCloseTo(3, 0);
    await page.getByRole('button', { name: 'Close preview' }).click();
    await video.waitFor({ state: 'detached' });
  });

  it('renders it, with progress up to 100 %, to a file ffprobe accepts', async () => {
    await page.getByRole('button', { name: 'Render…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Render' });
    await dialog.getByLabel('Output folder').fill(outputDir);
    await dialog.getByRole('button', { name: 'Render 1' }).click();
    await page.getByRole('heading', { level: 1, name: 'Renders' }).waitFor();
    const job = page.getByRole('listitem', { name: 'Render of PiP teaser' });
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    expect(await job.getByTestId('job-percent').textContent()).toBe('100%');
    await job.getByRole('button', { name: 'Play here' }).click();
    const player = job.getByLabel('Finished render of PiP teaser');
    const played = await player.evaluate((v: HTMLVideoElement) => (v.readyState >= 1 ? v.duration : new Promise<number>((resolve) => v.addEventListener('loadedmetadata', () => resolve(v.duration)))));
    expect(played).toBeCloseTo(3, 0);
    await screenshot(page, 'renders-done');
    const output = join(outputDir, 'PiP-teaser-tiktok.mp4');
    expect(existsSync(output)).toBe(true);
    const probe = await probeOutput(output);
    expect(probe.video).toMatchObject({ width: 1080, height: 1920 });
    expect(probe.durationSeconds).toBeCloseTo(3, 0);
    expect(probe.audio?.codec).toBe('aac');

    // The render's record for the Hub waits in the outbox (no Hub here): created when queued, brought to done, file name only.
    const readRenderMutations = () =>
      page.evaluate(
        () =>
          new Promise<{ op: string; changes: Record<string, unknown> }[]>((resolve, reject) => {
            const open = indexedDB.open('kata-studio');
            open.onsuccess = () => {
              const read = open.result.transaction('outbox').objectStore('outbox').getAll();
              read.onsuccess = () => resolve((read.result as { recordType: string; op: string; changes: Record<string, unknown> }[]).filter((m) => m.recordType === 'render'));
              read.onerror = () => reject(read.error);
            };
          }),
      );
    await expect.poll(async () => (await readRenderMutations()).at(-1)?.changes.status, { timeout: 10_000 }).toBe('done');
    const mutations = await readRenderMutations();
    expect(mutations[0]).toMatchObject({ op: 'create', changes: { name: 'PiP teaser · TikTok', compositionName: 'PiP teaser', preset: 'tiktok', outputFileName: 'PiP-teaser-tiktok.mp4', width: 1080, height: 1920 } });
    expect(mutations.slice(1).every((m) => m.op === 'update')).toBe(true);
    expect(JSON.stringify(mutations)).not.toContain(outputDir);
    expect(errors).toEqual([]);
  });
});
