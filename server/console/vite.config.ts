import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const require = createRequire(import.meta.url);

/**
 * FFmpeg's WebAssembly core for render thumbnails (pages/renders/render-thumbnails.ts), copied into the build at
 * ffmpeg/<version>/ so the console loads it from its own origin: the CSP allows no other. The folder is named by
 * version, so the Hub can let browsers cache it for good.
 */
// The package exports no package.json: its root is two folders above its entry (dist/umd/ffmpeg-core.js).
const corePackage = join(dirname(require.resolve('@ffmpeg/core')), '..', '..');
const ffmpegCoreVersion = (JSON.parse(readFileSync(join(corePackage, 'package.json'), 'utf8')) as { version: string }).version;

function ffmpegCore(version: string): Plugin {
  return {
    name: 'kata-ffmpeg-core',
    apply: 'build',
    generateBundle() {
      for (const file of ['ffmpeg-core.js', 'ffmpeg-core.wasm']) this.emitFile({ type: 'asset', fileName: `ffmpeg/${version}/${file}`, source: readFileSync(join(corePackage, 'dist/esm', file)) });
    },
  };
}

// The Hub's admin console: built into server/console/dist, served by the Hub at /console/ (server/src/http/console-site.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [react(), ffmpegCore(ffmpegCoreVersion)],
  // The page asks for the core by the folder the build put it in.
  define: { 'import.meta.env.VITE_FFMPEG_CORE_VERSION': JSON.stringify(ffmpegCoreVersion) },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 600 },
  // @ffmpeg/ffmpeg starts a module worker that imports the core at run time: the worker must be an ES module too.
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@ffmpeg/ffmpeg'] },
  // `vite --config server/console/vite.config.ts` next to `npm run hub`: the API on the same origin, as in production.
  server: { port: 5174, proxy: { '/v1': 'http://127.0.0.1:4400' } },
});
