/**
 * The customer-data platform on the real PostgreSQL: ingest throughput
 * (events per second through `POST /v1/batch`, batches of 100, from a second
 * process) and segment evaluation time over generated profiles, each against
 * a reference measured in the same run, and against the targets of at least
 * 10,000 events/s and under 2 s for a three-condition segment over 1,000,000
 * profiles. Databases and temporary folders are removed at the end, also on
 * Ctrl+C; the exit code is 1 when a request failed or a count disagreed.
 * The Hub runs in this process, with the Node flags `npm run hub` gives it.
 * Run: npm run bench:cdp (KATA_BENCH_SECONDS, KATA_BENCH_WARMUP_SECONDS,
 * KATA_BENCH_PGLITE_SECONDS, KATA_BENCH_CONNECTIONS, KATA_BENCH_USERS,
 * KATA_BENCH_PROFILES, KATA_BENCH_EVENTS_PER_PROFILE, KATA_BENCH_RUNS,
 * KATA_BENCH_EXPLAIN=1, KATA_BENCH_ONLY=ingest|segments, KATA_BENCH_POSTGRES_URL)
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { cpuSince, sampleCpu } from './cpu-usage';
import { adminUrl } from './hub-under-test';
import { benchIngest } from './ingest-throughput';
import { runBench } from './run-bench';
import { benchSegments } from './segment-evaluation';

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number ≥ 0, not "${process.env[name]}".`);
  return value;
};
const only = process.env.KATA_BENCH_ONLY?.toLowerCase();

async function serverVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string; shared_buffers: string; work_mem: string; jit: string }>(`select split_part(version(), ' on ', 1) as version, current_setting('shared_buffers') as shared_buffers, current_setting('work_mem') as work_mem, current_setting('jit') as jit`);
    const settings = rows[0]!;
    return `${settings.version} (shared_buffers ${settings.shared_buffers}, work_mem ${settings.work_mem}, jit ${settings.jit})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The Hub runs in this process: it should have the Node flags `npm run hub`
 * starts the Hub with (a larger young generation, see package.json), which
 * `npm run bench:cdp` gives it. Says which are missing, when run otherwise.
 */
function hubFlags(): string {
  const script = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts.hub ?? '';
  const flags = script.split(/\s+/).filter((token) => token.startsWith('--'));
  const missing = flags.filter((flag) => !process.execArgv.includes(flag));
  return missing.length === 0 ? `the Hub runs with ${flags.join(' ') || 'no Node flags'}, as npm run hub starts it` : `WARNING: the Hub runs without ${missing.join(' ')}, which npm run hub gives it; run npm run bench:cdp`;
}

/** How busy other processes keep the machine, since they share it with the bench's figures. */
async function busyBeforeStart(): Promise<string> {
  const start = sampleCpu();
  await sleep(1000);
  const { machineBusyMs } = cpuSince(start);
  return machineBusyMs === null ? 'unknown' : `${((machineBusyMs / (1000 * cpus().length)) * 100).toFixed(0)} %`;
}

async function main(): Promise<number> {
  console.log(`Customer data on the real PostgreSQL, Node ${process.version}, ${cpus().length} cores, ${await serverVersion()}`);
  console.log(`machine busy with other work before the bench: ${await busyBeforeStart()}`);
  console.log(hubFlags());
  const problems: string[] = [];
  if (only !== 'segments') {
    problems.push(
      ...(await benchIngest({
        seconds: number('KATA_BENCH_SECONDS', 10),
        warmupSeconds: number('KATA_BENCH_WARMUP_SECONDS', 3),
        pgliteSeconds: number('KATA_BENCH_PGLITE_SECONDS', 5),
        connections: number('KATA_BENCH_CONNECTIONS', 8),
        users: number('KATA_BENCH_USERS', 50_000),
        target: 10_000,
      })),
    );
  }
  if (only !== 'ingest') {
    problems.push(
      ...(await benchSegments({
        profiles: number('KATA_BENCH_PROFILES', 1_000_000),
        eventsPerProfile: number('KATA_BENCH_EVENTS_PER_PROFILE', 3),
        runs: Math.max(1, number('KATA_BENCH_RUNS', 5)),
        explain: process.env.KATA_BENCH_EXPLAIN === '1',
        targetMs: 2_000,
      })),
    );
  }
  for (const problem of problems) console.error(`FAILED: ${problem}`);
  return problems.length > 0 ? 1 : 0;
}

runBench(main, 'dropping the bench databases and removing its folders');
