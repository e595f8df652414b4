import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The Hub's admin console: built into server/console/dist, served by the Hub at /console/ (server/src/http/console-site.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 600 },
  // `vite --config server/console/vite.config.ts` next to `npm run hub`: the API on the same origin, as in production.
  server: { port: 5174, proxy: { '/v1': 'http://127.0.0.1:4400' } },
});
