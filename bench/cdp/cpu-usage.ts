import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time, to say where a measured run's work went: this process's, and the
 * whole machine's busy time from /proc/stat (Linux; null elsewhere), so that
 * what PostgreSQL spent is the machine's less the processes the bench knows.
 */
export interface CpuSample {
  processMs: number;
  machineBusyMs: number | null;
  /**
   * PostgreSQL's own: its processes serving the bench's databases and its
   * background writers, from /proc/<pid>/stat (Linux, server on this
   * machine; null elsewhere). Unlike the machine's busy time, this holds
   * when other work shares the machine.
   */
  postgresMs: number | null;
}

/** /proc/stat counts in USER_HZ, 100 a second on Linux. */
const msPerTick = 10;

export function sampleCpu(): CpuSample {
  const usage = process.cpuUsage();
  return { processMs: (usage.user + usage.system) / 1000, machineBusyMs: machineBusyMs(), postgresMs: postgresMs() };
}

export function cpuSince(start: CpuSample): CpuSample {
  const end = sampleCpu();
  const since = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  return { processMs: end.processMs - start.processMs, machineBusyMs: since(end.machineBusyMs, start.machineBusyMs), postgresMs: since(end.postgresMs, start.postgresMs) };
}

/** PostgreSQL's process titles: `postgres: [<cluster>: ]<user> <database> <client> <state>` for a connection, `postgres: [<cluster>: ]walwriter` and so on for the rest. */
const benchPostgresProcess = /^postgres: (\S+: )?(\S+ kata_bench_|walwriter|checkpointer|background writer|autovacuum)/;

function postgresMs(): number | null {
  try {
    let ticks = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (!benchPostgresProcess.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) continue;
        // After the command in parentheses: state is field 3, utime 14 and stime 15.
        const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ', 2)[1]!.split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // The process ended while being read.
      }
    }
    return ticks * msPerTick;
  } catch {
    return null;
  }
}

function machineBusyMs(): number | null {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) * msPerTick;
  } catch {
    return null;
  }
}
