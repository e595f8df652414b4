import { defineConfig } from 'vitest/config';

// End-to-end specs: the built renderer in real Chromium against the browser host (run `npm run build` first).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // Waiting for the UI: the first FFmpeg capability check spawns several processes and takes seconds on a busy 2-core machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
