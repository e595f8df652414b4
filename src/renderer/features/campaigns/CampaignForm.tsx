import { useLiveQuery } from 'dexie-react-hooks';
import { useId, useState, type FormEvent } from 'react';
import { db } from '../../db';
import { listSegments } from '../../db/segments';
import {
  campaignChannels,
  campaignDraftSchema,
  campaignObjectives,
  type Campaign,
  type CampaignChannel,
  type CampaignObjective,
} from '../../../shared/campaign/campaign';

export interface CampaignFormValues {
  name: string;
  objective: CampaignObjective;
  channels: CampaignChannel[];
  startDate: string | null;
  endDate: string | null;
  /** The Hub segments the campaign targets. */
  segmentIds: string[];
}

export const blankCampaign: CampaignFormValues = { name: '', objective: 'awareness', channels: [], startDate: null, endDate: null, segmentIds: [] };

export function formValuesOf(campaign: Campaign): CampaignFormValues {
  const { name, objective, channels, startDate, endDate, segmentIds } = campaign;
  return { name, objective, channels, startDate, endDate, segmentIds };
}

/** Picks the segments a campaign targets from those pulled from the Hub (a target the Hub no longer has stays listed, to be unticked). */
function SegmentPicker(props: { value: string[]; onChange: (ids: string[]) => void }) {
  const segments = useLiveQuery(() => listSegments(db), []);
  const known = new Set(segments?.map((s) => s.id));
  const options = [...(segments ?? []).map((s) => ({ id: s.id, label: `${s.name} (${s.memberCount ?? '–'})` })), ...props.value.filter((id) => segments && !known.has(id)).map((id) => ({ id, label: `Segment ${id} (no longer on the Hub)` }))];
  return (
    <fieldset className="field channels">
      <legend>Segments</legend>
      {options.length === 0 ? (
        <p className="list-meta">No segments pulled from the Hub yet (see Audience).</p>
      ) : (
        <div className="chips">
          {options.map((option) => {
            const on = props.value.includes(option.id);
            return (
              <label key={option.id} className={on ? 'chip on' : 'chip'}>
                <input type="checkbox" name="segmentIds" value={option.id} checked={on} onChange={() => props.onChange(on ? props.value.filter((id) => id !== option.id) : [...props.value, option.id])} />
                {option.label}
              </label>
            );
          })}
        </div>
      )}
    </fieldset>
  );
}

const channelLabels: Record<CampaignChannel, string> = {
  instagram: 'Instagram',
  tiktok: 'TikTok',
  youtube: 'YouTube',
  facebook: 'Facebook',
  linkedin: 'LinkedIn',
  x: 'X',
  pinterest: 'Pinterest',
  snapchat: 'Snapchat',
  email: 'Email',
  display: 'Display',
};

export function objectiveLabel(objective: CampaignObjective): string {
  return objective[0]!.toUpperCase() + objective.slice(1);
}

export function channelLabel(channel: CampaignChannel): string {
  return channelLabels[channel];
}

/** Field -> first message, from the same schema the database layer enforces. */
function fieldErrors(values: CampaignFormValues): Record<string, string> {
  const result = campaignDraftSchema.safeParse(values);
  if (result.success) return {};
  const errors: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form');
    errors[field] ??= issue.message;
  }
  return errors;
}

export function CampaignForm(props: {
  initial: CampaignFormValues;
  submitLabel: string;
  onSubmit: (values: CampaignFormValues) => Promise<void>;
  onCancel?: () => void;
  /** Editing: the button stays off until something changed. */
  requireChange?: boolean;
  disabled?: boolean;
}) {
  const id = useId();
  const [values, setValues] = useState(props.initial);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const errors = touched ? fieldErrors(values) : {};
  const dirty = JSON.stringify(values) !== JSON.stringify(props.initial);
  const set = <K extends keyof CampaignFormValues>(field: K, value: CampaignFormValues[K]) =>
    setValues((current) => ({ ...current, [field]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setTouched(true);
    if (Object.keys(fieldErrors(values)).length > 0) return;
    setBusy(true);
    try {
      await props.onSubmit(values);
    } finally {
      setBusy(false);
    }
  }

  const describedBy = (field: string) => (errors[field] ? `${id}-${field}-error` : undefined);
  const errorText = (field: string) =>
    errors[field] ? (
      <span className="field-error" id={`${id}-${field}-error`}>
        {errors[field]}
      </span>
    ) : null;

  return (
    <form
      className="campaign-form"
      onSubmit={submit}
      noValidate
      aria-busy={busy}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && props.onCancel) {
          event.preventDefault();
          props.onCancel();
        }
      }}
    >
      <fieldset disabled={props.disabled || busy}>
        <label className="field">
          <span>Name</span>
          <input
            name="name"
            value={values.name}
            autoFocus
            maxLength={200}
            placeholder="Spring launch 2027"
            aria-invalid={Boolean(errors.name)}
            aria-describedby={describedBy('name')}
            onChange={(e) => set('name', e.target.value)}
          />
          {errorText('name')}
        </label>
        <label className="field">
          <span>Objective</span>
          <select name="objective" value={values.objective} onChange={(e) => set('objective', e.target.value as CampaignObjective)}>
            {campaignObjectives.map((objective) => (
              <option key={objective} value={objective}>
                {objectiveLabel(objective)}
              </option>
            ))}
          </select>
        </label>
        <div className="field-row">
          <label className="field">
            <span>Starts</span>
            <input type="date" name="startDate" value={values.startDate ?? ''} onChange={(e) => set('startDate', e.target.value || null)} />
          </label>
          <label className="field">
            <span>Ends</span>
            <input
              type="date"
              name="endDate"
              value={values.endDate ?? ''}
              aria-invalid={Boolean(errors.endDate)}
              aria-describedby={describedBy('endDate')}
              onChange={(e) => set('endDate', e.target.value || null)}
            />
            {errorText('endDate')}
          </label>
        </div>
        <fieldset className="field channels">
          <legend>Channels</legend>
          <div className="chips">
            {campaignChannels.map((channel) => {
              const on = values.channels.includes(channel);
              return (
                <label key={channel} className={on ? 'chip on' : 'chip'}>
                  <input
                    type="checkbox"
                    name="channels"
                    value={channel}
                    checked={on}
                    onChange={() => set('channels', on ? values.channels.filter((c) => c !== channel) : [...values.channels, channel])}
                  />
                  {channelLabels[channel]}
                </label>
              );
            })}
          </div>
        </fieldset>
        <SegmentPicker value={values.segmentIds} onChange={(ids) => set('segmentIds', ids)} />
        <div className="row form-actions">
          <button type="submit" className="button primary" disabled={props.requireChange && !dirty}>
            {props.submitLabel}
          </button>
          {props.onCancel && (
            <button type="button" className="button" onClick={props.onCancel}>
              Cancel
            </button>
          )}
        </div>
      </fieldset>
    </form>
  );
}
