import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Empty, formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { identifierKinds } from './rule-draft';

interface PrivacyRequest {
  id: string;
  kind: 'export' | 'erase';
  subjectKind: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  requestedBy: string;
  createdAt: string;
  completedAt: string | null;
  error: string | null;
}
const requestsKey = ['privacy-requests'];

/** Data-subject requests: export everything about a person, or erase them; their status, and the export's download. */
export function PrivacyRequestsPage() {
  const requests = useQuery({
    queryKey: requestsKey,
    queryFn: () => api<{ requests: PrivacyRequest[]; next: string | null }>('/v1/privacy-requests', { query: { limit: 100 } }),
    // Requests run as jobs: look again while any is under way.
    refetchInterval: (query) => (query.state.data?.requests.some((request) => request.status === 'pending' || request.status === 'running') ? 2000 : false),
  });
  const [kind, setKind] = useState<'export' | 'erase'>('export');
  const [identifierKind, setIdentifierKind] = useState('email');
  const [value, setValue] = useState('');
  const create = useAction(() => api<PrivacyRequest>('/v1/privacy-requests', { method: 'POST', body: { kind, identifier: `${identifierKind}:${value.trim()}` } }), [requestsKey]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (kind === 'erase' && !window.confirm(`Erase everything about ${identifierKind} ${value}? This cannot be undone.`)) return;
    create.mutate(undefined, { onSuccess: () => setValue('') });
  };
  return (
    <>
      <div className="page-header">
        <h1>Privacy requests</h1>
      </div>
      <form className="section fields" onSubmit={submit} aria-label="New privacy request">
        <label className="field">
          <span>Request</span>
          <select value={kind} onChange={(event) => setKind(event.target.value as 'export' | 'erase')}>
            <option value="export">export their data</option>
            <option value="erase">erase them</option>
          </select>
        </label>
        <label className="field">
          <span>Identifier</span>
          <select value={identifierKind} onChange={(event) => setIdentifierKind(event.target.value)}>
            {identifierKinds.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Value</span>
          <input required value={value} onChange={(event) => setValue(event.target.value)} />
        </label>
        <button type="submit" className={kind === 'erase' ? 'button danger' : 'button primary'} disabled={create.isPending}>
          Submit request
        </button>
      </form>
      {create.error && <Notice tone="bad">{create.error.message}</Notice>}
      <div className="section">
        <QueryView query={requests} what="privacy requests">
          {(data) =>
            data.requests.length === 0 ? (
              <Empty>No privacy requests yet.</Empty>
            ) : (
              <table aria-label="Privacy requests">
                <thead>
                  <tr>
                    <th>Requested</th>
                    <th>Kind</th>
                    <th>Subject by</th>
                    <th>Status</th>
                    <th>Completed</th>
                    <th>Result</th>
                  </tr>
                </thead>
                <tbody>
                  {data.requests.map((request) => (
                    <tr key={request.id}>
                      <td>{formatTime(request.createdAt)}</td>
                      <td>{request.kind}</td>
                      <td>{request.subjectKind}</td>
                      <td className={request.status === 'failed' ? 'tone-bad' : undefined}>{request.status}</td>
                      <td>{formatTime(request.completedAt)}</td>
                      <td>
                        {request.error ??
                          (request.kind === 'export' && request.status === 'completed' ? (
                            <a href={`/v1/privacy-requests/${encodeURIComponent(request.id)}/download`} download>
                              Download
                            </a>
                          ) : (
                            '—'
                          ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryView>
      </div>
    </>
  );
}
