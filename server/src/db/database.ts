import { createHash } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
// kysely stays on the version kysely-pglite is built against, so both dialects share one set of types.
import { Kysely, Migrator, PostgresDialect, type Migration, type MigrationProvider } from 'kysely';
import pg from 'pg';
import { workspacesAndAudit } from './migrations/0001-workspaces-and-audit';
import { identity } from './migrations/0002-identity';
import { auditIntegrity } from './migrations/0003-audit-integrity';
import { customerData } from './migrations/0004-customer-data';
import { segmentIndexes } from './migrations/0005-segment-indexes';
import { ingestKeys } from './migrations/0006-ingest-keys';
import { scim } from './migrations/0007-scim';
import { scimGroups } from './migrations/0008-scim-groups';
import { oidc } from './migrations/0009-oidc';
import { oidcSessions } from './migrations/0010-oidc-sessions';
import { saml } from './migrations/0011-saml';
import { oauth } from './migrations/0012-oauth';
import { sync } from './migrations/0013-sync';
import { externalConversions } from './migrations/0014-external-conversions';
import { attribution } from './migrations/0015-attribution';
import { connectors } from './migrations/0016-connectors';
import { experiments } from './migrations/0017-experiments';
import { ingestIndexes } from './migrations/0019-ingest-indexes';
import { experimentRollup } from './migrations/0020-experiment-rollup';
import { budgetAdvice } from './migrations/0021-budget-advice';
import { renderPreviews } from './migrations/0022-render-previews';
import { consoleIndexes } from './migrations/0023-console-indexes';
import { experimentTotals } from './migrations/0024-experiment-totals';
import { ingestVersions } from './migrations/0025-ingest-versions';
import { SerialPGlite } from './pglite-dialect';
import { preparedStatement } from './prepared';
import type { HubSchema } from './schema';

/** Every migration, in order; append new ones, never edit a released one. */
export const migrations: Record<string, Migration> = {
  '0001-workspaces-and-audit': workspacesAndAudit,
  '0002-identity': identity,
  '0003-audit-integrity': auditIntegrity,
  '0004-customer-data': customerData,
  '0005-segment-indexes': segmentIndexes,
  '0006-ingest-keys': ingestKeys,
  '0007-scim': scim,
  '0008-scim-groups': scimGroups,
  '0009-oidc': oidc,
  '0010-oidc-sessions': oidcSessions,
  '0011-saml': saml,
  '0012-oauth': oauth,
  '0013-sync': sync,
  '0014-external-conversions': externalConversions,
  '0015-attribution': attribution,
  '0016-connectors': connectors,
  '0017-experiments': experiments,
  '0019-ingest-indexes': ingestIndexes,
  '0020-experiment-rollup': experimentRollup,
  '0021-budget-advice': budgetAdvice,
  '0022-render-previews': renderPreviews,
  '0023-console-indexes': consoleIndexes,
  '0024-experiment-totals': experimentTotals,
  '0025-ingest-versions': ingestVersions,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Prepared statements' names by their text (a few statements, written in the code), shared by every connection. */
const statementNames = new Map<string, string>();
const statementName = (text: string) => {
  let name = statementNames.get(text);
  if (name === undefined) statementNames.set(text, (name = `kata_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`));
  return name;
};

/** A pg client that prepares statements marked with `preparedStatement`, named by their text. */
class PreparingClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [text, values] = args;
    const query = pg.Client.prototype.query as (...a: unknown[]) => never;
    if (args.length === 2 && typeof text === 'string' && text.startsWith(preparedStatement) && Array.isArray(values)) {
      return query.call(this, { name: statementName(text), text, values });
    }
    return query.apply(this, args);
  }
}

export interface HubDatabase {
  db: Kysely<HubSchema>;
  kind: 'pglite' | 'postgres';
  /** The connection under Kysely, for libraries that speak SQL themselves (the job queue). */
  native: { kind: 'postgres'; pool: pg.Pool } | { kind: 'pglite'; client: PGlite; exclusive: SerialPGlite['exclusive'] };
  close(): Promise<void>;
}

/**
 * The Hub's database: PostgreSQL at DATABASE_URL, or the embedded PGlite
 * (in `dataDir`, or in memory for tests) when none is given. The same
 * schema, migrations and queries serve both; migrations run on open.
 */
export async function openDatabase(options: { url?: string; dataDir?: string }): Promise<HubDatabase> {
  let db: Kysely<HubSchema>;
  let kind: HubDatabase['kind'];
  let native: HubDatabase['native'];
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: 10, Client: PreparingClient });
    // An idle connection the server drops (restart, failover) must not bring the Hub down; the pool reconnects.
    pool.on('error', () => undefined);
    // Nor one dropped while lent out (a backend ended mid-transaction): the query under way fails and says so; the
    // connection's own error event would otherwise have no listener and end the process.
    pool.on('connect', (client) => client.on('error', () => undefined));
    db = new Kysely<HubSchema>({ dialect: new PostgresDialect({ pool }) });
    kind = 'postgres';
    native = { kind, pool };
  } else {
    const client = options.dataDir ? new PGlite(options.dataDir) : new PGlite();
    const serial = new SerialPGlite(client);
    // Use the PGlite connection only through `exclusive`, never directly: see SerialPGlite.
    native = { kind: 'pglite', client, exclusive: (work) => serial.exclusive(work) };
    db = new Kysely<HubSchema>({ dialect: serial.dialect });
    kind = 'pglite';
  }
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    await db.destroy();
    throw new Error(`The Hub database could not be migrated${failed ? ` (${failed.migrationName})` : ''}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { db, kind, native, close: () => db.destroy() };
}
