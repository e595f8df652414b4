import { runKata } from './cli/kata';

// `kata` on the command line: headless render and friends (see src/main/cli/kata.ts).
const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.once('SIGTERM', () => controller.abort());

void runKata(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: Boolean(process.stderr.isTTY),
  env: process.env,
  signal: controller.signal,
}).then((code) => {
  process.exitCode = code;
});
