import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { Notice } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { dayBefore, modelChoices, type ModelName } from '../attribution/attribution-api';
import { adviceKey, type BudgetAdvice } from './budget-api';

interface BoundRow {
  channel: string;
  min: string;
  max: string;
}

/** Asks the Hub for advice: a range, the attribution model to trust, the weekly budget and, per channel, the least and most it may get. */
export function NewAdvice({ onCreated }: { onCreated: (advice: BudgetAdvice) => void }) {
  const [from, setFrom] = useState(dayBefore(26 * 7));
  const [to, setTo] = useState(dayBefore(0));
  const [model, setModel] = useState<ModelName>('last');
  const [budget, setBudget] = useState('');
  const [bounds, setBounds] = useState<BoundRow[]>([]);
  const [exclude, setExclude] = useState('');
  const create = useAction(
    () =>
      api<BudgetAdvice>('/v1/budget/advice', {
        method: 'POST',
        body: {
          from,
          to,
          model,
          weeklyBudget: Number(budget),
          bounds: Object.fromEntries(bounds.filter((b) => b.channel.trim()).map((b) => [b.channel.trim(), { ...(b.min !== '' && { min: Number(b.min) }), ...(b.max !== '' && { max: Number(b.max) }) }])),
          exclude: exclude.split(',').map((c) => c.trim()).filter(Boolean),
        },
      }),
    [[...adviceKey]],
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: onCreated });
  };
  const change = (index: number, field: keyof BoundRow, value: string) => setBounds(bounds.map((b, i) => (i === index ? { ...b, [field]: value } : b)));
  return (
    <form className="section" onSubmit={submit} aria-label="New budget advice">
      <h2>Ask for advice</h2>
      <p className="muted">The Hub fits each channel's response curve to its weekly spend and the value a completed attribution run by channel credited to it over the range, then proposes how to share the weekly budget. Nothing changes until someone approves it.</p>
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
          <span>Attribution model</span>
          <select value={model} onChange={(event) => setModel(event.target.value as ModelName)}>
            {modelChoices.map((choice) => (
              <option key={choice.name} value={choice.name}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Weekly budget</span>
          <input type="number" required min={1} step="any" inputMode="decimal" value={budget} onChange={(event) => setBudget(event.target.value)} />
        </label>
        <label className="field">
          <span>Leave out channels</span>
          <input type="text" placeholder="e.g. display, influencer" value={exclude} onChange={(event) => setExclude(event.target.value)} />
        </label>
      </div>
      <fieldset className="rule-group">
        <legend className="muted">Bounds per channel and week (optional; default 0 to the whole budget)</legend>
        {bounds.map((bound, index) => (
          <div key={index} className="rule-row">
            <label className="field">
              <span>Channel</span>
              <input type="text" required value={bound.channel} placeholder="paid-social" onChange={(event) => change(index, 'channel', event.target.value)} />
            </label>
            <label className="field">
              <span>Least</span>
              <input type="number" min={0} step="any" value={bound.min} onChange={(event) => change(index, 'min', event.target.value)} />
            </label>
            <label className="field">
              <span>Most</span>
              <input type="number" min={0} step="any" value={bound.max} onChange={(event) => change(index, 'max', event.target.value)} />
            </label>
            <button type="button" className="button small" onClick={() => setBounds(bounds.filter((_, i) => i !== index))} aria-label={`Remove the bound${bound.channel ? ` on ${bound.channel}` : ''}`}>
              Remove
            </button>
          </div>
        ))}
        <div>
          <button type="button" className="button small" onClick={() => setBounds([...bounds, { channel: '', min: '', max: '' }])}>
            Add a bound
          </button>
        </div>
      </fieldset>
      {create.error && <Notice tone="bad">{create.error.message}</Notice>}
      <div>
        <button type="submit" className="button primary" disabled={create.isPending}>
          {create.isPending ? 'Fitting curves…' : 'Propose a split'}
        </button>
      </div>
    </form>
  );
}
