import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api } from '../../api';
import { Pager } from '../../ui/Pager';
import { Empty, formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { useCursorPages } from '../../ui/useCursorPages';
import type { ConnectorRun, DeadLetter } from './connectors-api';

const pageSize = 20;

/**
 * The connection's sync runs, newest first, and the records the CRM refused
 * (dead letters) with a retry. While a sync the console asked for has not
 * finished, the runs are fetched again every second.
 */
export function RunHistory({ path, awaitedJob, onSettled, onRetried }: { path: string; awaitedJob: string | null; onSettled: () => void; onRetried: (jobId: string) => void }) {
  const queries = useQueryClient();
  const pages = useCursorPages();
  const { reset } = pages;
  // A sync the console asked for shows on the first page.
  useEffect(() => {
    if (awaitedJob) reset();
  }, [awaitedJob, reset]);
  const lettersKey = ['connector-dead-letters', path];
  const runs = useQuery({
    queryKey: ['connector-runs', path, pages.cursor],
    queryFn: ({ signal }) => api<{ runs: ConnectorRun[]; nextCursor: string | null }>(`${path}/runs`, { query: { limit: pageSize, cursor: pages.cursor }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (awaitedJob !== null || query.state.data?.runs.some((run) => run.status === 'running') ? 1000 : false),
  });
  const awaitedDone = awaitedJob !== null && runs.data?.runs.some((run) => run.jobId === awaitedJob && run.status !== 'running');
  useEffect(() => {
    if (!awaitedDone) return;
    onSettled();
    void queries.invalidateQueries({ queryKey: ['connector-dead-letters', path] });
    void queries.invalidateQueries({ queryKey: ['connectors'] });
  }, [awaitedDone, onSettled, queries, path]);
  return (
    <>
      <div className="section">
        <h2>Run history</h2>
        {awaitedJob && (
          <div role="status" aria-live="polite" className="muted">
            Sync under way…
          </div>
        )}
        <QueryView query={runs} what="runs">
          {(data) =>
            data.runs.length === 0 ? (
              <Empty>No runs yet: the Hub syncs every 15 minutes, or now with “Sync now”.</Empty>
            ) : (
              <>
                <table aria-label="Runs">
                  <thead>
                    <tr>
                      <th scope="col">Started</th>
                      <th scope="col">Status</th>
                      <th scope="col" className="num">
                        Pushed
                      </th>
                      <th scope="col" className="num">
                        Updated
                      </th>
                      <th scope="col" className="num">
                        Removed
                      </th>
                      <th scope="col" className="num">
                        Failed
                      </th>
                      <th scope="col" className="num">
                        Deals pulled
                      </th>
                      <th scope="col" className="num">
                        Rate-limited
                      </th>
                      <th scope="col">Finished</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.runs.map((run) => (
                      <tr key={run.id}>
                        <td>{formatTime(run.startedAt)}</td>
                        <td className={run.status === 'failed' ? 'tone-bad' : undefined}>
                          {run.status}
                          {run.error && <div className="muted">{run.error}</div>}
                        </td>
                        <td className="num">{run.pushed}</td>
                        <td className="num">{run.updated}</td>
                        <td className="num">{run.removed}</td>
                        <td className={run.failed > 0 ? 'num tone-bad' : 'num'}>{run.failed}</td>
                        <td className="num">{run.pulled}</td>
                        <td className="num">{run.rateLimited}</td>
                        <td>{formatTime(run.finishedAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                <Pager isFirst={pages.isFirst} nextCursor={data.nextCursor} onNewer={pages.newer} onOlder={pages.older} loading={runs.isFetching} />
              </>
            )
          }
        </QueryView>
      </div>
      <DeadLetters path={path} queryKey={lettersKey} onRetried={onRetried} />
    </>
  );
}

function DeadLetters({ path, queryKey, onRetried }: { path: string; queryKey: string[]; onRetried: (jobId: string) => void }) {
  const pages = useCursorPages();
  const [chosen, setChosen] = useState<string[]>([]);
  const letters = useQuery({
    queryKey: [...queryKey, pages.cursor],
    queryFn: ({ signal }) => api<{ deadLetters: DeadLetter[]; nextCursor: string | null }>(`${path}/dead-letters`, { query: { limit: pageSize, cursor: pages.cursor }, signal }),
    placeholderData: keepPreviousData,
  });
  const retry = useAction((ids: string[] | undefined) => api<{ released: number; jobId: string }>(`${path}/dead-letters/retry`, { method: 'POST', body: ids ? { ids } : {} }), [queryKey]);
  const run = (ids?: string[]) =>
    retry.mutate(ids, {
      onSuccess: ({ jobId }) => {
        setChosen([]);
        pages.reset();
        onRetried(jobId);
      },
    });
  return (
    <div className="section">
      <div className="page-header">
        <h2>Dead letters</h2>
        {letters.data && letters.data.deadLetters.length > 0 && (
          <div className="page-actions">
            <button type="button" className="button" disabled={retry.isPending || chosen.length === 0} onClick={() => run(chosen)}>
              Retry selected ({chosen.length})
            </button>
            <button type="button" className="button primary" disabled={retry.isPending} onClick={() => run()}>
              Retry all
            </button>
          </div>
        )}
      </div>
      {retry.error && <Notice tone="bad">{retry.error.message}</Notice>}
      {retry.data && <Notice tone="ok">{retry.data.released.toLocaleString()} sent again in a new run.</Notice>}
      <QueryView query={letters} what="dead letters">
        {({ deadLetters }) =>
          deadLetters.length === 0 ? (
            <Empty>No dead letters: the CRM accepted every record.</Empty>
          ) : (
            <>
              <table aria-label="Dead letters">
                <thead>
                  <tr>
                    <th scope="col">
                      <span className="sr-only">Choose</span>
                    </th>
                    <th scope="col">When</th>
                    <th scope="col">Operation</th>
                    <th scope="col">Customer</th>
                    <th scope="col">What the CRM said</th>
                  </tr>
                </thead>
                <tbody>
                  {deadLetters.map((letter) => (
                    <tr key={letter.id}>
                      <td>
                        <input type="checkbox" aria-label={`Choose the ${letter.operation} of ${letter.profileId}`} checked={chosen.includes(letter.id)} onChange={(event) => setChosen(event.target.checked ? [...chosen, letter.id] : chosen.filter((id) => id !== letter.id))} />
                      </td>
                      <td>{formatTime(letter.createdAt)}</td>
                      <td>{letter.operation}</td>
                      <td>
                        <code>{letter.profileId}</code>
                      </td>
                      <td>{letter.error}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager isFirst={pages.isFirst} nextCursor={letters.data?.nextCursor ?? null} onNewer={pages.newer} onOlder={pages.older} loading={letters.isFetching} />
            </>
          )
        }
      </QueryView>
    </div>
  );
}
