import { undoAll } from './clean-up';
import { cancelBenchQueries } from './hub-under-test';

/**
 * Runs a bench's `main` (its exit code) and exits with it, undoing what the
 * bench made (databases, folders) at the end, also on Ctrl+C or a TERM, when
 * the bench's queries are cancelled first; what an interruption cut short is
 * not an error to report.
 */
export function runBench(main: () => Promise<number>, made: string): void {
  let interrupted = false;
  const interrupt = () => {
    if (interrupted) return;
    interrupted = true;
    console.error(`\nInterrupted: ${made}.`);
    void cancelBenchQueries()
      .catch((error: unknown) => console.error(error))
      .then(undoAll)
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);

  main()
    .catch((error: unknown) => {
      if (!interrupted) console.error(error);
      return 1;
    })
    .then(async (code) => {
      await undoAll();
      process.exit(interrupted ? 130 : code);
    });
}
