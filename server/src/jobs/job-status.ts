import type { JobRow } from '../db/job-connection';
import type { JobProgress } from '../db/job-progress-store';

/** A job as the API shows it. */
export interface JobStatus {
  id: string;
  name: string;
  workspaceId: string;
  /** `retrying` waits for its next attempt; `dead-letter` used up its retries and went to the dead letter queue. */
  state: 'queued' | 'active' | 'retrying' | 'completed' | 'failed' | 'cancelled' | 'dead-letter';
  /** Runs started so far (0 while it first waits). */
  attempts: number;
  /** Retries allowed after the first run. */
  retryLimit: number;
  createdAt: string;
  startedAt: string | null;
  /** When a queued or retrying job may start next; null once it is over. */
  runAfter: string | null;
  completedAt: string | null;
  /** The last failure's message (a retrying job keeps it until it runs again). */
  error: string | null;
  /** What the job's handler returned, once completed. */
  output: unknown;
  /** How far the job got, for jobs that report it (done of total, in the job's own units). */
  progress: JobProgress | null;
}

const states: Record<JobRow['state'], JobStatus['state']> = {
  created: 'queued',
  retry: 'retrying',
  active: 'active',
  completed: 'completed',
  cancelled: 'cancelled',
  failed: 'failed',
  'dead-letter': 'dead-letter',
};

/** pg-boss's state for each state the API shows. */
export const pgBossStates = Object.fromEntries(Object.entries(states).map(([pgBoss, shown]) => [shown, pgBoss])) as Record<JobStatus['state'], JobRow['state']>;

export function toJobStatus(row: JobRow, progress?: JobProgress): JobStatus {
  const state = states[row.state];
  const output = row.output as { value?: unknown; message?: unknown } | null;
  const waiting = state === 'queued' || state === 'retrying';
  return {
    id: row.id,
    name: row.name,
    workspaceId: row.workspaceId,
    state,
    attempts: row.startedOn ? row.retryCount + 1 : 0,
    retryLimit: row.retryLimit,
    createdAt: iso(row.createdOn),
    startedAt: row.startedOn ? iso(row.startedOn) : null,
    runAfter: waiting ? iso(row.startAfter) : null,
    completedAt: row.completedOn ? iso(row.completedOn) : null,
    error: state === 'retrying' || state === 'failed' || state === 'dead-letter' ? errorMessage(output) : null,
    output: state === 'completed' ? (output?.value ?? null) : null,
    progress: progress ?? null,
  };
}

/**
 * pg-boss stores a thrown error as `{ name, message, stack }`, a timeout as
 * `{ value: { message } }` and a shutdown as `{ value: 'text' }`. The stack stays in the database.
 */
function errorMessage(output: { value?: unknown; message?: unknown } | null): string | null {
  if (!output) return null;
  if (typeof output.message === 'string') return output.message;
  const value = output.value as { message?: unknown } | string | undefined;
  if (typeof value === 'string') return value;
  if (value && typeof value.message === 'string') return value.message;
  return 'The job failed without a message.';
}

function iso(value: Date | string): string {
  return new Date(value).toISOString();
}
