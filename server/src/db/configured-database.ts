import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HubConfig } from '../config';
import { openDatabase, type HubDatabase } from './database';

/** The embedded database's files, inside the Hub's data folder. */
export const embeddedDatabaseFolder = 'postgres';
const lockFile = 'hub.pid';

/**
 * Opens the database the configuration names. The embedded database can be
 * open in one process only (two would corrupt it), so its folder is locked
 * with a pid file: a second process is told who holds it, and a lock left by
 * a process that no longer runs is taken over.
 */
export async function openConfiguredDatabase(config: Pick<HubConfig, 'DATABASE_URL' | 'KATA_HUB_DATA_DIR'>): Promise<HubDatabase> {
  if (config.DATABASE_URL) return openDatabase({ url: config.DATABASE_URL });
  await mkdir(config.KATA_HUB_DATA_DIR, { recursive: true });
  const lock = join(config.KATA_HUB_DATA_DIR, lockFile);
  await takeLock(lock);
  try {
    const database = await openDatabase({ dataDir: join(config.KATA_HUB_DATA_DIR, embeddedDatabaseFolder) });
    return {
      ...database,
      async close() {
        await database.close();
        await rm(lock, { force: true });
      },
    };
  } catch (error) {
    await rm(lock, { force: true });
    throw error;
  }
}

async function takeLock(lock: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
        throw new Error(`The Hub's embedded database (${lock.replace(/hub\.pid$/, '')}) is in use by process ${holder}, most likely a running Hub. Stop it first, or ask the running Hub (for example GET /v1/audit/verify).`, { cause: error });
      }
      await rm(lock, { force: true });
    }
  }
  throw new Error(`Could not lock the Hub's data folder (${lock}).`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
