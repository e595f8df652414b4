/**
 * A Hub started as `npm run hub` starts it, for the customer-data bench: on a
 * PostgreSQL database of the bench's own (or the embedded PGlite), rate
 * limits out of the way (write keys included), a workspace made through the
 * first-start link, an owner signed in as Studio signs in, and personal-data
 * keys the bench knows, so it can seal generated personal data as the Hub does.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersonalDataCipher } from '../../server/src/privacy/personal-data';
import { startHub } from '../../server/src/serve';
import { admin, adminUrl, benchHubEnv, setUpWorkspace } from '../hub/hub-under-test';
import { undoLater } from './clean-up';

export interface HubUnderTest {
  url: string;
  accessToken: string;
  workspaceId: string;
  /** Seals personal data with the Hub's own keys. */
  cipher: PersonalDataCipher;
  stop(): Promise<void>;
}

export interface BenchDatabase {
  url: string;
  drop(): Promise<void>;
}

export { adminUrl };

/** Starts the Hub on `databaseUrl` (PGlite in a temporary folder when none), which must hold no workspace yet. */
export async function startHubUnderTest(options: { databaseUrl?: string }): Promise<HubUnderTest> {
  // The data folder holds PGlite's files, and with either database the audit signing key the Hub makes.
  const dataDir = await mkdtemp(join(tmpdir(), 'kata-bench-cdp-'));
  const removeDataDir = undoLater(() => rm(dataDir, { recursive: true, force: true }));
  const dataKey = randomBytes(32);
  const lookupKey = randomBytes(32);
  const cipher = new PersonalDataCipher({ dataKeys: [{ id: 'bench', key: dataKey }], lookupKey });
  try {
    const hub = await startHub({ ...process.env, ...benchHubEnv, KATA_HUB_DATA_DIR: dataDir, KATA_HUB_DATA_KEYS: `bench:${dataKey.toString('base64')}`, KATA_HUB_LOOKUP_KEY: lookupKey.toString('base64'), DATABASE_URL: options.databaseUrl });
    const stop = undoLater(async () => {
      await hub.stop();
      await removeDataDir();
    });
    try {
      const { workspaceId, accessToken } = await setUpWorkspace(hub);
      return { url: hub.url, accessToken, workspaceId, cipher, stop };
    } catch (error) {
      await stop();
      throw error;
    }
  } catch (error) {
    await removeDataDir();
    throw error;
  }
}

const benchDatabases = new Set<string>();

/** An empty database on the bench's PostgreSQL server; `drop` (also at the end and on Ctrl+C) ends its connections and removes it. */
export async function createPostgresDatabase(): Promise<BenchDatabase> {
  const name = `kata_bench_cdp_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await admin(`create database ${name}`);
  benchDatabases.add(name);
  const drop = undoLater(async () => {
    await admin(`drop database if exists ${name} with (force)`);
    benchDatabases.delete(name);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop };
}

/** Cancels the statements running on the bench's databases (on Ctrl+C), so that closing their connections need not wait for a long one to end. */
export async function cancelBenchQueries(): Promise<void> {
  if (benchDatabases.size === 0) return;
  await admin(`select pg_cancel_backend(pid) from pg_stat_activity where datname in (${[...benchDatabases].map((name) => `'${name}'`).join(', ')}) and pid <> pg_backend_pid()`);
}
