import type { PGlite } from '@electric-sql/pglite';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { KyselyPGlite } from 'kysely-pglite';

/**
 * PGlite is one connection. kysely-pglite hands that same connection to every
 * caller at once, so a query from one request could land inside another
 * request's transaction (and be rolled back with it). This dialect lends the
 * connection to one caller at a time: a transaction holds it from BEGIN to
 * COMMIT, and everything else, including the job queue through `exclusive`,
 * waits its turn.
 */
export class SerialPGlite {
  readonly dialect: Dialect;
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly client: PGlite) {
    const inner = new KyselyPGlite(client).dialect;
    this.dialect = { ...inner, createDriver: () => new SerialDriver(inner.createDriver(), this) };
  }

  /** Waits for the connection; the returned function gives it back. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const turn = this.queue.then(() => release);
    this.queue = this.queue.then(() => released);
    return turn;
  }

  /** Runs `work` with the connection to itself (for libraries that speak SQL directly). */
  async exclusive<T>(work: (client: PGlite) => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await work(this.client);
    } finally {
      release();
    }
  }
}

/** kysely-pglite leaves out how many rows an update or delete touched; Kysely reads it as numAffectedRows. */
function countingRows(connection: DatabaseConnection): DatabaseConnection {
  return {
    async executeQuery<R>(query: CompiledQuery) {
      const result = (await connection.executeQuery<R>(query)) as QueryResult<R> & { affectedRows?: number };
      return result.numAffectedRows === undefined && result.affectedRows !== undefined ? { ...result, numAffectedRows: BigInt(result.affectedRows) } : result;
    },
    streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
  };
}

class SerialDriver implements Driver {
  private readonly releases = new WeakMap<DatabaseConnection, () => void>();
  constructor(
    private readonly inner: Driver,
    private readonly serial: SerialPGlite,
  ) {}
  init(): Promise<void> {
    return this.inner.init();
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.serial.acquire();
    const connection = countingRows(await this.inner.acquireConnection());
    this.releases.set(connection, release);
    return connection;
  }
  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }
  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }
  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    await this.inner.releaseConnection(connection);
    this.releases.get(connection)?.();
    this.releases.delete(connection);
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
