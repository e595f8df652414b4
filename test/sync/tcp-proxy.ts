import { createServer, connect, type Server, type Socket } from 'node:net';

/** What the proxy does to the next push it sees (then it passes again). */
export type PushFault =
  /** Forwards half of the request's first bytes, then drops both connections. */
  | 'cut-request'
  /** Forwards the request whole, then drops the Hub's answer and both connections: the Hub committed, the client never hears. */
  | 'lose-response'
  /** Forwards the request, and calls `onPush` (the test kills the Hub there). */
  | 'notify';

/**
 * A TCP proxy between Studio's sync client and the Hub that the test
 * controls: pass, refuse every connection (offline), or break the next
 * push in a chosen way. It reads just enough of HTTP to know a push when
 * it sees one (the request line at the start of a chunk).
 */
export async function tcpProxy(target: { port: number; host?: string }) {
  const pairs = new Set<{ client: Socket; hub: Socket }>();
  let offline = false;
  let fault: PushFault | null = null;
  let onPush: (() => void) | null = null;
  let pushesSeen = 0;

  const server: Server = createServer((client) => {
    if (offline) {
      client.destroy();
      return;
    }
    const hub = connect({ port: target.port, host: target.host ?? '127.0.0.1' });
    const pair = { client, hub };
    pairs.add(pair);
    let answerIsToPush = false;
    let dropAnswer = false;
    const end = () => {
      client.destroy();
      hub.destroy();
      pairs.delete(pair);
    };
    client.on('data', (chunk: Buffer) => {
      const isPush = chunk.subarray(0, 24).toString('latin1').startsWith('POST /v1/sync/push');
      if (/^(GET|POST|PUT|DELETE|PATCH) /.test(chunk.subarray(0, 8).toString('latin1'))) answerIsToPush = isPush;
      if (isPush) {
        pushesSeen += 1;
        const now = fault;
        fault = null;
        if (now === 'cut-request') {
          hub.write(chunk.subarray(0, Math.floor(chunk.length / 2)), end);
          return;
        }
        if (now === 'lose-response') dropAnswer = true;
        if (now === 'notify') setImmediate(() => onPush?.());
      }
      hub.write(chunk);
    });
    hub.on('data', (chunk: Buffer) => {
      if (dropAnswer && answerIsToPush) {
        dropAnswer = false;
        end();
        return;
      }
      client.write(chunk);
    });
    client.on('error', end).on('close', end);
    hub.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };

  return {
    url: `http://127.0.0.1:${port}`,
    get pushesSeen() {
      return pushesSeen;
    },
    /** Refuses every connection and drops the open ones (the network is gone). */
    goOffline() {
      offline = true;
      this.dropAll();
    },
    goOnline() {
      offline = false;
    },
    breakNextPush(kind: PushFault, then?: () => void) {
      fault = kind;
      onPush = then ?? null;
    },
    dropAll() {
      for (const { client, hub } of pairs) {
        client.destroy();
        hub.destroy();
      }
      pairs.clear();
    },
    async close() {
      this.dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
