import { attributionCli } from './cli/attribution';
import { auditVerify } from './cli/audit';
import { experimentStats } from './cli/experiment-stats';
import { initWorkspace, terminalAsk } from './cli/init';
import { startHub } from './serve';

const usage = `Kata Hub
  npm run hub                          start the Hub (127.0.0.1:4400; KATA_HUB_HOST, KATA_HUB_PORT)
  npm run hub -- init                  create a workspace and its owner
  npm run hub -- audit verify          check every workspace's audit log [--workspace <id>] [--json]
  npm run hub -- experiment-stats <file.json>   an experiment's lift, interval, p-value or chance to win [--json]
  npm run hub -- attribution           credit a path file's conversions to its channels
                                       --paths <file.csv> --model <name> [--order 1|2|3] [--half-life <days>] [--json]
                                       (npm run hub -- attribution --help for the file layout and models)`;

async function main(argv: string[]): Promise<number> {
  const io = { env: process.env, out: (line: string) => console.log(line), err: (line: string) => console.error(line) };
  const [command, ...rest] = argv;
  if (command === 'init') return initWorkspace(rest, { ...io, ask: terminalAsk() });
  if (command === 'audit' && rest[0] === 'verify') return auditVerify(rest.slice(1), io);
  if (command === 'experiment-stats') return experimentStats(rest, io);
  if (command === 'attribution') return attributionCli(rest, io);
  if (command === 'help' || command === '--help') return (io.out(usage), 0);
  if (command !== undefined && command !== 'serve') return (io.err(`Unknown command "${argv.join(' ')}".\n${usage}`), 2);

  const hub = await startHub(process.env);
  io.out(`Kata Hub is listening on ${hub.url} (API reference: ${hub.url}/docs)`);
  if (hub.setupLink) io.out(`\nNo workspace yet. Open this one-time link to create the first one and its owner:\n  ${hub.setupLink}\nor run \`npm run hub -- init\`.\n`);
  // Finish what is in flight, then close the database.
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  io.out('Stopping: finishing requests and jobs under way…');
  await hub.stop();
  io.out('Kata Hub stopped.');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
