import type { Kysely } from 'kysely';
import type { HubSchema } from './schema';

/** How far running jobs got: a handler reports it, the job status shows it. */
type Db = Kysely<HubSchema>;

export interface JobProgress {
  done: number;
  total: number | null;
  phase: string | null;
  updatedAt: string;
}

export async function saveJobProgress(db: Db, progress: { workspaceId: string; jobId: string; done: number; total: number | null; phase: string | null; at: Date }): Promise<void> {
  const values = { done: progress.done, total: progress.total, phase: progress.phase, updated_at: progress.at };
  await db
    .insertInto('job_progress')
    .values({ workspace_id: progress.workspaceId, job_id: progress.jobId, ...values })
    .onConflict((oc) => oc.columns(['workspace_id', 'job_id']).doUpdateSet(values))
    .execute();
}

export async function jobProgress(db: Db, workspaceId: string, jobIds: readonly string[]): Promise<Map<string, JobProgress>> {
  const found = new Map<string, JobProgress>();
  if (jobIds.length === 0) return found;
  const rows = await db.selectFrom('job_progress').selectAll().where('workspace_id', '=', workspaceId).where('job_id', 'in', jobIds).execute();
  for (const r of rows) found.set(r.job_id, { done: Number(r.done), total: r.total === null ? null : Number(r.total), phase: r.phase, updatedAt: r.updated_at.toISOString() });
  return found;
}
