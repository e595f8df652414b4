import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type HubDatabase } from '../src/db/database';

/** The PostgreSQL every machine here runs: the Hub's tests use a fresh database on it per run. */
const adminUrl = process.env.KATA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Both databases the Hub supports: the embedded PGlite and a real PostgreSQL server. */
export const hubDatabases: { name: string; open(): Promise<HubDatabase> }[] = [
  { name: 'PGlite', open: () => openDatabase({}) },
  {
    name: 'PostgreSQL',
    async open() {
      const name = `kata_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const database = await openDatabase({ url: url.toString() });
      return {
        ...database,
        async close() {
          await database.close();
          const cleanup = new pg.Client({ connectionString: adminUrl });
          await cleanup.connect();
          await cleanup.query(`drop database if exists ${name} with (force)`);
          await cleanup.end();
        },
      };
    },
  },
];
