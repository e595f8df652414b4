import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const root = resolve(__dirname, '..');
export const artifacts = resolve(root, 'test-results/e2e');

export interface RunningHost {
  url: string;
  origin: string;
  stop(): Promise<void>;
}

/** Starts `node out/main/host.js` as `npm run studio:web` does, on a free port and a fresh data folder, and reads the URL it prints. */
export async function startStudioHost(env: Record<string, string> = {}): Promise<RunningHost> {
  const entry = resolve(root, 'out/main/host.js');
  if (!existsSync(entry) || !existsSync(resolve(root, 'out/renderer/index.html'))) {
    throw new Error('The app is not built: run `npm run build` before the end-to-end tests.');
  }
  // A data folder of its own unless the test names one, so nothing a developer saved (or an earlier run left) leaks in.
  const dataDir = env.KATA_DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'kata-e2e-studio-')));
  const child: ChildProcess = spawn(process.execPath, [entry], {
    cwd: root,
    env: { ...process.env, KATA_STUDIO_PORT: '0', KATA_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`The browser host printed no URL within 15 s:\n${output}`)), 15_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => reject(new Error(`The browser host exited with ${code}:\n${output}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    stop: () =>
      new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Fails the test on any uncaught page error or console error, except the ones a test expects. */
export function watchPageErrors(page: Page, expected: RegExp[] = []): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected.some((pattern) => pattern.test(message.text()))) {
      errors.push(`console: ${message.text()}`);
    }
  });
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: resolve(artifacts, `${name}.png`), fullPage: true });
}

export interface HubOwner {
  workspace: string;
  slug: string;
  name: string;
  email: string;
  password: string;
}

/** Runs `npm run hub -- <args>` to completion against a Hub's data folder. */
async function runHubCommand(args: string[], env: Record<string, string>): Promise<void> {
  const child = spawn(resolve(root, 'node_modules/.bin/tsx'), ['server/src/main.ts', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`npm run hub -- ${args[0]} exited with ${code}:\n${output}`);
}

export interface RunningHub {
  url: string;
  /** The Hub's data folder; its embedded database is in `postgres/` under it. */
  dataDir: string;
  /** Stops the Hub and removes its data folder, unless `keepData` (to start it again on the same data). */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts the real Hub (`npm run hub`) on a free port (or `port`) and reads its address from its log;
 * with `owner`, first creates that workspace and its owner as `npm run hub -- init` does;
 * with `dataDir`, starts on the data a stopped Hub kept.
 */
export async function startHub(options: { owner?: HubOwner; dataDir?: string; port?: number } = {}): Promise<RunningHub> {
  // A Hub of its own, with its embedded database in a fresh folder.
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kata-e2e-hub-')));
  const env = { KATA_HUB_PORT: String(options.port ?? 0), KATA_HUB_DATA_DIR: dataDir };
  const { owner } = options;
  if (owner) await runHubCommand(['init', '--workspace', owner.workspace, '--slug', owner.slug, '--name', owner.name, '--email', owner.email], { ...env, KATA_HUB_INIT_PASSWORD: owner.password });
  const child = spawn(resolve(root, 'node_modules/.bin/tsx'), ['server/src/main.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    // Generous: on a busy 2-core machine, tsx compiling the Hub and PGlite starting take half a minute.
    const timer = setTimeout(() => reject(new Error(`The Hub did not start within 90 s:\n${output}`)), 90_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`The Hub exited with ${code}:\n${output}`)));
  });
  return {
    url,
    dataDir,
    stop: async ({ keepData = false } = {}) => {
      await new Promise<void>((done) => {
        if (child.exitCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      });
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
