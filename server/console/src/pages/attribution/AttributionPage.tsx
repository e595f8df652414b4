import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../../api';
import { useCan } from '../../session';
import { Pager } from '../../ui/Pager';
import { Empty, formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { useCursorPages } from '../../ui/useCursorPages';
import { dayBefore, modelChoices, modelLabel, runsKey, type AttributionRun, type AttributionRunDetail, type ModelName } from './attribution-api';
import { RunReport } from './RunReport';
import { SpendImport } from './SpendImport';

const runsPageSize = 20;

/**
 * Attribution: compare models over a date range by channel or campaign (a run
 * the Hub works as a job), read a run's report as charts with their numbers in
 * tables, and import spend. Everyone with attribution.read reads; analysts,
 * admins and owners (attribution.manage) run comparisons and import spend.
 */
export function AttributionPage() {
  const can = useCan();
  const manage = can('attribution.manage');
  const [params, setParams] = useSearchParams();
  const selected = params.get('run');
  const [importing, setImporting] = useState(false);
  const pages = useCursorPages();
  const runs = useQuery({
    queryKey: [...runsKey, pages.cursor],
    queryFn: ({ signal }) => api<{ runs: AttributionRun[]; nextCursor: string | null }>('/v1/attribution/runs', { query: { limit: runsPageSize, cursor: pages.cursor }, signal }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) => (query.state.data?.runs.some((run) => run.status === 'queued' || run.status === 'running') ? 2000 : false),
  });
  const select = (id: string | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set('run', id);
    else next.delete('run');
    setParams(next);
  };
  const shownRun = selected ?? runs.data?.runs.find((run) => run.status === 'completed')?.id ?? null;

  return (
    <>
      <div className="page-header">
        <h1>Attribution</h1>
        {manage && (
          <div className="page-actions">
            <button type="button" className="button" aria-expanded={importing} onClick={() => setImporting(!importing)}>
              Import spend
            </button>
          </div>
        )}
      </div>
      {manage && importing && <SpendImport onClose={() => setImporting(false)} />}
      {manage ? (
        <NewComparison
          onStarted={(run) => {
            pages.reset();
            select(run.id);
          }}
        />
      ) : <p className="muted">You can read every report here; analysts, admins and owners run new comparisons and import spend.</p>}
      <div className="section">
        <h2>Comparisons</h2>
        <QueryView query={runs} what="comparisons">
          {(data) =>
            data.runs.length === 0 ? (
              <Empty>{manage ? 'No comparisons yet: choose a date range and models above.' : 'No comparisons yet.'}</Empty>
            ) : (
              <>
                <RunsTable runs={data.runs} shown={shownRun} onSelect={select} />
                <Pager isFirst={pages.isFirst} nextCursor={data.nextCursor} onNewer={pages.newer} onOlder={pages.older} loading={runs.isFetching} />
              </>
            )
          }
        </QueryView>
      </div>
      {shownRun && <RunDetail key={shownRun} id={shownRun} />}
    </>
  );
}

function RunsTable({ runs, shown, onSelect }: { runs: AttributionRun[]; shown: string | null; onSelect: (id: string) => void }) {
  return (
    <table aria-label="Comparisons">
      <thead>
        <tr>
          <th>Range</th>
          <th>By</th>
          <th>Models</th>
          <th>Status</th>
          <th>Requested</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id} className={run.id === shown ? 'selected' : undefined}>
            <td>
              <button type="button" className="link-button" onClick={() => onSelect(run.id)} aria-current={run.id === shown ? 'true' : undefined}>
                {run.from.slice(0, 10)} to {run.to.slice(0, 10)}
              </button>
            </td>
            <td>{run.grouping}</td>
            <td>{run.models.map(modelLabel).join(', ')}</td>
            <td className={run.status === 'failed' ? 'tone-bad' : undefined}>{run.status}</td>
            <td>{formatTime(run.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function NewComparison({ onStarted }: { onStarted: (run: AttributionRun) => void }) {
  const [from, setFrom] = useState(dayBefore(30));
  const [to, setTo] = useState(dayBefore(0));
  const [grouping, setGrouping] = useState<'channel' | 'campaign'>('channel');
  const [models, setModels] = useState<ModelName[]>(['first', 'last', 'linear', 'position', 'markov']);
  const start = useAction(() => api<AttributionRunDetail>('/v1/attribution/runs', { method: 'POST', body: { from, to, grouping, models } }), [[...runsKey]]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate(undefined, { onSuccess: onStarted });
  };
  const toggle = (name: ModelName, on: boolean) => setModels(on ? modelChoices.map((c) => c.name).filter((n) => n === name || models.includes(n)) : models.filter((n) => n !== name));
  return (
    <form className="section" onSubmit={submit} aria-label="New comparison">
      <h2>Compare models</h2>
      <div className="fields">
        <label className="field">
          <span>From</span>
          <input type="date" required value={from} max={to} onChange={(event) => setFrom(event.target.value)} />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" required value={to} min={from} onChange={(event) => setTo(event.target.value)} />
        </label>
        <label className="field">
          <span>By</span>
          <select value={grouping} onChange={(event) => setGrouping(event.target.value as 'channel' | 'campaign')}>
            <option value="channel">channel</option>
            <option value="campaign">campaign</option>
          </select>
        </label>
      </div>
      <fieldset className="checks">
        <legend className="muted">Models</legend>
        {modelChoices.map((choice) => (
          <label key={choice.name} className="rule-row">
            <input type="checkbox" checked={models.includes(choice.name)} onChange={(event) => toggle(choice.name, event.target.checked)} />
            {choice.label}
          </label>
        ))}
      </fieldset>
      {start.error && <Notice tone="bad">{start.error.message}</Notice>}
      <div>
        <button type="submit" className="button primary" disabled={start.isPending || models.length === 0}>
          Run comparison
        </button>
      </div>
    </form>
  );
}

/** One run: its progress while the Hub works it, then its report. */
function RunDetail({ id }: { id: string }) {
  const queries = useQueryClient();
  const run = useQuery({
    queryKey: ['attribution-run', id],
    queryFn: ({ signal }) => api<AttributionRunDetail>(`/v1/attribution/runs/${encodeURIComponent(id)}`, { signal }),
    refetchInterval: (query) => (query.state.data?.status === 'queued' || query.state.data?.status === 'running' ? 1000 : false),
  });
  const status = run.data?.status;
  useEffect(() => {
    if (status === 'completed' || status === 'failed') void queries.invalidateQueries({ queryKey: [...runsKey] });
  }, [status, queries]);
  return (
    <QueryView query={run} what="the comparison">
      {(data) =>
        data.status === 'failed' ? (
          <Notice tone="bad">This comparison failed: {data.error ?? 'no reason recorded'}.</Notice>
        ) : data.status !== 'completed' || !data.report ? (
          <div className="section" role="status" aria-live="polite">
            <span>
              {data.status === 'queued' ? 'Waiting for the Hub to start this comparison…' : `Working: ${data.progress?.phase ?? 'reading journeys'}`}
              {data.progress && ` (${data.progress.done.toLocaleString()}${data.progress.total !== null ? ` of ${data.progress.total.toLocaleString()}` : ''} customers)`}
            </span>
            {data.progress?.total ? <progress max={data.progress.total} value={data.progress.done} /> : <progress />}
          </div>
        ) : (
          <RunReport run={data} report={data.report} />
        )
      }
    </QueryView>
  );
}
