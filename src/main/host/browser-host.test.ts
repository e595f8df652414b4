import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { testServices } from '../../../test/studio-services';
import type { AppRouter } from '../router';
import { startBrowserHost, type BrowserHost } from './browser-host';
import { takeHeartbeats } from '../../../test/heartbeat';

let host: BrowserHost;
let staticDir: string;

beforeAll(async () => {
  staticDir = await tempDir('renderer');
  await mkdir(join(staticDir, 'assets'));
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Kata Studio</title>');
  host = await startBrowserHost({ services: await testServices(), staticDir });
});
afterAll(() => host.close());

/** Messages the server has sent to clients of this file. */
let received = 0;
class CountingWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.on('message', () => received++);
  }
}

function client(url: string) {
  const ws = createWSClient({ url, WebSocket: CountingWebSocket as unknown as typeof globalThis.WebSocket, retryDelayMs: () => 60_000 });
  return { ws, trpc: createTRPCClient<AppRouter>({ links: [wsLink({ client: ws })] }) };
}

/** The HTTP status a WebSocket upgrade is answered with. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('browser host', () => {
  it('prints a loopback URL carrying a random token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    expect(host.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('serves the renderer with a strict Content-Security-Policy and no referrer', async () => {
    const response = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Kata Studio</title>');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await fetch(`http://127.0.0.1:${host.port}/missing.js`)).status).toBe(404);
  });

  it('answers queries and streams a subscription over WebSocket, and stops it on unsubscribe', async () => {
    const { ws, trpc } = client(`ws://127.0.0.1:${host.port}/trpc?token=${host.token}`);
    try {
      const info = await trpc.system.info.query();
      expect(info.appVersion).toBe('9.8.7');
      expect(info.ffmpeg.found).toBe(true);

      const beats = await takeHeartbeats(trpc, 3);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const afterStop = received;
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect(beats).toEqual([0, 1, 2]);
      expect(received).toBe(afterStop);
    } finally {
      ws.close();
    }
  });

  it('tells the Hub account over WebSocket: at once, then on every change', async () => {
    const { ws, trpc } = client(`ws://127.0.0.1:${host.port}/trpc?token=${host.token}`);
    const seen: unknown[] = [];
    const subscription = trpc.hub.accountChanges.subscribe(undefined, { onData: (account) => void seen.push(account) });
    try {
      await expect.poll(() => seen).toEqual([{ state: 'signed-out', hubUrl: null }]);
      await trpc.hub.setUrl.mutate({ url: 'https://hub.acme.example/' });
      await expect.poll(() => seen).toEqual([
        { state: 'signed-out', hubUrl: null },
        { state: 'signed-out', hubUrl: 'https://hub.acme.example' },
      ]);
    } finally {
      subscription.unsubscribe();
      ws.close();
    }
  });

  it('turns away a client without the right token', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${host.port}/trpc`)).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${host.port}/trpc?token=${'x'.repeat(32)}`)).toBe(401);
    expect(await upgradeStatus(`ws://127.0.0.1:${host.port}/trpc?token=${host.token}`)).toBe(101);
  });

  it('turns away pages of other sites even with the token', async () => {
    const url = `ws://127.0.0.1:${host.port}/trpc?token=${host.token}`;
    expect(await upgradeStatus(url, { Origin: 'https://evil.example' })).toBe(403);
    expect(await upgradeStatus(url, { Origin: `http://localhost:${host.port}` })).toBe(101);
  });

  it('answers only /trpc for WebSockets', async () => {
    expect(await upgradeStatus(`ws://127.0.0.1:${host.port}/other?token=${host.token}`)).toBe(404);
  });

  it('refuses to listen anywhere but loopback', async () => {
    await expect(
      startBrowserHost({ services: await testServices(), staticDir, host: '0.0.0.0' as never }),
    ).rejects.toThrow('The browser host listens on loopback only (127.0.0.1, ::1, localhost), not on "0.0.0.0".');
  });
});
