import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { contentSecurityPolicy } from './src/main/window/content-security-policy';

const { version } = JSON.parse(readFileSync(resolve(__dirname, 'package.json'), 'utf8')) as { version: string };
const define = { __KATA_VERSION__: JSON.stringify(version) };

/** Puts the renderer's Content-Security-Policy into index.html, strict in builds. */
function contentSecurityPolicyMeta(dev: boolean): Plugin {
  return {
    name: 'kata-csp-meta',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: contentSecurityPolicy({ dev }) },
        injectTo: 'head-prepend',
      },
    ],
  };
}

export default defineConfig(({ command }) => ({
  main: {
    define,
    build: {
      // p-queue, p-retry and openid-client ship only as ES modules, which Node 20's require() cannot load: bundle them.
      externalizeDeps: { exclude: ['p-queue', 'p-retry', 'openid-client'] },
      rolldownOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          host: resolve(__dirname, 'src/main/host/start.ts'),
          cli: resolve(__dirname, 'src/main/cli.ts'),
        },
      },
    },
  },
  preload: {
    // A sandboxed preload may require only 'electron': bundle everything else into it.
    build: { externalizeDeps: false },
  },
  renderer: {
    define,
    plugins: [react(), contentSecurityPolicyMeta(command === 'serve')],
  },
}));
