/**
 * The reference for ingest: the same batches of 100 messages written straight
 * into a plain PostgreSQL table (its primary key only) with one multi-row
 * INSERT each, over as many connections as the Hub's load uses, with no Hub,
 * no identity graph and no profiles. Runs as its own process like the Hub's
 * load; takes one InsertReferenceJob as JSON in argv[2] and prints one
 * IngestLoadResult as JSON.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { batchSource, messagesPerBatch, type SegmentMessage } from './batches';
import { cpuSince, sampleCpu } from './cpu-usage';
import { announce, percentile, printResultOf, type IngestLoadResult } from './load-result';

export interface InsertReferenceJob {
  databaseUrl: string;
  users: number;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

const referenceTable = 'bench_raw_events';

const createReferenceTable = `create table ${referenceTable} (
  message_id text primary key,
  type text not null,
  name text,
  user_id text,
  anonymous_id text,
  traits jsonb,
  properties jsonb,
  context jsonb,
  occurred_at timestamptz not null,
  received_at timestamptz not null default now()
)`;

const columns = ['message_id', 'type', 'name', 'user_id', 'anonymous_id', 'traits', 'properties', 'context', 'occurred_at'];
const insertStatement = `insert into ${referenceTable} (${columns.join(', ')}) values ${Array.from({ length: messagesPerBatch }, (_, row) => `(${columns.map((_, column) => `$${row * columns.length + column + 1}`).join(', ')})`).join(', ')}`;

function parametersOf(batch: SegmentMessage[]): unknown[] {
  return batch.flatMap((m) => [m.messageId, m.type, m.event ?? m.name ?? null, m.userId, m.anonymousId, m.traits ? JSON.stringify(m.traits) : null, m.properties ? JSON.stringify(m.properties) : null, JSON.stringify(m.context), m.timestamp]);
}

interface Tally {
  inserted: number;
  failed: number;
  latenciesMs: number[];
}

/** Every connection inserts batch after batch until `until`; each batch is built while no insert of its connection is in flight, as a sender would. */
async function insertUntil(clients: pg.Client[], users: number, until: number): Promise<Tally> {
  const tally: Tally = { inserted: 0, failed: 0, latenciesMs: [] };
  await Promise.all(
    clients.map(async (client) => {
      const batches = batchSource({ users });
      while (performance.now() < until) {
        const parameters = parametersOf(batches.next());
        const started = performance.now();
        try {
          await client.query(insertStatement, parameters);
          tally.inserted++;
          tally.latenciesMs.push(performance.now() - started);
        } catch (error) {
          if (tally.failed++ === 0) console.error(error);
        }
      }
    }),
  );
  return tally;
}

async function insertReference(job: InsertReferenceJob): Promise<IngestLoadResult> {
  const clients = Array.from({ length: job.connections }, () => new pg.Client({ connectionString: job.databaseUrl }));
  try {
    await Promise.all(clients.map((c) => c.connect()));
    await clients[0]!.query(createReferenceTable);
    const warmup = await insertUntil(clients, job.users, performance.now() + job.warmupSeconds * 1000);
    announce('measuring');
    const cpu = sampleCpu();
    const started = performance.now();
    const measured = await insertUntil(clients, job.users, started + job.seconds * 1000);
    const seconds = (performance.now() - started) / 1000;
    const cpuMs = cpuSince(cpu).processMs;
    announce('measured');
    const sorted = measured.latenciesMs.sort((a, b) => a - b);
    return {
      eventsPerSecond: (measured.inserted * messagesPerBatch) / seconds,
      batchesPerSecond: measured.inserted / seconds,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      responses: measured.inserted + measured.failed,
      non2xx: 0,
      errors: warmup.failed + measured.failed,
      succeededInAll: warmup.inserted + measured.inserted,
      batches: measured.inserted,
      cpuMs,
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}

printResultOf(insertReference(JSON.parse(process.argv[2]!) as InsertReferenceJob));
