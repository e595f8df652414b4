/**
 * How much the browser host's tRPC layer adds to a WebSocket round trip.
 * Reference: a bare `ws` echo of a message of the same size, in the same run.
 * Run: npm run bench
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import WebSocket, { WebSocketServer } from 'ws';
import { startBrowserHost } from '../src/main/host/browser-host';
import type { AppRouter } from '../src/main/router';
import { createStudioServices } from '../src/main/services';

const calls = Number(process.env.BENCH_CALLS ?? 3000);
const warmup = 300;

function summary(samples: number[]): { p50: number; p95: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: at(0.5), p95: at(0.95), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

async function time(label: string, call: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  const s = summary(samples);
  console.log(`${label.padEnd(34)} p50 ${s.p50.toFixed(3)} ms   p95 ${s.p95.toFixed(3)} ms   mean ${s.mean.toFixed(3)} ms`);
  return samples;
}

async function main(): Promise<void> {
  const services = createStudioServices({
    appVersion: 'bench',
    runtime: 'browser-host',
    ffmpeg: { env: process.env, resourcesDir: await mkdtemp(join(tmpdir(), 'kata-bench-')) },
    hub: { url: null },
    dataDir: await mkdtemp(join(tmpdir(), 'kata-bench-data-')),
  });
  const host = await startBrowserHost({ services, staticDir: tmpdir() });
  const wsClient = createWSClient({ url: `ws://127.0.0.1:${host.port}/trpc?token=${host.token}`, WebSocket: WebSocket as never });
  const trpc = createTRPCClient<AppRouter>({ links: [wsLink({ client: wsClient })] });
  const reply = JSON.stringify(await trpc.hub.status.query());

  // Reference: the same loopback round trip with nothing but ws.
  const echo = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  echo.on('connection', (socket) => socket.on('message', (data) => socket.send(data)));
  await new Promise((resolve) => echo.once('listening', resolve));
  const raw = new WebSocket(`ws://127.0.0.1:${(echo.address() as { port: number }).port}`);
  await new Promise((resolve) => raw.once('open', resolve));
  const message = JSON.stringify({ id: 1, jsonrpc: '2.0', result: { type: 'data', data: JSON.parse(reply) } });
  const rawCall = () =>
    new Promise<void>((resolve) => {
      raw.once('message', () => resolve());
      raw.send(message);
    });

  console.log(`browser host round trip, ${calls} sequential calls after ${warmup} warm-up\n`);
  const reference = summary(await time('reference: bare ws echo', rawCall));
  const measured = summary(await time('tRPC query hub.status over ws', () => trpc.hub.status.query()));
  console.log(`\nratio to reference (p50): ${(measured.p50 / reference.p50).toFixed(2)}x`);
  console.log(`added per call (p50):     ${(measured.p50 - reference.p50).toFixed(3)} ms`);

  raw.close();
  wsClient.close();
  echo.close();
  await host.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
