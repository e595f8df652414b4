import { readFileSync } from 'node:fs';

/**
 * CPU time, to say where a measured run's work went: this process's, and the
 * whole machine's busy time from /proc/stat (Linux; null elsewhere), so that
 * what PostgreSQL spent is the machine's less the processes the bench knows.
 */
export interface CpuSample {
  processMs: number;
  machineBusyMs: number | null;
}

/** /proc/stat counts in USER_HZ, 100 a second on Linux. */
const msPerTick = 10;

export function sampleCpu(): CpuSample {
  const usage = process.cpuUsage();
  return { processMs: (usage.user + usage.system) / 1000, machineBusyMs: machineBusyMs() };
}

export function cpuSince(start: CpuSample): CpuSample {
  const end = sampleCpu();
  return { processMs: end.processMs - start.processMs, machineBusyMs: end.machineBusyMs === null || start.machineBusyMs === null ? null : end.machineBusyMs - start.machineBusyMs };
}

function machineBusyMs(): number | null {
  try {
    const [, user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) * msPerTick;
  } catch {
    return null;
  }
}
