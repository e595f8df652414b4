import { renderRecordOf, type RenderJobFacts } from '../../shared/sync/render-record';
import { renderRecords } from '../db';
import { onConnectionChange, studio } from '../trpc';

let started = false;

/**
 * Keeps the Hub's render records (issue 12) following main's render queue,
 * from the app's start whatever page is open: every job the queue reports is
 * written through the outbox (the repository writes a change once, however
 * often it is reported), and the whole list is read again at start and
 * whenever the link to main comes back, so a change made while no window
 * listened still goes. Offline, the records wait in the outbox.
 */
export function startRenderRecordSync(): void {
  if (started) return;
  started = true;
  /** The record last handed to the repository per job, so progress reports cost no database write. */
  const handed = new Map<string, string>();
  const problem = (job: RenderJobFacts, error: unknown) => console.warn(`The record of render ${job.id} was not written for the Hub: ${error instanceof Error ? error.message : String(error)}`);
  const note = (job: RenderJobFacts) => {
    let record: string;
    try {
      record = JSON.stringify(renderRecordOf(job));
    } catch (error) {
      problem(job, error);
      return;
    }
    if (handed.get(job.id) === record) return;
    handed.set(job.id, record);
    renderRecords.note(job).catch((error: unknown) => {
      handed.delete(job.id);
      problem(job, error);
    });
  };
  // No FFmpeg, no render queue: nothing to follow until Studio finds one (the next connection tries again).
  const readAll = () => void studio.render.list.query().then((jobs) => jobs.forEach(note), () => undefined);
  let subscription: { unsubscribe(): void } | null = null;
  const follow = () => {
    subscription?.unsubscribe();
    subscription = studio.render.jobs.subscribe(undefined, { onData: note, onError: () => undefined });
    readAll();
  };
  follow();
  onConnectionChange((state) => state === 'open' && follow());
}
