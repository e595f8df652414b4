import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleContentSecurityPolicy, consoleSite } from './console-site';

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'kata-console-site-'));
  await mkdir(join(folder, 'assets'));
  await writeFile(join(folder, 'index.html'), '<!doctype html><title>Kata Hub console</title><div id="root"></div>');
  await writeFile(join(folder, 'assets', 'index-abc123.js'), 'console.log("console")');
  await mkdir(join(folder, 'ffmpeg', '0.12.10'), { recursive: true });
  // The smallest valid WebAssembly module: magic and version.
  await writeFile(join(folder, 'ffmpeg', '0.12.10', 'ffmpeg-core.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
});
afterAll(() => rm(folder, { recursive: true, force: true }));

async function siteWith(consoleFolder: string) {
  const app = Fastify();
  await consoleSite(app, { folder: consoleFolder });
  return app;
}

describe('the console site', () => {
  it('serves the app at /console/ and every page path under it, with a strict policy and no caching of the page', async () => {
    const app = await siteWith(folder);
    for (const url of ['/console/', '/console/audit', '/console/workspace/members?tab=1']) {
      const page = await app.inject({ url });
      expect(page.statusCode, url).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.body).toContain('<div id="root">');
      expect(page.headers['content-security-policy']).toBe(consoleContentSecurityPolicy);
      expect(page.headers['cache-control']).toBe('no-store');
    }
    expect(consoleContentSecurityPolicy).not.toContain('unsafe-inline');
    expect(consoleContentSecurityPolicy).toContain("frame-ancestors 'none'");
  });

  it('caches hashed assets for good and answers 404 for a missing one (not the page)', async () => {
    const app = await siteWith(folder);
    const asset = await app.inject({ url: '/console/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await app.inject({ url: '/console/assets/gone-999.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/console/robots.txt' })).statusCode).toBe(404);
  });

  it("lets the page compile WebAssembly for render thumbnails, serving FFmpeg's core from the console's own folder", async () => {
    // WebAssembly only: eval and new Function stay refused, and workers come from this origin, never blob: or data:.
    expect(consoleContentSecurityPolicy).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(consoleContentSecurityPolicy).not.toMatch(/(^|\s)'unsafe-eval'/);
    expect(consoleContentSecurityPolicy).toContain("worker-src 'self';");
    const app = await siteWith(folder);
    const core = await app.inject({ url: '/console/ffmpeg/0.12.10/ffmpeg-core.wasm' });
    expect(core.statusCode).toBe(200);
    // Browsers compile while downloading only when the type says wasm.
    expect(core.headers['content-type']).toBe('application/wasm');
    expect(core.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(core.headers['content-security-policy']).toBe(consoleContentSecurityPolicy);
    expect((await app.inject({ url: '/console/ffmpeg/0.12.10/missing.wasm' })).statusCode).toBe(404);
  });

  it('leads /, /console and invitation links to the console', async () => {
    const app = await siteWith(folder);
    expect((await app.inject({ url: '/' })).headers.location).toBe('/console/');
    expect((await app.inject({ url: '/console' })).headers.location).toBe('/console/');
    expect((await app.inject({ url: '/join?token=kinv_abc' })).headers.location).toBe('/console/join?token=kinv_abc');
  });

  it('says how to build the console when the bundle is missing', async () => {
    const app = await siteWith(join(folder, 'not-built'));
    for (const url of ['/console/', '/console/audit']) {
      const page = await app.inject({ url });
      expect(page.statusCode).toBe(503);
      expect(page.body).toContain('npm run build:console');
    }
  });
});
