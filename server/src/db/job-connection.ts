import type { HubDatabase } from './database';

/** Where pg-boss keeps its tables (its default schema). */
export const jobSchema = 'pgboss';

/** pg-boss's `db` option: the Hub's own connection, so jobs live in the Hub's database. */
export interface JobConnection {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  /** Whether a statement is in flight (pg-boss records a finished job without waiting for the write). */
  busy(): boolean;
  /** Resolves when no statement is in flight. */
  settled(): Promise<void>;
}

/**
 * Lends pg-boss the connection the Hub opened: the PostgreSQL pool, or the
 * embedded PGlite through its one-caller-at-a-time `exclusive`. PGlite runs
 * a parameterless text (pg-boss's schema and maintenance scripts hold several
 * statements in one BEGIN ... COMMIT) with `exec`, and one statement with
 * parameters with `query`.
 */
export function jobConnection(database: HubDatabase): JobConnection {
  const native = database.native;
  const run =
    native.kind === 'postgres'
      ? (text: string, values?: unknown[]) => native.pool.query(text, values)
      : (text: string, values?: unknown[]) =>
          native.exclusive(async (client) => {
            if (!values || values.length === 0) return (await client.exec(text)).at(-1) ?? { rows: [] };
            // node-pg sends undefined as NULL; PGlite wants it said.
            return client.query(text, values.map((value) => (value === undefined ? null : value)));
          });
  const inFlight = new Set<Promise<unknown>>();
  return {
    executeSql(text, values) {
      const statement = run(text, values) as Promise<{ rows: Record<string, unknown>[] }>;
      inFlight.add(statement);
      const forget = () => inFlight.delete(statement);
      statement.then(forget, forget);
      return statement;
    },
    busy: () => inFlight.size > 0,
    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** One job as the Hub reports it; `state` is pg-boss's, with a failed job that went to its dead letter queue told apart. */
export interface JobRow {
  id: string;
  name: string;
  workspaceId: string;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed' | 'dead-letter';
  retryCount: number;
  retryLimit: number;
  createdOn: Date;
  startedOn: Date | null;
  startAfter: Date;
  completedOn: Date | null;
  output: unknown;
}

const jobColumns = 'id, name, data, state, dead_letter, retry_count, retry_limit, created_on, started_on, start_after, completed_on, output';

// pg-boss has no listing API; this reads its tables (live and archived), never writes them.
// A job in a dead letter queue is pg-boss's copy of a failed job; the failed job itself is what the Hub reports.
const selectJobs = `
  with jobs as (
    select ${jobColumns} from ${jobSchema}.job
    union all
    select ${jobColumns} from ${jobSchema}.archive
  ), reported as (
    select id, name, data->>'workspaceId' as "workspaceId",
      case when state = 'failed' and dead_letter is not null then 'dead-letter' else state::text end as state,
      retry_count as "retryCount", retry_limit as "retryLimit", created_on as "createdOn", started_on as "startedOn",
      start_after as "startAfter", completed_on as "completedOn", output
    from jobs
    where not exists (select 1 from ${jobSchema}.queue q where q.dead_letter = jobs.name)
  )
  select * from reported
  where "workspaceId" = $1
    and ($2::uuid is null or id = $2::uuid)
    and ($3::text is null or name = $3::text)
    and ($4::text is null or state = $4::text)
  order by "createdOn" desc, id
  limit $5::int`;

/** A workspace's jobs, newest first; another workspace's job is never among them. */
export async function readJobs(connection: JobConnection, filter: { workspaceId: string; id?: string; name?: string; state?: JobRow['state']; limit: number }): Promise<JobRow[]> {
  const { rows } = await connection.executeSql(selectJobs, [filter.workspaceId, filter.id ?? null, filter.name ?? null, filter.state ?? null, filter.limit]);
  return rows as unknown as JobRow[];
}

/** The id of the job that waits under a singleton key, if any. */
export async function findWaitingJob(connection: JobConnection, name: string, singletonKey: string): Promise<string | null> {
  const { rows } = await connection.executeSql(`select id from ${jobSchema}.job where name = $1 and singleton_key = $2 and state = 'created' limit 1`, [name, singletonKey]);
  return (rows[0]?.id as string | undefined) ?? null;
}
