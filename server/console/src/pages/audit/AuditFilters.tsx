import { useState, type FormEvent } from 'react';
import type { AuditFilter } from './audit-api';

/** `datetime-local` speaks local time without a zone; the API wants ISO instants. */
const toInput = (iso: string | undefined) => {
  if (!iso) return '';
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};
const fromInput = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** The audit log's filters; applied by the Hub (server-side), on submit or Enter. */
export function AuditFilters({ filter, onApply }: { filter: AuditFilter; onApply: (filter: AuditFilter) => void }) {
  const [draft, setDraft] = useState({ ...filter, from: toInput(filter.from), to: toInput(filter.to) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const applied: AuditFilter = {};
    for (const name of ['action', 'actorId', 'targetKind', 'targetId'] as const) if (draft[name]?.trim()) applied[name] = draft[name]!.trim();
    const from = fromInput(draft.from ?? '');
    const to = fromInput(draft.to ?? '');
    if (from) applied.from = from;
    if (to) applied.to = to;
    onApply(applied);
  };
  const field = (name: keyof AuditFilter, label: string, type = 'text') => (
    <label className="field">
      <span>{label}</span>
      <input type={type} value={draft[name] ?? ''} onChange={(event) => setDraft({ ...draft, [name]: event.target.value })} />
    </label>
  );
  return (
    <form className="section fields" onSubmit={submit} aria-label="Filter the audit log">
      {field('action', 'Action (e.g. member.joined)')}
      {field('actorId', 'Actor id')}
      {field('targetKind', 'Target kind')}
      {field('targetId', 'Target id')}
      {field('from', 'From', 'datetime-local')}
      {field('to', 'Before', 'datetime-local')}
      <button type="submit" className="button primary">
        Search
      </button>
      <button
        type="button"
        className="button"
        onClick={() => {
          setDraft({ from: '', to: '' });
          onApply({});
        }}
      >
        Clear
      </button>
    </form>
  );
}
