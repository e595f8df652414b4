import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { undoLater } from './clean-up';
import { cpuSince, sampleCpu, type CpuSample } from './cpu-usage';
import type { IngestLoadResult } from './load-result';

export interface SecondProcessResult extends IngestLoadResult {
  /** CPU time of this process (where the Hub runs) and of the whole machine over the runner's measured run. */
  here: CpuSample;
}

/**
 * Runs a runner of this folder (ingest-load.ts, insert-reference.ts) in a
 * process of its own with `job` as JSON in argv[2], and reads its result
 * from stdout. On Ctrl+C the runner is stopped with the bench.
 */
export function runInSecondProcess(runner: 'ingest-load.ts' | 'insert-reference.ts', job: object): Promise<SecondProcessResult> {
  return new Promise((resolve, reject) => {
    // fork passes on this process's tsx loader, so the runner is TypeScript too.
    const child = fork(fileURLToPath(new URL(`./${runner}`, import.meta.url)), [JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const stop = undoLater(async () => void child.kill());
    let stdout = '';
    let measuring = sampleCpu();
    let here: CpuSample | undefined;
    child.on('message', (phase) => {
      if (phase === 'measuring') measuring = sampleCpu();
      if (phase === 'measured') here = cpuSince(measuring);
    });
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.once('error', (error) => void stop().then(() => reject(error)));
    child.once('exit', (code) => {
      void stop();
      if (code !== 0) return reject(new Error(`${runner} exited with code ${code}.`));
      try {
        resolve({ ...(JSON.parse(stdout) as IngestLoadResult), here: here ?? cpuSince(measuring) });
      } catch {
        reject(new Error(`${runner} printed no result: ${stdout}`));
      }
    });
  });
}
