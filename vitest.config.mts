import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  define: { __KATA_VERSION__: JSON.stringify(version) },
  test: {
    include: ['src/**/*.test.{ts,tsx}', 'server/src/**/*.test.ts', 'server/console/src/**/*.test.ts', 'server/test/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    // trpc-electron is bundled through Vite so that its `electron` import meets the IPC fake in ipc-link.test.ts.
    server: { deps: { inline: ['trpc-electron'] } },
  },
});
