import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseComposition } from '../../shared/composition/composition';
import { upgradeDocument, type UpgradeStep } from '../../shared/versioning';
import type { RenderProgress } from './invocation';

/** The render queue's state file: every job, so that a crash or a restart loses none. */
export const RENDER_JOBS_VERSION = 1;
/** Upgrade steps for stored state files; append one per version bump, never edit a released one. */
export const renderJobsUpgradeSteps: readonly UpgradeStep[] = [];

export const renderPriorities = ['high', 'normal', 'low'] as const;
export type RenderPriority = (typeof renderPriorities)[number];
export const renderJobStates = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type RenderJobState = (typeof renderJobStates)[number];

const progressSchema = z.object({
  state: z.enum(['starting', 'rendering', 'finalising', 'done']),
  fraction: z.number().min(0).max(1),
  fps: z.number().nullable(),
  speed: z.number().nullable(),
  etaSeconds: z.number().nullable(),
}) satisfies z.ZodType<RenderProgress>;

/** Read through parseComposition, so a composition saved by an older Kata Studio is upgraded, not refused. */
const storedComposition = z.unknown().transform((raw, ctx) => {
  try {
    return parseComposition(raw);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

export const renderJobSchema = z.object({
  id: z.uuid(),
  /** Jobs made from one composition for several platforms share a batch id. */
  batchId: z.string().min(1).nullable(),
  composition: storedComposition,
  outputPath: z.string().min(1),
  priority: z.enum(renderPriorities),
  state: z.enum(renderJobStates),
  /** Attempts started and not interrupted by a stop of Kata Studio. */
  attempts: z.number().int().min(0),
  progress: progressSchema.nullable(),
  error: z.string().nullable(),
  logPath: z.string().min(1),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().nullable(),
  finishedAt: z.iso.datetime().nullable(),
  /** The finished file's size; null until the job is done (and in state files from before it was kept). */
  outputBytes: z.number().int().min(0).nullable().default(null),
});
export type RenderJob = z.infer<typeof renderJobSchema>;

const stateFileSchema = z.object({ version: z.literal(RENDER_JOBS_VERSION), jobs: z.array(z.unknown()) });

export interface LoadedRenderJobs {
  jobs: RenderJob[];
  /** What went wrong with the file, for the user; the queue starts anyway. */
  warnings: string[];
}

/**
 * Reads the state file. A missing file is an empty queue; a damaged one never
 * stops the app: it is copied aside to `<stateFile>.corrupt-<time>` and only
 * the jobs that still read correctly are kept.
 */
export async function loadRenderJobs(options: { stateFile: string; now: Date }): Promise<LoadedRenderJobs> {
  const { stateFile } = options;
  let text: string;
  try {
    text = await readFile(stateFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { jobs: [], warnings: [] };
    return { jobs: [], warnings: [`The render queue could not read ${stateFile} (${(error as Error).message}); it starts empty. Check the file's permissions.`] };
  }

  let rawJobs: unknown[];
  try {
    const upgraded = upgradeDocument({ kind: 'render queue', doc: JSON.parse(text), currentVersion: RENDER_JOBS_VERSION, steps: renderJobsUpgradeSteps });
    rawJobs = stateFileSchema.parse(upgraded).jobs;
  } catch (error) {
    const copy = await keepCorruptCopy(stateFile, options.now);
    return { jobs: [], warnings: [`The render queue file ${stateFile} is damaged (${describe(error)}); the queue starts empty. ${copy}`] };
  }

  const jobs: RenderJob[] = [];
  const dropped: string[] = [];
  rawJobs.forEach((raw, index) => {
    const parsed = renderJobSchema.safeParse(raw);
    if (parsed.success) jobs.push(parsed.data);
    else dropped.push(`jobs[${index}]: ${describe(parsed.error)}`);
  });
  if (dropped.length === 0) return { jobs, warnings: [] };
  const copy = await keepCorruptCopy(stateFile, options.now);
  return {
    jobs,
    warnings: [`${dropped.length} render job(s) in ${stateFile} could not be read and were left out (${dropped.join(' | ')}). ${copy}`],
  };
}

/** Progress arrives several times a second; the state file need not follow it that closely. */
const progressSaveMs = 500;

/** Replaces the state file in one step (temp file + rename), so a crash mid-write never leaves half a file. */
export async function saveRenderJobs(stateFile: string, jobs: readonly RenderJob[]): Promise<void> {
  await mkdir(dirname(stateFile), { recursive: true });
  const temp = `${stateFile}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, JSON.stringify({ version: RENDER_JOBS_VERSION, jobs }, null, 1));
    await rename(temp, stateFile);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Copies the damaged file aside before the next save replaces it; says where it went, for the warning. */
async function keepCorruptCopy(stateFile: string, now: Date): Promise<string> {
  // Colons are not allowed in Windows file names.
  const copy = `${stateFile}.corrupt-${now.toISOString().replace(/[:.]/g, '-')}`;
  try {
    await copyFile(stateFile, copy);
    return `The old file is kept as ${copy}.`;
  } catch (error) {
    return `It could not be copied aside (${(error as Error).message}) and will be replaced.`;
  }
}

/** One line per problem: zod's own messages, and compositions' lists of problems, span several lines. */
function describe(error: unknown): string {
  if (error instanceof z.ZodError) return error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message.replace(/\n-?\s*/g, ' ')}`).join('; ');
  return (error as Error).message;
}

/**
 * Writes the state file one save at a time, in order: state changes are saved at once (and can be
 * awaited); progress changes are gathered and saved at most every `progressSaveMs`.
 */
export class RenderJobsSaver {
  private chain: Promise<void> = Promise.resolve();
  private waiting: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly stateFile: string,
    private readonly snapshot: () => RenderJob[],
    private readonly warn: (message: string) => void,
  ) {}

  save(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // A save that has not begun yet will see every change made until it begins.
    this.waiting ??= this.chain.then(() => {
      this.waiting = null;
      return saveRenderJobs(this.stateFile, this.snapshot()).catch((error: Error) =>
        this.warn(`The render queue could not be saved to ${this.stateFile} (${error.message}); jobs may be lost if Kata Studio stops. Check free disk space and permissions.`),
      );
    });
    this.chain = this.waiting;
    return this.waiting;
  }

  saveSoon(): void {
    this.timer ??= setTimeout(() => void this.save(), progressSaveMs);
  }

  async flush(): Promise<void> {
    if (this.timer) await this.save();
    else await this.chain;
  }
}
