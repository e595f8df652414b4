/**
 * A Hub started as `npm run hub` starts it, on a database of its own, with a
 * workspace made through the first-start link and an owner signed in as
 * Studio signs in (a bearer access token).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startHub } from '../../server/src/serve';

export type DatabaseKind = 'PGlite' | 'PostgreSQL';

export interface HubUnderTest {
  url: string;
  accessToken: string;
  /** The bench's own PostgreSQL database (none on PGlite), for a reference measured beside the Hub. */
  databaseUrl: string | undefined;
  stop(): Promise<void>;
}

/** The server every machine here runs; the bench makes a database of its own on it and drops it at the end. */
export const adminUrl = process.env.KATA_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The Hub's settings for a bench: loopback, a free port, no logs, and rate limits far above what the load can reach (the bench measures the work, not 429 answers). */
export const benchHubEnv = {
  KATA_HUB_HOST: '127.0.0.1',
  KATA_HUB_PORT: '0',
  KATA_HUB_LOG_LEVEL: 'silent',
  KATA_HUB_RATE_LIMIT_IP: '1000000000',
  KATA_HUB_RATE_LIMIT_USER: '1000000000',
  KATA_HUB_RATE_LIMIT_API_KEY: '1000000000',
  KATA_HUB_RATE_LIMIT_WRITE_KEY: '1000000000',
  KATA_HUB_RATE_LIMIT_SIGN_IN: '1000000000',
  REDIS_URL: undefined,
};
const owner = { name: 'Bench Owner', email: 'owner@bench.example', password: 'a long enough bench passphrase' };

/** Creates the workspace through the first-start link of a Hub on a fresh database, and signs its owner in as Studio does. */
export async function setUpWorkspace(hub: { url: string; setupLink: string | null }): Promise<{ workspaceId: string; accessToken: string }> {
  if (!hub.setupLink) throw new Error('The Hub started on a fresh database but offered no first-start link.');
  const token = new URL(hub.setupLink).searchParams.get('token');
  const { workspaceId } = (await call(hub.url, 'POST', '/v1/setup', { token, workspaceName: 'Bench', slug: 'bench', name: owner.name, email: owner.email, password: owner.password })) as { workspaceId: string };
  const signedIn = (await call(hub.url, 'POST', '/v1/auth/login', { email: owner.email, password: owner.password, client: 'studio' })) as { accessToken?: string };
  if (!signedIn.accessToken) throw new Error('Signing in as Studio gave no access token.');
  return { workspaceId, accessToken: signedIn.accessToken };
}

/** Runs one statement on the bench's PostgreSQL server (creating and dropping its databases). */
export async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
    await client.query(statement);
  } catch (error) {
    throw new Error(`PostgreSQL at ${adminUrl} (set KATA_BENCH_POSTGRES_URL to use another): ${(error as Error).message}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function startHubUnderTest(kind: DatabaseKind): Promise<HubUnderTest> {
  // The data folder holds PGlite's files, and with either database the audit signing key the Hub makes.
  const dataDir = await mkdtemp(join(tmpdir(), 'kata-bench-hub-'));
  const database = kind === 'PostgreSQL' ? await createPostgresDatabase() : undefined;
  const cleanUp = async () => {
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const hub = await startHub({ ...process.env, ...benchHubEnv, KATA_HUB_DATA_DIR: dataDir, DATABASE_URL: database?.url });
    try {
      const { accessToken } = await setUpWorkspace(hub);
      return {
        url: hub.url,
        accessToken,
        databaseUrl: database?.url,
        async stop() {
          await hub.stop();
          await cleanUp();
        },
      };
    } catch (error) {
      await hub.stop();
      throw error;
    }
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

/** One JSON call to the Hub that must succeed; the error names the route and the Hub's answer. */
export async function call(baseUrl: string, method: string, path: string, body?: unknown, accessToken?: string): Promise<unknown> {
  const headers: Record<string, string> = { 'user-agent': 'KataBench/1' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as unknown;
}

async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kata_bench_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}
