import { useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../../api';
import { Notice } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { experimentsKey, fieldProblems, type Experiment } from './experiments-api';

type RecordType = 'render' | 'composition' | 'persona' | 'script';
interface VariantDraft {
  key: number;
  id: string;
  name: string;
  recordType: RecordType;
  recordId: string;
  weight: string;
}
interface MetricDraft {
  kind: 'conversion-rate' | 'mean';
  event: string;
  valueProperty: string;
}
interface GuardrailDraft {
  key: number;
  name: string;
  metric: MetricDraft;
  direction: 'higher-is-better' | 'lower-is-better';
  tolerance: string;
}

let nextKey = 1;
const newVariant = (id: string, name: string): VariantDraft => ({ key: nextKey++, id, name, recordType: 'render', recordId: '', weight: '1' });
const metricOf = (draft: MetricDraft) => (draft.kind === 'mean' ? { kind: 'mean', event: draft.event, valueProperty: draft.valueProperty } : { kind: 'conversion-rate', event: draft.event });
/** A number field: empty leaves the Hub's default; anything else is sent for the Hub to judge (NaN becomes null and is refused by name). */
const numberOf = (text: string) => (text.trim() === '' ? undefined : Number(text));

/**
 * Sets up an experiment on a synced campaign. The Hub checks the definition
 * (definition.ts) and names each problem by field; they are shown beside the fields.
 */
export function ExperimentForm({ onCreated, onCancel }: { onCreated: (experiment: Experiment) => void; onCancel: () => void }) {
  const segments = useQuery({ queryKey: ['segments'], queryFn: ({ signal }) => api<{ segments: { id: string; name: string }[] }>('/v1/segments', { signal }) });
  const [campaignId, setCampaignId] = useState('');
  const [name, setName] = useState('');
  const [variants, setVariants] = useState<VariantDraft[]>(() => [newVariant('control', 'Control'), newVariant('treatment', 'Treatment')]);
  const [targetSegmentId, setTargetSegmentId] = useState('');
  const [primary, setPrimary] = useState<MetricDraft>({ kind: 'conversion-rate', event: 'Order Completed', valueProperty: 'revenue' });
  const [guardrails, setGuardrails] = useState<GuardrailDraft[]>([]);
  const [holdoutShare, setHoldoutShare] = useState('0');
  const [alpha, setAlpha] = useState('0.05');
  const [engine, setEngine] = useState<'frequentist' | 'bayesian'>('frequentist');
  const [sequential, setSequential] = useState(false);
  const [bandit, setBandit] = useState({ enabled: false, minShare: '0.05', minUnitsPerArm: '1000', schedule: '0 * * * *' });
  const [autoPromote, setAutoPromote] = useState(false);

  const create = useAction(
    () =>
      api<Experiment>('/v1/experiments', {
        method: 'POST',
        body: {
          campaignId: campaignId.trim(),
          name,
          definition: {
            variants: variants.map((v) => ({ id: v.id, name: v.name, ref: { recordType: v.recordType, recordId: v.recordId.trim() }, weight: numberOf(v.weight) })),
            targetSegmentId: targetSegmentId || null,
            primaryMetric: metricOf(primary),
            guardrails: guardrails.map((g) => ({ name: g.name, metric: metricOf(g.metric), direction: g.direction, tolerance: numberOf(g.tolerance) })),
            holdoutShare: numberOf(holdoutShare),
            alpha: numberOf(alpha),
            engine,
            sequential,
            // Its settings only count when it is on: the Hub's defaults otherwise.
            bandit: bandit.enabled ? { enabled: true, minShare: numberOf(bandit.minShare), minUnitsPerArm: numberOf(bandit.minUnitsPerArm), schedule: bandit.schedule } : { enabled: false },
            autoPromote,
          },
        },
      }),
    [[...experimentsKey]],
  );
  const problems = create.error instanceof ApiError && create.error.status === 400 ? fieldProblems(create.error.message) : { byPath: new Map<string, string[]>(), other: create.error ? [create.error.message] : [] };
  const shown = new Set<string>();
  /** The Hub's messages for a field (and, with `within`, for the fields inside it). */
  const errorsAt = (path: string, within = false) => {
    const found = [...problems.byPath].filter(([p]) => p === path || (within && p.startsWith(`${path}.`)));
    found.forEach(([p]) => shown.add(p));
    return found.flatMap(([p, messages]) => messages.map((m) => (p === path ? m : `${p.slice(path.length + 1)}: ${m}`)));
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: onCreated });
  };
  const setVariant = (key: number, change: Partial<VariantDraft>) => setVariants(variants.map((v) => (v.key === key ? { ...v, ...change } : v)));
  const setGuardrail = (key: number, change: Partial<GuardrailDraft>) => setGuardrails(guardrails.map((g) => (g.key === key ? { ...g, ...change } : g)));

  const form = (
    <form className="section experiment-form" onSubmit={submit} aria-label="New experiment" noValidate>
      <h2>New experiment</h2>
      <div className="fields">
        <Field label="Experiment name" errors={errorsAt('name')}>
          {(props) => <input {...props} maxLength={120} value={name} onChange={(event) => setName(event.target.value)} autoFocus />}
        </Field>
        <Field label="Campaign id (synced from Studio)" errors={errorsAt('campaignId')}>
          {(props) => <input {...props} value={campaignId} onChange={(event) => setCampaignId(event.target.value)} spellCheck={false} />}
        </Field>
        <Field label="Target segment" errors={errorsAt('definition.targetSegmentId')}>
          {(props) => (
            <select {...props} value={targetSegmentId} onChange={(event) => setTargetSegmentId(event.target.value)}>
              <option value="">All customers</option>
              {segments.data?.segments.map((segment) => (
                <option key={segment.id} value={segment.id}>
                  {segment.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      {segments.error && <Notice tone="warn">The segments could not be read ({segments.error.message}); the experiment can target all customers.</Notice>}

      <fieldset>
        <legend>Variants</legend>
        <p id="variants-note" className="muted">
          The first is the control. Each shows a Studio record; weights are shares of the traffic (any scale).
        </p>
        <FieldErrors errors={errorsAt('definition.variants')} />
        {variants.map((variant, index) => (
          <div key={variant.key} className="fields" role="group" aria-label={`Variant ${index + 1}`}>
            <Field label="Id" errors={errorsAt(`definition.variants.${index}.id`)}>
              {(props) => <input {...props} value={variant.id} onChange={(event) => setVariant(variant.key, { id: event.target.value })} spellCheck={false} />}
            </Field>
            <Field label="Name" errors={errorsAt(`definition.variants.${index}.name`)}>
              {(props) => <input {...props} value={variant.name} onChange={(event) => setVariant(variant.key, { name: event.target.value })} />}
            </Field>
            <Field label="Shows a" errors={errorsAt(`definition.variants.${index}.ref.recordType`)}>
              {(props) => (
                <select {...props} value={variant.recordType} onChange={(event) => setVariant(variant.key, { recordType: event.target.value as RecordType })}>
                  <option value="render">render</option>
                  <option value="composition">composition</option>
                  <option value="persona">persona</option>
                  <option value="script">script</option>
                </select>
              )}
            </Field>
            <Field label="Studio record id" errors={errorsAt(`definition.variants.${index}.ref`, true).filter((m) => !m.startsWith('recordType'))}>
              {(props) => <input {...props} value={variant.recordId} onChange={(event) => setVariant(variant.key, { recordId: event.target.value })} spellCheck={false} />}
            </Field>
            <Field label="Weight" errors={errorsAt(`definition.variants.${index}.weight`)}>
              {(props) => <input {...props} type="number" min={0} step="any" value={variant.weight} onChange={(event) => setVariant(variant.key, { weight: event.target.value })} />}
            </Field>
            {variants.length > 2 && (
              <button type="button" className="button small" onClick={() => setVariants(variants.filter((v) => v.key !== variant.key))} aria-label={`Remove variant ${index + 1}`}>
                Remove
              </button>
            )}
          </div>
        ))}
        <div>
          <button type="button" className="button small" onClick={() => setVariants([...variants, newVariant(`treatment-${variants.length}`, `Treatment ${variants.length}`)])}>
            Add variant
          </button>
        </div>
      </fieldset>

      <fieldset>
        <legend>Primary metric</legend>
        <MetricFields draft={primary} onChange={setPrimary} errorsAt={(field) => errorsAt(`definition.primaryMetric${field ? `.${field}` : ''}`)} label="Primary metric" />
      </fieldset>

      <fieldset>
        <legend>Guardrails</legend>
        <p className="muted">Metrics that must not get worse beyond a tolerance (relative: 0.02 is 2 %).</p>
        <FieldErrors errors={errorsAt('definition.guardrails')} />
        {guardrails.map((guardrail, index) => (
          <div key={guardrail.key} className="fields" role="group" aria-label={`Guardrail ${index + 1}`}>
            <Field label="Name" errors={errorsAt(`definition.guardrails.${index}.name`)}>
              {(props) => <input {...props} value={guardrail.name} onChange={(event) => setGuardrail(guardrail.key, { name: event.target.value })} />}
            </Field>
            <MetricFields draft={guardrail.metric} onChange={(metric) => setGuardrail(guardrail.key, { metric })} errorsAt={(field) => errorsAt(`definition.guardrails.${index}.metric${field ? `.${field}` : ''}`)} label={`Guardrail ${index + 1} metric`} />
            <Field label="Good direction" errors={errorsAt(`definition.guardrails.${index}.direction`)}>
              {(props) => (
                <select {...props} value={guardrail.direction} onChange={(event) => setGuardrail(guardrail.key, { direction: event.target.value as GuardrailDraft['direction'] })}>
                  <option value="higher-is-better">higher is better</option>
                  <option value="lower-is-better">lower is better</option>
                </select>
              )}
            </Field>
            <Field label="Tolerance" errors={errorsAt(`definition.guardrails.${index}.tolerance`)}>
              {(props) => <input {...props} type="number" min={0} max={1} step="any" value={guardrail.tolerance} onChange={(event) => setGuardrail(guardrail.key, { tolerance: event.target.value })} />}
            </Field>
            <button type="button" className="button small" onClick={() => setGuardrails(guardrails.filter((g) => g.key !== guardrail.key))} aria-label={`Remove guardrail ${index + 1}`}>
              Remove
            </button>
          </div>
        ))}
        <div>
          <button type="button" className="button small" onClick={() => setGuardrails([...guardrails, { key: nextKey++, name: '', metric: { kind: 'conversion-rate', event: '', valueProperty: '' }, direction: 'lower-is-better', tolerance: '0' }])}>
            Add guardrail
          </button>
        </div>
      </fieldset>

      <fieldset>
        <legend>Analysis</legend>
        <div className="fields">
          <Field label="Held-out share (0 to 0.5)" errors={errorsAt('definition.holdoutShare')}>
            {(props) => <input {...props} type="number" min={0} max={0.5} step="any" value={holdoutShare} onChange={(event) => setHoldoutShare(event.target.value)} />}
          </Field>
          <Field label="Alpha" errors={errorsAt('definition.alpha')}>
            {(props) => <input {...props} type="number" min={0} max={0.5} step="any" value={alpha} onChange={(event) => setAlpha(event.target.value)} />}
          </Field>
          <Field label="Engine" errors={errorsAt('definition.engine')}>
            {(props) => (
              <select {...props} value={engine} onChange={(event) => setEngine(event.target.value as typeof engine)}>
                <option value="frequentist">frequentist</option>
                <option value="bayesian">bayesian</option>
              </select>
            )}
          </Field>
        </div>
        <Check label="Sequential (always-valid p-values: read the results at any time)" checked={sequential} onChange={setSequential} errors={errorsAt('definition.sequential')} />
        <Check label="Promote the winner automatically when it is decided" checked={autoPromote} onChange={setAutoPromote} errors={errorsAt('definition.autoPromote')} />
      </fieldset>

      <fieldset>
        <legend>Bandit</legend>
        <Check label="Move traffic to the better variants as results come in" checked={bandit.enabled} onChange={(enabled) => setBandit({ ...bandit, enabled })} errors={errorsAt('definition.bandit.enabled')} />
        {bandit.enabled && (
          <div className="fields">
            <Field label="Smallest share per variant" errors={errorsAt('definition.bandit.minShare')}>
              {(props) => <input {...props} type="number" min={0} max={0.5} step="any" value={bandit.minShare} onChange={(event) => setBandit({ ...bandit, minShare: event.target.value })} />}
            </Field>
            <Field label="Customers per variant before weights move" errors={errorsAt('definition.bandit.minUnitsPerArm')}>
              {(props) => <input {...props} type="number" min={1} step={1} value={bandit.minUnitsPerArm} onChange={(event) => setBandit({ ...bandit, minUnitsPerArm: event.target.value })} />}
            </Field>
            <Field label="Update schedule (cron, UTC)" errors={errorsAt('definition.bandit.schedule')}>
              {(props) => <input {...props} value={bandit.schedule} onChange={(event) => setBandit({ ...bandit, schedule: event.target.value })} spellCheck={false} />}
            </Field>
          </div>
        )}
      </fieldset>

      <OtherProblems problems={problems} shown={shown} />
      <div className="page-actions">
        <button type="submit" className="button primary" disabled={create.isPending}>
          Create experiment
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
  return form;
}

/** What the Hub refused that no field above shows. */
function OtherProblems({ problems, shown }: { problems: ReturnType<typeof fieldProblems>; shown: Set<string> }) {
  const rest = [...problems.other, ...[...problems.byPath].filter(([path]) => !shown.has(path)).flatMap(([path, messages]) => messages.map((m) => `${path}: ${m}`))];
  if (rest.length === 0) return null;
  return (
    <Notice tone="bad">
      {problems.byPath.size > 0 ? 'Not created: ' : ''}
      {rest.join('; ')}
    </Notice>
  );
}

function MetricFields({ draft, onChange, errorsAt, label }: { draft: MetricDraft; onChange: (draft: MetricDraft) => void; errorsAt: (field: string) => string[]; label: string }) {
  return (
    <div className="fields" role="group" aria-label={label}>
      <Field label="Measure" errors={errorsAt('kind')}>
        {(props) => (
          <select {...props} value={draft.kind} onChange={(event) => onChange({ ...draft, kind: event.target.value as MetricDraft['kind'] })}>
            <option value="conversion-rate">conversion rate</option>
            <option value="mean">mean value per customer</option>
          </select>
        )}
      </Field>
      <Field label="Event" errors={[...errorsAt(''), ...errorsAt('event')]}>
        {(props) => <input {...props} value={draft.event} onChange={(event) => onChange({ ...draft, event: event.target.value })} />}
      </Field>
      {draft.kind === 'mean' && (
        <Field label="Value property" errors={errorsAt('valueProperty')}>
          {(props) => <input {...props} value={draft.valueProperty} onChange={(event) => onChange({ ...draft, valueProperty: event.target.value })} spellCheck={false} />}
        </Field>
      )}
    </div>
  );
}

interface ControlProps {
  id: string;
  'aria-invalid': boolean;
  'aria-describedby': string | undefined;
}

/** A labelled control with the Hub's messages for it beside it, tied to it for screen readers. */
function Field({ label, errors, children }: { label: string; errors: string[]; children: (props: ControlProps) => ReactNode }) {
  const id = useId();
  const errorId = `${id}-errors`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': errors.length > 0, 'aria-describedby': errors.length > 0 ? errorId : undefined })}
      <FieldErrors id={errorId} errors={errors} />
    </div>
  );
}

function Check({ label, checked, onChange, errors }: { label: string; checked: boolean; onChange: (checked: boolean) => void; errors: string[] }) {
  const id = useId();
  return (
    <div>
      <label className="rule-row">
        <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} aria-invalid={errors.length > 0} aria-describedby={errors.length > 0 ? id : undefined} />
        {label}
      </label>
      <FieldErrors id={id} errors={errors} />
    </div>
  );
}

function FieldErrors({ id, errors }: { id?: string; errors: string[] }) {
  if (errors.length === 0) return null;
  return (
    <span id={id} className="field-error tone-bad">
      {errors.join('; ')}
    </span>
  );
}
