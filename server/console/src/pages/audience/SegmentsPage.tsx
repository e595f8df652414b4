import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useCan } from '../../session';
import { Empty, Failed, formatTime, Loading, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { useDebounced } from '../../ui/useDebounced';
import { newCondition, toRule, type RuleDraft } from './rule-draft';
import { RuleBuilder } from './RuleBuilder';

interface Segment {
  id: string;
  name: string;
  purpose: string;
  rule: unknown;
  createdAt: string;
  updatedAt: string;
  snapshot: { version: number; memberCount: number; computedAt: string } | null;
}
const segmentsKey = ['segments'];

/** Segments: the saved ones with their member counts, and a rule builder with a live count (members always consented to the segment's purpose). */
export function SegmentsPage() {
  const can = useCan();
  const segments = useQuery({ queryKey: segmentsKey, queryFn: () => api<{ segments: Segment[] }>('/v1/segments') });
  const [building, setBuilding] = useState(false);
  return (
    <>
      <div className="page-header">
        <h1>Segments</h1>
        {can('customers.write') && !building && (
          <button type="button" className="button primary" onClick={() => setBuilding(true)}>
            New segment
          </button>
        )}
      </div>
      {building && <NewSegment segments={segments.data?.segments ?? []} onDone={() => setBuilding(false)} />}
      <div className="section">
        <QueryView query={segments} what="segments">
          {({ segments: list }) => (list.length === 0 ? <Empty>No segments yet.</Empty> : <SegmentTable segments={list} canRefresh={can('customers.write')} />)}
        </QueryView>
      </div>
    </>
  );
}

function SegmentTable({ segments, canRefresh }: { segments: Segment[]; canRefresh: boolean }) {
  const refresh = useAction((id: string) => api(`/v1/segments/${encodeURIComponent(id)}/snapshot`, { method: 'POST', body: {} }), [segmentsKey]);
  return (
    <>
      {refresh.error && <Notice tone="bad">{refresh.error.message}</Notice>}
      <table aria-label="Segments">
        <thead>
          <tr>
            <th>Name</th>
            <th>Consent purpose</th>
            <th className="num">Members</th>
            <th>Counted</th>
            {canRefresh && <th>Actions</th>}
          </tr>
        </thead>
        <tbody>
          {segments.map((segment) => (
            <tr key={segment.id}>
              <td>{segment.name}</td>
              <td>{segment.purpose}</td>
              <td className="num">{segment.snapshot ? segment.snapshot.memberCount.toLocaleString() : '—'}</td>
              <td>{segment.snapshot ? `${formatTime(segment.snapshot.computedAt)} (version ${segment.snapshot.version})` : 'not yet'}</td>
              {canRefresh && (
                <td>
                  <button type="button" className="button small" disabled={refresh.isPending} onClick={() => refresh.mutate(segment.id)} aria-label={`Count ${segment.name} now`}>
                    Count now
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function NewSegment({ segments, onDone }: { segments: Segment[]; onDone: () => void }) {
  const purposes = useQuery({ queryKey: ['consent-purposes'], queryFn: () => api<{ purposes: string[] }>('/v1/consent-purposes') });
  const [name, setName] = useState('');
  const [purpose, setPurpose] = useState('');
  const [draft, setDraft] = useState<RuleDraft>({ match: 'all', conditions: [newCondition.trait()] });
  const chosenPurpose = purpose || purposes.data?.purposes[0] || '';
  const built = toRule(draft);
  // The count follows the rule as it is typed, without a request per keystroke.
  const previewed = useDebounced('rule' in built ? JSON.stringify({ purpose: chosenPurpose, rule: built.rule }) : null);
  const preview = useQuery({
    queryKey: ['segment-preview', previewed],
    queryFn: ({ signal }) => api<{ count: number }>('/v1/segments/preview', { method: 'POST', body: JSON.parse(previewed!), signal }),
    enabled: previewed !== null && chosenPurpose !== '',
    staleTime: 10_000,
  });
  const save = useAction(() => api<Segment>('/v1/segments', { method: 'POST', body: { name, purpose: chosenPurpose, rule: 'rule' in built ? built.rule : undefined } }), [segmentsKey]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if ('rule' in built) save.mutate(undefined, { onSuccess: onDone });
  };
  return (
    <form className="section" onSubmit={submit} aria-label="New segment">
      <h2>New segment</h2>
      <div className="fields">
        <label className="field">
          <span>Name</span>
          <input required maxLength={120} value={name} onChange={(event) => setName(event.target.value)} autoFocus />
        </label>
        <label className="field">
          <span>Consent purpose</span>
          <select required value={chosenPurpose} onChange={(event) => setPurpose(event.target.value)} disabled={!purposes.data}>
            {purposes.data?.purposes.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
      </div>
      {purposes.error && <Failed error={purposes.error} retry={() => void purposes.refetch()} />}
      <RuleBuilder draft={draft} onChange={setDraft} segments={segments} />
      <div className="section" aria-live="polite">
        <span className="muted">Customers in this segment now, who consented to {chosenPurpose || 'its purpose'}</span>
        {'problem' in built ? (
          <span className="muted">{built.problem}</span>
        ) : preview.isPending ? (
          <Loading what="the count" />
        ) : preview.error ? (
          <Failed error={preview.error} retry={() => void preview.refetch()} />
        ) : (
          <span className="count" data-testid="segment-preview-count">
            {preview.data.count.toLocaleString()}
          </span>
        )}
      </div>
      {save.error && <Notice tone="bad">{save.error.message}</Notice>}
      <div className="page-actions">
        <button type="submit" className="button primary" disabled={save.isPending || 'problem' in built}>
          Save segment
        </button>
        <button type="button" className="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
