import { useEffect, useState } from 'react';
import { studio, type RouterOutputs } from '../../trpc';

export type RenderJobSummary = RouterOutputs['render']['list'][number];

/** Every render job, kept current by the queue's change stream. */
export function useRenderJobs(): { jobs: RenderJobSummary[] | null; problem: string | null } {
  const [jobs, setJobs] = useState<Map<string, RenderJobSummary> | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    studio.render.list
      .query()
      .then((list) => live && setJobs((current) => new Map([...list.map((j) => [j.id, j] as const), ...(current ?? [])])))
      .catch((error: unknown) => live && setProblem(error instanceof Error ? error.message : String(error)));
    const subscription = studio.render.jobs.subscribe(undefined, {
      onData: (job) => setJobs((current) => new Map(current ?? []).set(job.id, job)),
      onError: (error) => setProblem(error.message),
    });
    return () => {
      live = false;
      subscription.unsubscribe();
    };
  }, []);
  const sorted = jobs ? [...jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)) : null;
  return { jobs: sorted, problem };
}
