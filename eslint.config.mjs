import { builtinModules } from 'node:module';
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Layer rules of ARCHITECTURE.md: a wrong import fails `npm run lint` (and so `npm run build`).
const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const noNode = { paths: nodeBuiltins.map((name) => ({ name, message: 'Node modules are not allowed in this layer.' })) };
const layer = (group, message) => ({ group, message });
/** A relative import that reaches into another top-level folder, e.g. `../../main/router`. */
const into = (folders, message) => ({ regex: `^(\\.{1,2}/)+(src/)?(${folders.join('|')})(/|$)`, message });

const mainPatterns = [
  into(['renderer', 'preload'], 'main never imports renderer or preload code.'),
  layer(['react', 'react-dom', 'dexie', 'zustand'], 'main never imports UI libraries.'),
  into(['server'], 'main reaches the Hub over HTTP (src/main/hub), never by importing server code.'),
  layer(['fastify'], 'main reaches the Hub over HTTP (src/main/hub), never by importing server code.'),
];
const fluentFfmpeg = { name: 'fluent-ffmpeg', message: 'Run FFmpeg through src/main/render/ffmpeg-runner.ts.' };

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'server/console/dist/**', 'release/**', 'node_modules/**', 'test-results/**', 'server/node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.{ts,tsx,mjs}'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { ...globals.node } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/shared/**/*.ts'],
    ignores: ['src/shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noNode,
          patterns: [
            layer(['electron', 'electron/*', 'react', 'react-dom', 'react-dom/*', 'dexie', 'fastify', 'zustand'], 'src/shared is pure TypeScript: no Node, Electron, React, database or server libraries.'),
            into(['main', 'renderer', 'preload', 'server'], 'src/shared imports nothing from main, renderer, preload or server.'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    ignores: ['src/renderer/**/*.test.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          ...noNode,
          patterns: [
            layer(['electron', 'electron/*', 'trpc-electron/main'], 'The renderer talks to main only through tRPC (src/renderer/trpc.ts).'),
            // The router's type is the contract; its code stays in main.
            { ...into(['main'], 'The renderer may import only types from src/main (e.g. AppRouter).'), allowTypeImports: true },
            into(['server', 'preload'], 'The renderer never imports Hub code; it reaches the Hub through main/hub.'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noNode,
          patterns: [
            into(['main', 'renderer', 'server', 'shared'], 'The preload exposes the tRPC bridge and nothing else.'),
            layer(['react', 'dexie'], 'The preload exposes the tRPC bridge and nothing else.'),
          ],
        },
      ],
    },
  },
  {
    files: ['src/main/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [fluentFfmpeg], patterns: mainPatterns }] },
  },
  {
    // fluent-ffmpeg is unmaintained: this one module wraps it, so swapping it touches one file.
    files: ['src/main/render/ffmpeg-runner.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: mainPatterns }] },
  },
  {
    files: ['server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            into(['main', 'renderer', 'preload'], 'The Hub never imports Studio code; only src/shared is common ground.'),
            layer(['electron', 'react', 'dexie'], 'The Hub never imports Studio code; only src/shared is common ground.'),
          ],
        },
      ],
    },
  },
  {
    // The attribution models are pure functions (the Hub's jobs and the CLI feed them): no Node, no database, no HTTP.
    files: ['server/src/attribution/models/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...noNode,
          patterns: [
            into(['main', 'renderer', 'preload'], 'The Hub never imports Studio code; only src/shared is common ground.'),
            layer(['electron', 'react', 'dexie', 'fastify', 'kysely', 'pg', '@electric-sql/*'], 'Attribution models are pure: they take journeys, not connections.'),
            { regex: '^\\.\\./(?!models/)', message: 'Attribution models are pure: they import only each other.' },
          ],
        },
      ],
    },
  },
  {
    // The admin console runs in the browser and reaches the Hub only over HTTP, like any client of its API.
    files: ['server/console/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          ...noNode,
          patterns: [
            // The API's types are the contract; the Hub's code stays on the server.
            { regex: '^(\\.\\./)+src/(?!shared/)', message: 'The console may import only types from the Hub (server/src); it calls the Hub over HTTP (server/console/src/api.ts).', allowTypeImports: true },
            into(['main', 'renderer', 'preload'], 'The console never imports Studio code; only src/shared is common ground.'),
            layer(['electron', 'electron/*', 'fastify', 'kysely', 'dexie', 'pg', '@electric-sql/*'], 'The console runs in the browser: no Node, database or server libraries.'),
          ],
        },
      ],
    },
  },
);
