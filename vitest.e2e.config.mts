import { defineConfig } from 'vitest/config';

// End-to-end specs: the built renderer in real Chromium against the browser host (run `npm run build` first).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
