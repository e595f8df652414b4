import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { applyWSSHandler } from '@trpc/server/adapters/ws';
import sirv from 'sirv';
import { WebSocketServer } from 'ws';
import { appRouter } from '../router';
import type { StudioServices } from '../services';
import { contentSecurityPolicy, frameAncestorsNone } from '../window/content-security-policy';
import { createOutputHandler, outputPrefix } from './output';
import { createUploadHandler, defaultMaxUploadBytes, uploadPath } from './upload';

export const loopbackHosts = ['127.0.0.1', '::1', 'localhost'] as const;

export interface BrowserHostOptions {
  services: StudioServices;
  /** The built renderer (out/renderer). */
  staticDir: string;
  host?: (typeof loopbackHosts)[number];
  /** 0 picks a free port. */
  port?: number;
  /** Fixed only by tests; a fresh random token is made for every launch. */
  token?: string;
  /** The largest file `POST /upload` takes; 4 GiB unless a test wants less. */
  maxUploadBytes?: number;
}

export interface BrowserHost {
  /** Open this in a browser: it carries the launch token. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

function sameSecret(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuseUpgrade(socket: Duplex, status: number): void {
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/**
 * Serves the built renderer and the same AppRouter as Electron, over
 * WebSocket, on loopback only. The API answers only to a client that presents
 * this launch's token and, when a browser says where it comes from, only to
 * pages of this host (no other site can drive Studio).
 */
export async function startBrowserHost(options: BrowserHostOptions): Promise<BrowserHost> {
  const host = options.host ?? '127.0.0.1';
  if (!loopbackHosts.includes(host)) {
    throw new Error(`The browser host listens on loopback only (${loopbackHosts.join(', ')}), not on "${host}".`);
  }
  const token = options.token ?? randomBytes(24).toString('base64url');
  const policy = `${contentSecurityPolicy({ dev: false })}; ${frameAncestorsNone}`;
  const serveStatic = sirv(options.staticDir, {
    etag: true,
    setHeaders: (res) => {
      res.setHeader('Content-Security-Policy', policy);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    },
  });
  let origins: Set<string> = new Set();
  // One guard for every API door (WebSocket and upload): this launch's token, and no page of another site.
  const refusal = (req: IncomingMessage, url: URL): 401 | 403 | null => {
    if (!sameSecret(url.searchParams.get('token'), token)) return 401;
    const origin = req.headers.origin;
    return origin !== undefined && !origins.has(origin) ? 403 : null;
  };
  const upload = createUploadHandler({ services: options.services, refusal, maxUploadBytes: options.maxUploadBytes ?? defaultMaxUploadBytes });
  const output = createOutputHandler({ services: options.services, refusal });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === uploadPath) return void upload(req, res, url);
    if (url.pathname.startsWith(outputPrefix)) {
      return void output(req, res, url).catch((error: unknown) => {
        res.statusCode = 503;
        res.end(error instanceof Error ? error.message : 'Rendering is not available.');
      });
    }
    serveStatic(req, res, () => {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end('Not found');
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  const handler = applyWSSHandler({
    wss,
    router: appRouter,
    createContext: () => ({ services: options.services }),
    keepAlive: { enabled: true, pingMs: 30_000, pongWaitMs: 5_000 },
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/trpc') return refuseUpgrade(socket, 404);
    const refused = refusal(req, url);
    if (refused) return refuseUpgrade(socket, refused);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origins = new Set(loopbackHosts.map((name) => `http://${name.includes(':') ? `[${name}]` : name}:${port}`));
  const shownHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      handler.broadcastReconnectNotification();
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
