import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import PQueue from 'p-queue';
import type { PresetId } from '../../shared/composition/presets';
import { reframeComposition } from '../../shared/composition/reframe';
import type { Composition } from '../../shared/composition/schema';
import { compileComposition } from './compile/compile-composition';
import { RenderCancelledError, runFfmpeg } from './ffmpeg-runner';
import type { RenderProgress } from './invocation';
import { loadRenderJobs, RenderJobsSaver, type RenderJob, type RenderPriority } from './render-jobs';

export type { RenderJob, RenderJobState, RenderPriority } from './render-jobs';

export interface RenderQueueOptions {
  /** JSON file holding every job; written after each change. */
  stateFile: string;
  /** Folder for one `<jobId>.log` per job: the command line and FFmpeg's stderr of each attempt. */
  logDir: string;
  ffmpegPath: string;
  /** Renders at the same time; 1 unless set. */
  concurrency?: number;
  /** Passed to the compiler for every job, e.g. `{ preset: 'ultrafast' }` for drafts. */
  encoder?: { preset?: string; crf?: number };
  /** Problems the user should hear about that do not stop the queue (a damaged state file, a failed save). */
  onWarning?: (message: string) => void;
  /**
   * Called once a job is done and saved as done (e.g. to make and upload its preview clip). It runs beside the
   * queue, never holding it up; what it throws is a warning, never a failed render.
   */
  onDone?: (job: RenderJob) => Promise<void>;
  now?: () => Date;
}

export interface RenderRequest {
  /** Parsed, with absolute media paths (see loadCompositionFile). */
  composition: Composition;
  outputPath: string;
  priority?: RenderPriority;
}

export interface RenderBatchRequest {
  composition: Composition;
  /** One render per platform: the composition reframed to each preset. */
  outputs: { preset: PresetId; mode: 'fit' | 'fill' | 'blurred-pad'; outputPath: string }[];
  priority?: RenderPriority;
}

export interface RenderQueue {
  /** Loads the state file and queues again the jobs that were waiting or running when Kata Studio stopped. */
  start(): Promise<void>;
  enqueue(request: RenderRequest): Promise<RenderJob>;
  enqueueBatch(request: RenderBatchRequest): Promise<RenderJob[]>;
  /** Settles once the job is cancelled (a running render's FFmpeg has exited); a finished job is returned as it is. */
  cancel(jobId: string): Promise<RenderJob>;
  /** Forgets a finished, failed or cancelled job and deletes its log. */
  remove(jobId: string): Promise<void>;
  /** Every job, oldest first. */
  list(): RenderJob[];
  get(jobId: string): RenderJob | undefined;
  setConcurrency(concurrency: number): void;
  /** Called on every change of a job's state or progress; returns the unsubscribe function. */
  onChange(listener: (job: RenderJob) => void): () => void;
  /** Stops taking jobs and stops running renders; they are saved as queued, to run again at the next start. */
  close(): Promise<void>;
}

const maxAttempts = 2;
/** p-queue runs greater numbers first. */
const priorityRank: Record<RenderPriority, number> = { high: 1, normal: 0, low: -1 };

export function createRenderQueue(options: RenderQueueOptions): RenderQueue {
  const now = options.now ?? (() => new Date());
  const warn = options.onWarning ?? ((message: string) => console.warn(`[render queue] ${message}`));
  const scheduler = new PQueue({ concurrency: checkConcurrency(options.concurrency ?? 1), autoStart: false });
  const jobs = new Map<string, RenderJob>();
  /** Aborts of the jobs being rendered now, and the promise that settles when each has stopped. */
  const running = new Map<string, { abort: AbortController; finished: Promise<void> }>();
  const listeners = new Set<(job: RenderJob) => void>();
  const saver = new RenderJobsSaver(options.stateFile, () => [...jobs.values()], warn);
  let started: Promise<void> | null = null;
  let closing = false;

  function update(id: string, patch: Partial<RenderJob>): RenderJob {
    const job = { ...jobs.get(id)!, ...patch };
    jobs.set(id, job);
    emit(job);
    return job;
  }

  function emit(job: RenderJob): void {
    for (const listener of listeners) {
      try {
        listener(job);
      } catch (error) {
        warn(`A render queue listener failed: ${(error as Error).message}`);
      }
    }
  }

  function schedule(job: RenderJob): void {
    // Cancelling a waiting job only marks it; its task finds that out when its turn comes and returns at once.
    scheduler
      .add(async () => (jobs.get(job.id)?.state === 'queued' ? render(job.id) : undefined), { priority: priorityRank[job.priority], id: job.id })
      .catch((error: Error) => warn(`The render job "${job.id}" stopped unexpectedly: ${error.message}`));
  }

  function render(id: string): Promise<void> {
    const abort = new AbortController();
    const finished = renderAttempts(id, abort.signal).finally(() => running.delete(id));
    running.set(id, { abort, finished });
    return finished;
  }

  async function renderAttempts(id: string, signal: AbortSignal): Promise<void> {
    let outcome: AttemptOutcome;
    let job: RenderJob;
    do {
      job = update(id, { state: 'running', attempts: jobs.get(id)!.attempts + 1, progress: null, error: null, startedAt: now().toISOString(), finishedAt: null });
      await saver.save();
      outcome = await renderOnce(job, signal);
      // A cancel is not a failure: only a failed attempt is tried again.
    } while (outcome.kind === 'failed' && job.attempts < maxAttempts && !signal.aborted);

    if (outcome.kind === 'done') {
      const outputBytes = await stat(job.outputPath).then((file) => file.size, () => null);
      update(id, { state: 'done', progress: outcome.progress, finishedAt: now().toISOString(), outputBytes });
    } else if (signal.aborted && closing) {
      // Stopped by the app, not the user: give the attempt back so the next start renders it from scratch.
      update(id, { state: 'queued', attempts: job.attempts - 1, progress: null, startedAt: null });
    } else if (signal.aborted) {
      update(id, { state: 'cancelled', finishedAt: now().toISOString() });
    } else {
      const message = outcome.kind === 'failed' ? outcome.message : 'FFmpeg stopped without being cancelled.';
      update(id, { state: 'failed', error: `The render failed after ${job.attempts} attempts: ${message} The FFmpeg log is in ${job.logPath}.`, finishedAt: now().toISOString() });
    }
    await saver.save();
    const done = jobs.get(id);
    if (done?.state === 'done' && options.onDone) void options.onDone(done).catch((error: Error) => warn(`After render ${id} (${done.outputPath}): ${error.message}`));
  }

  async function renderOnce(job: RenderJob, signal: AbortSignal): Promise<AttemptOutcome> {
    const log = new AttemptLog(job.logPath, warn);
    log.write(`=== Attempt ${job.attempts} of ${maxAttempts}, ${now().toISOString()}: ${job.outputPath}`);
    let last: RenderProgress | null = null;
    let outcome: AttemptOutcome;
    try {
      const invocation = compileComposition(job.composition, { kind: 'video', encoder: options.encoder });
      await runFfmpeg({
        ffmpegPath: options.ffmpegPath,
        invocation,
        outputPath: job.outputPath,
        signal,
        onLog: (line) => log.write(line),
        onProgress: (progress) => {
          last = progress;
          update(job.id, { progress });
          saver.saveSoon();
        },
      });
      outcome = { kind: 'done', progress: last };
      log.write(`=== Attempt ${job.attempts} finished: ${job.outputPath}`);
    } catch (error) {
      outcome = error instanceof RenderCancelledError ? { kind: 'cancelled' } : { kind: 'failed', message: (error as Error).message };
      log.write(`=== Attempt ${job.attempts} ${outcome.kind === 'failed' ? `failed: ${outcome.message}` : 'cancelled'}`);
    }
    await log.close();
    return outcome;
  }

  async function add(requests: RenderRequest[], batchId: string | null): Promise<RenderJob[]> {
    if (!started) throw new Error('The render queue is not started yet: call start() before adding renders.');
    await started;
    if (closing) throw new Error('The render queue is closed: Kata Studio is shutting down, so no new render can be added.');
    // Every request is checked before any is added, so a bad one leaves the queue as it was.
    requests.forEach((request) => checkMediaPaths(request.composition));
    const added = requests.map((request) => {
      const id = randomUUID();
      const job: RenderJob = {
        id,
        batchId,
        composition: request.composition,
        // Pinned now: a relative path would mean something else after a restart in another working folder.
        outputPath: resolve(request.outputPath),
        priority: request.priority ?? 'normal',
        state: 'queued',
        attempts: 0,
        progress: null,
        error: null,
        logPath: join(options.logDir, `${id}.log`),
        createdAt: now().toISOString(),
        startedAt: null,
        finishedAt: null,
        outputBytes: null,
      };
      jobs.set(id, job);
      emit(job);
      return job;
    });
    // Saved before the first render starts, so a crash right after enqueue still finds the jobs.
    await saver.save();
    added.forEach(schedule);
    return added;
  }

  function jobOrThrow(jobId: string): RenderJob {
    const job = jobs.get(jobId);
    if (!job) throw new Error(`There is no render job "${jobId}" in the queue; it may have been removed.`);
    return job;
  }

  return {
    start() {
      started ??= (async () => {
        await mkdir(options.logDir, { recursive: true });
        const loaded = await loadRenderJobs({ stateFile: options.stateFile, now: now() });
        loaded.warnings.forEach(warn);
        for (const job of loaded.jobs) {
          const interrupted = job.state === 'running';
          // A job stopped by a crash starts again from scratch; the attempt it was on does not count.
          jobs.set(job.id, interrupted ? { ...job, state: 'queued', attempts: Math.max(0, job.attempts - 1), progress: null, startedAt: null } : job);
          if (job.state === 'queued' || interrupted) await removePartialOutputs(job.outputPath, warn);
        }
        if (loaded.warnings.length > 0 || loaded.jobs.some((job) => job.state === 'running')) await saver.save();
        for (const job of jobs.values()) if (job.state === 'queued') schedule(job);
        if (!closing) scheduler.start();
      })();
      return started;
    },

    async enqueue(request) {
      const [job] = await add([request], null);
      return job!;
    },

    async enqueueBatch(request) {
      if (request.outputs.length === 0) throw new Error('A batch render needs at least one output: choose one or more platforms.');
      const requests = request.outputs.map((output) => ({
        composition: reframeComposition(request.composition, output.preset, output.mode),
        outputPath: output.outputPath,
        priority: request.priority,
      }));
      return add(requests, randomUUID());
    },

    async cancel(jobId) {
      const job = jobOrThrow(jobId);
      const render = running.get(jobId);
      if (render) {
        render.abort.abort();
        await render.finished;
      } else if (job.state === 'queued') {
        update(jobId, { state: 'cancelled', finishedAt: now().toISOString() });
        await saver.save();
      }
      return jobs.get(jobId)!;
    },

    async remove(jobId) {
      const job = jobOrThrow(jobId);
      if (job.state === 'queued' || job.state === 'running') {
        throw new Error(`The render job "${jobId}" is ${job.state}: cancel it before removing it.`);
      }
      jobs.delete(jobId);
      await saver.save();
      await rm(job.logPath, { force: true });
    },

    list: () => [...jobs.values()],
    get: (jobId) => jobs.get(jobId),

    setConcurrency(concurrency) {
      scheduler.concurrency = checkConcurrency(concurrency);
    },

    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      closing = true;
      await started?.catch(() => undefined);
      // Waiting jobs stay queued in the state file; only the scheduler forgets them.
      scheduler.pause();
      scheduler.clear();
      const renders = [...running.values()];
      for (const render of renders) render.abort.abort();
      await Promise.all(renders.map((render) => render.finished));
      await saver.flush();
    },
  };
}

type AttemptOutcome = { kind: 'done'; progress: RenderProgress | null } | { kind: 'cancelled' } | { kind: 'failed'; message: string };

function checkConcurrency(concurrency: number): number {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new Error(`The number of renders at once must be a whole number of at least 1, got ${concurrency}.`);
  }
  return concurrency;
}

/** FFmpeg runs in a temporary working folder, where a relative media path would not be found. */
function checkMediaPaths(composition: Composition): void {
  composition.media.forEach((media, index) => {
    if (!isAbsolute(media.path)) {
      throw new Error(`media[${index}].path "${media.path}" is relative: load the composition with loadCompositionFile (or resolveMedia) so media paths are absolute.`);
    }
  });
}

/**
 * Deletes what a render killed with its process left beside its output: the runner writes
 * `.<name>.partial-<8 hex><ext>` there and renames it only on success.
 */
async function removePartialOutputs(outputPath: string, warn: (message: string) => void): Promise<void> {
  const name = basename(outputPath);
  const extension = extname(outputPath);
  const entries = await readdir(dirname(outputPath)).catch(() => [] as string[]);
  for (const entry of entries) {
    const isPartial = entry.startsWith(`.${name}.partial-`) && entry.endsWith(extension) && /^[0-9a-f]{8}$/.test(entry.slice(name.length + 10, entry.length - extension.length));
    if (!isPartial) continue;
    await rm(join(dirname(outputPath), entry), { force: true }).catch((error: Error) => warn(`Could not delete the unfinished render ${entry}: ${error.message}`));
  }
}

/** Appends one attempt's lines to the job's log; a log that cannot be written is reported, never fatal to the render. */
class AttemptLog {
  private readonly stream;
  private failed = false;

  constructor(path: string, warn: (message: string) => void) {
    this.stream = createWriteStream(path, { flags: 'a' });
    this.stream.on('error', (error) => {
      if (!this.failed) warn(`The render log ${path} could not be written: ${error.message}`);
      this.failed = true;
    });
  }

  write(line: string): void {
    if (!this.failed) this.stream.write(`${line}\n`);
  }

  close(): Promise<void> {
    return new Promise((done) => (this.failed ? done() : this.stream.end(done)));
  }
}
