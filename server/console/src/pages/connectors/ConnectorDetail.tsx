import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ApiError } from '../../api';
import { Empty, Failed, Loading, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { connectorsKey, crmName, statusText, type Connection } from './connectors-api';
import { FieldMapping } from './FieldMapping';
import { RunHistory } from './RunHistory';

/** One connection: check it, sync it, bind segments, map fields, its runs and dead letters; or disconnect it. */
export function ConnectorDetail({ id, onGone }: { id: string; onGone: () => void }) {
  const path = `/v1/connectors/${encodeURIComponent(id)}`;
  const connection = useQuery({ queryKey: [...connectorsKey, id], queryFn: ({ signal }) => api<Connection>(path, { signal }) });
  const [syncJob, setSyncJob] = useState<string | null>(null);
  const sync = useAction(() => api<{ jobId: string }>(`${path}/sync`, { method: 'POST', body: {} }), []);
  const health = useAction(() => api<{ ok: boolean; detail: string }>(`${path}/health`), [[...connectorsKey]]);
  const queries = useQueryClient();
  // Only the list is fetched again: the connection itself is gone (a 404), and its page closes.
  const disconnect = useMutation({
    mutationFn: (keepRecordsInCrm: boolean) => api(path, { method: 'DELETE', query: { keepRecordsInCrm: keepRecordsInCrm || undefined } }),
    onSuccess: async () => {
      onGone();
      await queries.invalidateQueries({ queryKey: connectorsKey, exact: true });
    },
  });
  // The Hub refuses while records this connection pushed are in the CRM: deleting anyway leaves them there, out of reach of later erasures.
  const recordsInCrm = disconnect.error instanceof ApiError && disconnect.error.code === 'records-in-crm';
  return (
    <QueryView query={connection} what="the connection">
      {(data) => (
        <>
          <div className="section" aria-label={`Connection ${data.name}`}>
            <div className="page-header">
              <h2>
                {data.name} <span className="muted">({crmName(data.kind)}, {statusText[data.status]})</span>
              </h2>
              <div className="page-actions">
                {data.status === 'awaiting-authorization' ? (
                  <a className="button primary" href={`${path}/authorize`}>
                    Authorize in {crmName(data.kind)}
                  </a>
                ) : (
                  <button type="button" className="button primary" disabled={sync.isPending} onClick={() => sync.mutate(undefined, { onSuccess: ({ jobId }) => setSyncJob(jobId) })}>
                    Sync now
                  </button>
                )}
                <button type="button" className="button" disabled={health.isPending} onClick={() => health.mutate()}>
                  Check connection
                </button>
                <button
                  type="button"
                  className="button danger"
                  disabled={disconnect.isPending}
                  onClick={() => {
                    if (window.confirm(`Disconnect ${data.name}? Its credentials, segments, run history and dead letters go; ${crmName(data.kind)} keeps its records.`)) disconnect.mutate(false);
                  }}
                >
                  Disconnect
                </button>
              </div>
            </div>
            {health.data && <Notice tone={health.data.ok ? 'ok' : 'bad'}>{health.data.detail}</Notice>}
            {[health.error, sync.error, disconnect.error].map((error, index) => error && <Notice key={index} tone="bad">{error.message}</Notice>)}
            {recordsInCrm && (
              <div>
                <button type="button" className="button danger" disabled={disconnect.isPending} onClick={() => disconnect.mutate(true)}>
                  Disconnect anyway, leaving the records in {crmName(data.kind)}
                </button>
              </div>
            )}
            {data.kind === 'hubspot' && <ReplaceToken path={path} />}
          </div>
          <BoundSegments connection={data} path={path} />
          <FieldMapping connection={data} path={path} />
          <RunHistory path={path} awaitedJob={syncJob} onSettled={() => setSyncJob(null)} onRetried={setSyncJob} />
        </>
      )}
    </QueryView>
  );
}

/** A HubSpot private app's new token (the old one was rotated or revoked). */
function ReplaceToken({ path }: { path: string }) {
  const [token, setToken] = useState('');
  const replace = useAction(() => api<Connection>(path, { method: 'PATCH', body: { accessToken: token } }), [[...connectorsKey]]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    replace.mutate(undefined, { onSuccess: () => setToken('') });
  };
  return (
    <form className="fields" onSubmit={submit} aria-label="Replace the access token">
      <label className="field">
        <span>New private-app token</span>
        <input type="password" required minLength={8} autoComplete="off" value={token} onChange={(event) => setToken(event.target.value)} />
      </label>
      <button type="submit" className="button" disabled={replace.isPending}>
        Replace token
      </button>
      {replace.error && <Notice tone="bad">{replace.error.message}</Notice>}
      {replace.isSuccess && <Notice tone="ok">Token replaced.</Notice>}
    </form>
  );
}

interface Segment {
  id: string;
  name: string;
  purpose: string;
  snapshot: { memberCount: number } | null;
}

/** The segments the connection pushes: members who consented to each segment's purpose. */
function BoundSegments({ connection, path }: { connection: Connection; path: string }) {
  const segments = useQuery({ queryKey: ['segments'], queryFn: ({ signal }) => api<{ segments: Segment[] }>('/v1/segments', { signal }) });
  const [chosen, setChosen] = useState<string[]>(connection.segmentIds);
  const save = useAction(() => api<Connection>(`${path}/segments`, { method: 'PUT', body: { segmentIds: chosen } }), [[...connectorsKey]]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const changed = [...chosen].sort().join() !== [...connection.segmentIds].sort().join();
  return (
    <form className="section" onSubmit={submit} aria-label="Segments to push">
      <h2>Segments to push</h2>
      {segments.isPending ? (
        <Loading what="segments" />
      ) : segments.error ? (
        <Failed error={segments.error} retry={() => void segments.refetch()} />
      ) : segments.data.segments.length === 0 ? (
        <Empty>No segments yet: make one under Audience, then bind it here.</Empty>
      ) : (
        <fieldset className="checks">
          <legend className="muted">Members who consented to the segment’s purpose are pushed; those who withdraw are removed.</legend>
          {segments.data.segments.map((segment) => (
            <label key={segment.id} className="rule-row">
              <input type="checkbox" checked={chosen.includes(segment.id)} onChange={(event) => setChosen(event.target.checked ? [...chosen, segment.id] : chosen.filter((one) => one !== segment.id))} />
              {segment.name} <span className="muted">({segment.purpose}{segment.snapshot ? `, ${segment.snapshot.memberCount.toLocaleString()} members` : ''})</span>
            </label>
          ))}
        </fieldset>
      )}
      {save.error && <Notice tone="bad">{save.error.message}</Notice>}
      {save.isSuccess && !changed && <Notice tone="ok">Saved: the next sync pushes these segments.</Notice>}
      <div>
        <button type="submit" className="button" disabled={save.isPending || !changed}>
          Save segments
        </button>
      </div>
    </form>
  );
}
