import { useState } from 'react';
import { EmptyState } from '../../app/EmptyState';
import { useNavigation } from '../../app/navigation';
import { errorText, useNotices } from '../../app/notices';
import { PageHeader } from '../../app/PageHeader';
import { renderRecords } from '../../db';
import { link, studio } from '../../trpc';
import { useRenderJobs, type RenderJobSummary } from './use-render-jobs';

function clock(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '…';
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const stateWords: Record<RenderJobSummary['state'], string> = { queued: 'Waiting', running: 'Rendering', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' };

function JobRow({ job }: { job: RenderJobSummary }) {
  const show = useNotices((s) => s.show);
  const [playing, setPlaying] = useState(false);
  const run = (action: () => Promise<unknown>) => void action().catch((error: unknown) => show({ tone: 'error', text: errorText(error) }));
  const fraction = job.state === 'done' ? 1 : (job.progress?.fraction ?? 0);
  const percent = Math.floor(fraction * 100);
  const finalising = job.progress?.state === 'finalising' && job.state === 'running';
  return (
    <li className="panel job" aria-label={`Render of ${job.compositionName}`} data-state={job.state}>
      <div className="row">
        <span className="list-title">{job.compositionName}</span>
        <span className="badge">{finalising ? 'Finalising' : stateWords[job.state]}</span>
        <span className="spacer" />
        {(job.state === 'queued' || job.state === 'running') && (
          <button className="button small" onClick={() => run(() => studio.render.cancel.mutate({ jobId: job.id }))}>
            Cancel
          </button>
        )}
        {(job.state === 'failed' || job.state === 'cancelled') && (
          <button className="button small" onClick={() => run(() => studio.render.retry.mutate({ jobId: job.id }))}>
            Retry
          </button>
        )}
        {job.state === 'done' && link === 'websocket' && (
          <>
            <button className="button small" aria-pressed={playing} onClick={() => setPlaying(!playing)}>
              {playing ? 'Close player' : 'Play here'}
            </button>
            <a className="button small" href={outputUrl(job.id)} target="_blank" rel="noreferrer">
              Open
            </a>
          </>
        )}
        {job.state === 'done' && link === 'ipc' && (
          <>
            <button className="button small" onClick={() => run(() => studio.render.openOutput.mutate({ jobId: job.id }))}>
              Open
            </button>
            <button className="button small" onClick={() => run(() => studio.render.openOutput.mutate({ jobId: job.id, reveal: true }))}>
              Show in folder
            </button>
          </>
        )}
        {job.state !== 'running' && job.state !== 'queued' && (
          <button className="button small" onClick={() => run(async () => {
                await studio.render.remove.mutate({ jobId: job.id });
                // Removed from the history here, so from the team's renders on the Hub too.
                await renderRecords.remove(job.id);
              })}>
            Remove
          </button>
        )}
      </div>
      <div className="progress" role="progressbar" aria-label={`Progress of ${job.compositionName}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <span style={{ width: `${percent}%` }} />
      </div>
      <div className="row list-meta">
        <span data-testid="job-percent">{percent}%</span>
        {job.state === 'running' && job.progress && (
          <>
            <span>{job.progress.speed ? `${job.progress.speed.toFixed(1)}x` : '…'}</span>
            <span>ETA {clock(job.progress.etaSeconds)}</span>
          </>
        )}
        <span title={job.outputPath}>{job.outputPath}</span>
      </div>
      {playing && <video className="job-player" src={outputUrl(job.id)} controls autoPlay aria-label={`Finished render of ${job.compositionName}`} />}
      {job.error && (
        <p className="tone-bad" role="alert">
          {job.error}
        </p>
      )}
    </li>
  );
}

/** The browser host serves a finished file to this page (same token as the API). */
function outputUrl(jobId: string): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  return `/output/${encodeURIComponent(jobId)}?token=${encodeURIComponent(token)}`;
}

export function RendersPage() {
  const go = useNavigation((s) => s.go);
  const { jobs, problem } = useRenderJobs();
  return (
    <>
      <PageHeader title="Renders" />
      {problem && (
        <p className="tone-bad" role="alert">
          {problem}
        </p>
      )}
      {jobs && jobs.length === 0 && (
        <EmptyState title="No renders yet" action={{ label: 'Open the Compositor', run: () => go('compositor') }}>
          Every export shows up here with its progress, and you can cancel it or open the finished file. Renders run on this
          computer with FFmpeg, even offline.
        </EmptyState>
      )}
      {jobs && jobs.length > 0 && (
        <ul className="jobs">
          {jobs.map((job) => (
            <JobRow key={job.id} job={job} />
          ))}
        </ul>
      )}
    </>
  );
}
