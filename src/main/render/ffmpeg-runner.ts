import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, constants, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
// fluent-ffmpeg is unmaintained: it stays inside this module so that swapping it touches one file.
import ffmpeg, { type FfmpegCommand } from 'fluent-ffmpeg';
import type { FfmpegInvocation, RenderProgress } from './invocation';
import { feedProgress, startProgress } from './progress';

export interface RunFfmpegOptions {
  ffmpegPath: string;
  invocation: FfmpegInvocation;
  /** Where the finished file goes; its extension picks the container. */
  outputPath: string;
  signal?: AbortSignal;
  onProgress?: (progress: RenderProgress) => void;
  /** The command line (once, shell-escaped), then each line FFmpeg writes to stderr. */
  onLog?: (line: string) => void;
}

export interface RenderResult {
  outputPath: string;
  /** Wall-clock seconds the render took. */
  seconds: number;
}

export class RenderCancelledError extends Error {
  // The name AbortController and fetch() use, so callers can treat every cancel alike.
  override name = 'AbortError';
  constructor() {
    super('The render was cancelled.');
  }
}

export class RenderFailedError extends Error {
  override name = 'RenderFailedError';
  /** What FFmpeg wrote to stderr (its head and tail when it was very long). */
  readonly log: string;
  constructor(message: string, log: string, options?: { cause?: unknown }) {
    super(message, options);
    this.log = log;
  }
}

const graphFile = 'graph.txt';
/** A heavy encoder can take seconds to flush after SIGTERM; a cancelled render need not wait for that. */
const killGraceMs = 500;
/**
 * Global options (FFmpeg takes them anywhere on the line): progress as key=value blocks on stdout,
 * a level on each stderr line so errors can be told from chatter, and never a wait on the terminal.
 */
const globalOptions = ['-hide_banner', '-loglevel', 'level+info', '-nostdin', '-nostats', '-progress', 'pipe:1'];

/** Runs one FFmpeg invocation into `outputPath`, which appears only when the render succeeded. */
export async function runFfmpeg(options: RunFfmpegOptions): Promise<RenderResult> {
  const { invocation, signal } = options;
  if (signal?.aborted) throw new RenderCancelledError();
  // FFmpeg runs in the working folder, so a relative output path must be pinned first.
  const outputPath = resolve(options.outputPath);
  await checkOutputFolder(dirname(outputPath));
  await checkFfmpeg(options.ffmpegPath);
  for (const file of invocation.files) checkFileName(file.name);

  const started = performance.now();
  const workFolder = await mkdtemp(join(tmpdir(), 'kata-render-'));
  // Same folder (so the rename is atomic) and same extension (FFmpeg picks the muxer by it).
  const partialPath = join(dirname(outputPath), `.${basename(outputPath)}.partial-${randomBytes(4).toString('hex')}${extname(outputPath)}`);
  let last: RenderProgress;
  try {
    await Promise.all([
      ...invocation.files.map((file) => writeFile(join(workFolder, file.name), file.contents)),
      writeFile(join(workFolder, graphFile), invocation.filterGraph),
    ]);
    last = await execute({ ...options, workFolder, partialPath });
    if (signal?.aborted) throw new RenderCancelledError();
    await rename(partialPath, outputPath);
  } catch (error) {
    await rm(partialPath, { force: true });
    throw error;
  } finally {
    await rm(workFolder, { recursive: true, force: true, maxRetries: 3 });
  }
  options.onProgress?.({ ...last, state: 'done', fraction: 1, etaSeconds: 0 });
  return { outputPath, seconds: (performance.now() - started) / 1000 };
}

/** Spawns FFmpeg and settles once its process has exited: with the last progress, or a cancel or failure error. */
function execute(run: RunFfmpegOptions & { workFolder: string; partialPath: string }): Promise<RenderProgress> {
  const { invocation, signal, onProgress, onLog } = run;
  return new Promise((resolvePromise, reject) => {
    if (signal?.aborted) return reject(new RenderCancelledError());
    const command = buildCommand(run);
    const log = new StderrLog();
    let progress = startProgress({ durationSeconds: invocation.durationSeconds });
    let child: ChildProcess | undefined;
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      if (child) stop(child);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    command.on('start', () => {
      child = childOf(command);
      if (!child) return;
      // fluent-ffmpeg's own handler for a failed spawn (EAGAIN, EMFILE...) throws a TypeError, which would crash main.
      child.removeAllListeners('error');
      child.on('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(failure(error, log, run.ffmpegPath));
      });
      onLog?.(shellEscape(child.spawnargs));
      onProgress?.(progress.progress);
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => {
        const next = feedProgress(progress, chunk);
        if (next.progress !== progress.progress && !cancelled) onProgress?.(next.progress);
        progress = next;
      });
      // The abort came while fluent-ffmpeg was still probing formats, before there was a process to stop.
      if (cancelled) stop(child);
    });
    command.on('stderr', (line: string) => {
      log.add(line);
      onLog?.(line);
    });
    // fluent-ffmpeg reports the end only after the process exited and its pipes closed.
    command.on('end', () => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise(progress.progress);
    });
    command.on('error', (error: Error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(cancelled ? new RenderCancelledError() : failure(error, log, run.ffmpegPath));
    });
    command.run();
  });
}

function buildCommand(run: RunFfmpegOptions & { workFolder: string; partialPath: string }): FfmpegCommand {
  const command = ffmpeg({ cwd: run.workFolder });
  // fluent-ffmpeg keeps this path in a module-wide cache, not on the command: set it right before each run.
  command.setFfmpegPath(run.ffmpegPath);
  for (const input of run.invocation.inputs) {
    command.input(input.path);
    // Spread, never one array: given an array, fluent-ffmpeg splits each "a b" string into two arguments.
    if (input.options.length > 0) command.inputOptions(...input.options);
  }
  const graph = run.invocation.filterGraph.trim() ? ['-filter_complex_script', graphFile] : [];
  return command.output(run.partialPath).outputOptions(...globalOptions, ...graph, ...run.invocation.outputOptions);
}

/** fluent-ffmpeg keeps its child process on an undocumented field; we need it for the exact argv and the kill. */
function childOf(command: FfmpegCommand): ChildProcess | undefined {
  return (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM lets FFmpeg release devices cleanly; SIGKILL follows if it is still flushing after the grace. */
function stop(child: ChildProcess): void {
  if (!isRunning(child)) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (isRunning(child)) child.kill('SIGKILL');
  }, killGraceMs);
  child.once('exit', () => clearTimeout(timer));
}

function failure(error: Error, log: StderrLog, ffmpegPath: string): RenderFailedError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code) return cannotStart(ffmpegPath, error, log.text());
  const reasons = log.errors();
  // Without an error line, fluent-ffmpeg's own first line says how it ended ("ffmpeg was killed with signal SIGSEGV").
  const reason = reasons.length > 0 ? reasons.join('. ') : (error.message.split('\n')[0] ?? error.message);
  return new RenderFailedError(`FFmpeg failed: ${reason}`, log.text(), { cause: error });
}

function cannotStart(ffmpegPath: string, error: Error, log: string): RenderFailedError {
  const code = (error as NodeJS.ErrnoException).code ?? error.message;
  return new RenderFailedError(
    `FFmpeg could not be started from "${ffmpegPath}" (${code}): check that this file exists and is executable.`,
    log,
    { cause: error },
  );
}

/** Checked here because fluent-ffmpeg, given a missing binary, can throw from an event handler instead of failing the run. */
async function checkFfmpeg(ffmpegPath: string): Promise<void> {
  await access(ffmpegPath, constants.X_OK).catch((error: Error) => {
    throw cannotStart(ffmpegPath, error, '');
  });
}

async function checkOutputFolder(folder: string): Promise<void> {
  const found = await stat(folder).catch(() => null);
  if (!found?.isDirectory()) throw new Error(`The output folder "${folder}" does not exist. Choose an existing folder for the render.`);
}

function checkFileName(name: string): void {
  if (!name || name === '.' || name === '..' || /[\\/]/.test(name) || name === graphFile) {
    throw new Error(
      `The render file "${name}" must be a plain file name other than "${graphFile}": it is written into the render's working folder and named from the filter graph.`,
    );
  }
}

/** Lines FFmpeg adds after the real cause, which tell the user nothing more. */
const genericErrors = new Set(['Invalid argument', 'Conversion failed!', 'Error initializing complex filters.']);
const headLines = 200;
const tailLines = 5000;

/** FFmpeg's stderr, bounded: a render that warns on every frame must not fill memory. */
class StderrLog {
  private head: string[] = [];
  private tail: string[] = [];
  private skipped = 0;

  add(line: string): void {
    if (this.head.length < headLines) this.head.push(line);
    else this.tail.push(line);
    // Trim in batches so that a long log costs amortised constant time per line.
    if (this.tail.length > 2 * tailLines) this.skipped += this.tail.splice(0, this.tail.length - tailLines).length;
  }

  text(): string {
    const gap = this.skipped > 0 ? [`... ${this.skipped} lines left out ...`] : [];
    return [...this.head, ...gap, ...this.tail].join('\n');
  }

  /** The last few error lines, without their "[filter @ 0x…] [error]" prefixes. */
  errors(count = 3): string[] {
    const reasons: string[] = [];
    for (const line of [...this.head, ...this.tail]) {
      const match = /^(?:\[[^\]]* @ 0x[0-9a-f]+\] )?\[(error|fatal|panic)\] (.*)$/.exec(line.trimEnd());
      const text = match?.[2]?.trim();
      if (!text || genericErrors.has(text)) continue;
      const reason = text.replace(/\.$/, '');
      if (!reasons.includes(reason)) reasons.push(reason);
    }
    return reasons.slice(-count);
  }
}

/** POSIX shell quoting, for a command line a user can paste into a terminal to reproduce a render. */
export function shellEscape(args: string[]): string {
  return args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
