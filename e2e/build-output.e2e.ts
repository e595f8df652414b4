import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './harness';

const built = (file: string) => readFileSync(resolve(root, 'out', file), 'utf8');

describe('the built app', () => {
  it('has a sandbox-ready preload: one CommonJS file that requires only electron', () => {
    const preload = built('preload/index.js');
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(required).toEqual(['electron']);
    expect(preload).toContain('exposeInMainWorld("electronTRPC"');
  });

  it('ships the renderer with the strict Content-Security-Policy', () => {
    const html = built('renderer/index.html');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1]?.replaceAll('&#39;', "'");
    expect(meta).toContain("default-src 'none'");
    expect(meta).toContain("script-src 'self';");
    expect(meta).not.toContain('unsafe-inline');
  });

  it('builds the Electron main and the browser host entries', () => {
    expect(built('main/index.js')).toContain('requestSingleInstanceLock');
    expect(built('main/host.js')).toContain('KATA_STUDIO_PORT');
    expect(built('main/host.js')).not.toMatch(/require\(["']electron["']\)/);
  });
});
