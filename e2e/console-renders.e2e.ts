import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { previewClip } from '../server/test/preview-clip';
import { launchChromium, screenshot, startHub, watchPageErrors, type HubOwner, type RunningHub } from './harness';
import { signInToConsole } from './console-pages';

const owner: HubOwner = { workspace: 'Acme Marketing', slug: 'acme', name: 'Maya Lee', email: 'maya@acme.example', password: 'a long enough passphrase' };

let hub: RunningHub;
let browser: Browser;
let token: string;

async function call(method: string, path: string, body: unknown, contentType = 'application/json'): Promise<unknown> {
  const response = await fetch(`${hub.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body: contentType === 'application/json' ? JSON.stringify(body) : new Blob([new Uint8Array(body as Buffer)]) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

beforeAll(async () => {
  [hub, browser] = await Promise.all([startHub({ owner }), launchChromium()]);
  const login = await fetch(`${hub.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: owner.email, password: owner.password, client: 'studio' }) });
  token = ((await login.json()) as { accessToken: string }).accessToken;
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

describe('render review in the Hub console, in Chromium against a real Hub', () => {
  it('shows a thumbnail made in the browser from the preview Studio uploaded, says why when it cannot, and keeps it for the next visit', async () => {
    // Three renders synced as Studio syncs them: one with a real preview (FFmpeg's test pattern), one without, one whose clip is damaged.
    const render = (recordId: string, name: string) => ({ id: randomUUID(), recordType: 'render', recordId, op: 'create', baseRev: 0, changes: { name, status: 'done' }, deviceTime: new Date().toISOString() });
    await call('POST', '/v1/sync/push', { deviceId: randomUUID(), mutations: [render('spring-16x9', 'Spring teaser 16:9'), render('spring-1x1', 'Spring teaser 1:1'), render('spring-9x16', 'Spring teaser 9:16')] });
    const clip = await previewClip({ seconds: 3, width: 320, height: 180 });
    await call('PUT', '/v1/renders/spring-16x9/preview', clip, 'video/mp4');
    // An MP4's opening box, then noise: the Hub takes it (it checks the box), FFmpeg finds no picture in it.
    const ftypLength = clip.readUInt32BE(0);
    await call('PUT', '/v1/renders/spring-9x16/preview', Buffer.concat([clip.subarray(0, ftypLength), Buffer.alloc(4096, 7)]), 'video/mp4');

    const context = await browser.newContext({ viewport: { width: 1300, height: 800 } });
    const page = await context.newPage();
    const errors = watchPageErrors(page, [/status of 401/]);
    const previewFetches: string[] = [];
    page.on('request', (request) => {
      if (/\/v1\/renders\/[^/]+\/preview$/.test(new URL(request.url()).pathname)) previewFetches.push(new URL(request.url()).pathname);
    });
    await signInToConsole(page, hub.url, owner);
    await page.getByRole('link', { name: 'Renders' }).click();
    await page.getByRole('table', { name: 'Renders' }).waitFor();

    // The render without a preview says so; the others show a placeholder, then the thumbnail or why there is none.
    expect(await page.getByRole('row', { name: /Spring teaser 1:1/ }).textContent()).toContain('no preview on the Hub yet');
    // FFmpeg's core (32 MB of wasm) loads and compiles first: generous on a busy 2-core machine.
    const thumbnail = page.locator('img[data-render-thumbnail="spring-16x9"]');
    await thumbnail.waitFor({ timeout: 120_000 });
    const picture = await thumbnail.evaluate(async (image: HTMLImageElement) => {
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const context = canvas.getContext('2d')!;
      context.drawImage(image, 0, 0);
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      const colours = new Set<number>();
      let bright = 0;
      for (let i = 0; i < data.length; i += 4) {
        colours.add((data[i]! >> 4) * 256 + (data[i + 1]! >> 4) * 16 + (data[i + 2]! >> 4));
        if (data[i]! + data[i + 1]! + data[i + 2]! > 300) bright++;
      }
      return { width: image.naturalWidth, height: image.naturalHeight, type: image.src.slice(0, 22), colours: colours.size, brightShare: bright / (data.length / 4) };
    });
    // 320×180 scaled to 160 wide; the test pattern's colour bars, not a blank or black frame.
    expect(picture).toMatchObject({ width: 160, height: 90, type: 'data:image/png;base64,' });
    expect(picture.colours).toBeGreaterThan(20);
    expect(picture.brightShare).toBeGreaterThan(0.2);
    expect(await thumbnail.getAttribute('alt')).toBe('Frame of Spring teaser 16:9 at 1 second');

    const broken = page.getByRole('row', { name: /Spring teaser 9:16/ }).getByRole('alert');
    await expect.poll(() => broken.textContent(), { timeout: 120_000 }).toMatch(/^No thumbnail: The preview could not be decoded: /);
    await screenshot(page, 'console-renders-thumbnails');

    // Keyboard: "Try again" is reached with Tab and pressed with Enter; the damaged clip fails again, and says so again.
    const retry = page.getByRole('row', { name: /Spring teaser 9:16/ }).getByRole('button', { name: 'Try again' });
    await retry.focus();
    const fetchesBeforeRetry = previewFetches.length;
    await page.keyboard.press('Enter');
    await expect.poll(() => previewFetches.length).toBe(fetchesBeforeRetry + 1);
    await expect.poll(() => broken.textContent(), { timeout: 60_000 }).toMatch(/^No thumbnail: The preview could not be decoded: /);

    // The next visit finds the thumbnail in the browser's Cache Storage: no second download of the clip.
    const goodFetches = () => previewFetches.filter((path) => path.includes('spring-16x9')).length;
    expect(goodFetches()).toBe(1);
    await page.reload();
    await page.locator('img[data-render-thumbnail="spring-16x9"]').waitFor();
    expect(goodFetches()).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  }, 300_000);
});
