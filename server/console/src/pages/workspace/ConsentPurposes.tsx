import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { listFromText } from './sso-forms';

const purposesKey = ['consent-purposes'];

/** What customers can consent to; every segment names one, and holds only customers who granted it. Owners change the list. */
export function ConsentPurposes({ manage }: { manage: boolean }) {
  const purposes = useQuery({ queryKey: purposesKey, queryFn: () => api<{ purposes: string[] }>('/v1/consent-purposes') });
  return (
    <div className="section">
      <h2>Consent purposes</h2>
      <QueryView query={purposes} what="the consent purposes">
        {(data) => (manage ? <PurposesForm purposes={data.purposes} /> : <p>{data.purposes.join(', ')}</p>)}
      </QueryView>
    </div>
  );
}

function PurposesForm({ purposes }: { purposes: string[] }) {
  const [text, setText] = useState(purposes.join(', '));
  const save = useAction(() => api('/v1/consent-purposes', { method: 'PUT', body: { purposes: listFromText(text) } }), [purposesKey]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="form" onSubmit={submit} aria-label="Consent purposes">
      <label className="field">
        <span>Purposes (comma-separated, lower-case words joined by hyphens)</span>
        <input required value={text} onChange={(event) => setText(event.target.value)} />
      </label>
      {save.error && <Notice tone="bad">{save.error.message}</Notice>}
      {save.isSuccess && <Notice tone="ok">Saved.</Notice>}
      <div>
        <button type="submit" className="button primary" disabled={save.isPending}>
          Save purposes
        </button>
      </div>
    </form>
  );
}
