import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HubAccountService } from '../src/main/hub/hub-account';
import type { HubSetting } from '../src/main/hub/hub-status';
import { createStudioServices, type StudioServices } from '../src/main/services';
import { binFolder, tempDir } from './ffmpeg-fixtures';

/** Real services as main builds them, finding the machine's FFmpeg through a PATH of its own. */
export async function testServices(options: { hub?: HubSetting; hubAccount?: HubAccountService } = {}): Promise<StudioServices> {
  return createStudioServices({
    appVersion: '9.8.7',
    runtime: 'browser-host',
    ffmpeg: { env: { PATH: await binFolder() }, resourcesDir: await tempDir('resources') },
    hub: options.hub ?? { url: null },
    dataDir: await tempDir('data'),
    hubAccount: options.hubAccount,
  });
}

/** A loopback HTTP server answering /healthz with the given status, standing in for a Hub. */
export async function healthServer(status: number): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/healthz' ? status : 404;
    res.end(JSON.stringify({ status: status === 200 ? 'ok' : 'down' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
