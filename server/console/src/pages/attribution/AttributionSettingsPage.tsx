import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useCan } from '../../session';
import { Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { settingsKey, type AttributionSettingsDetail, type ChannelGrouping } from './attribution-api';

type ConversionEvent = AttributionSettingsDetail['conversionEvents'][number];

const useSaveSettings = () => useAction((body: Record<string, unknown>) => api<AttributionSettingsDetail>('/v1/attribution/settings', { method: 'PUT', body }), [[...settingsKey]]);

/**
 * What attribution counts and how: the conversion events and the property
 * holding their value, the lookback window, the reporting currency, and the
 * channel grouping that sorts touches into channels. Everyone with
 * attribution.read sees them; attribution.manage changes them.
 */
export function AttributionSettingsPage() {
  const settings = useQuery({ queryKey: settingsKey, queryFn: ({ signal }) => api<AttributionSettingsDetail>('/v1/attribution/settings', { signal }) });
  // Here rather than in the form, which starts afresh from the saved settings: "saved" outlives that.
  const save = useSaveSettings();
  return (
    <>
      <div className="page-header">
        <h1>Attribution settings</h1>
      </div>
      <QueryView query={settings} what="attribution settings">
        {(data) => <SettingsForm key={JSON.stringify(data)} settings={data} save={save} />}
      </QueryView>
    </>
  );
}

function SettingsForm({ settings, save }: { settings: AttributionSettingsDetail; save: ReturnType<typeof useSaveSettings> }) {
  const manage = useCan()('attribution.manage');
  const [events, setEvents] = useState<ConversionEvent[]>(settings.conversionEvents);
  const [lookbackDays, setLookbackDays] = useState(String(settings.lookbackDays));
  const [currency, setCurrency] = useState(settings.reportingCurrency);
  const [useDefault, setUseDefault] = useState(settings.defaultGrouping);
  const [grouping, setGrouping] = useState(JSON.stringify(settings.channelGrouping, null, 2));
  const [problem, setProblem] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    save.reset();
    let channelGrouping: ChannelGrouping | null = null;
    if (!useDefault) {
      try {
        channelGrouping = JSON.parse(grouping) as ChannelGrouping;
      } catch (error) {
        setProblem(`Channel grouping: not valid JSON (${(error as Error).message}).`);
        return;
      }
    }
    save.mutate({ conversionEvents: events.map((e) => ({ ...e, name: e.name.trim() })), lookbackDays: Number(lookbackDays), reportingCurrency: currency.trim(), channelGrouping });
  };
  const change = (index: number, field: keyof ConversionEvent, value: string) => setEvents(events.map((e, i) => (i === index ? { ...e, [field]: value } : e)));

  return (
    <form onSubmit={submit} aria-label="Attribution settings">
      <fieldset disabled={!manage || save.isPending} className="plain">
        <div className="section">
          <h2>Conversion events</h2>
          <p className="muted">The events that count as a conversion, and the properties that hold their value and its currency.</p>
          {events.length === 0 && <p className="muted">No conversion events: a comparison would credit nothing.</p>}
          {events.map((conversion, index) => (
            <div className="fields" key={index} role="group" aria-label={`Conversion event ${index + 1}`}>
              <label className="field">
                <span>Event name</span>
                <input required value={conversion.name} onChange={(e) => change(index, 'name', e.target.value)} />
              </label>
              <label className="field">
                <span>Value property</span>
                <input required value={conversion.valueProperty} onChange={(e) => change(index, 'valueProperty', e.target.value)} />
              </label>
              <label className="field">
                <span>Currency property</span>
                <input required value={conversion.currencyProperty} onChange={(e) => change(index, 'currencyProperty', e.target.value)} />
              </label>
              {manage && (
                <button type="button" className="button small" onClick={() => setEvents(events.filter((_, i) => i !== index))} aria-label={`Remove conversion event ${conversion.name || index + 1}`}>
                  Remove
                </button>
              )}
            </div>
          ))}
          {manage && (
            <div>
              <button type="button" className="button small" onClick={() => setEvents([...events, { name: '', valueProperty: 'revenue', currencyProperty: 'currency' }])}>
                Add conversion event
              </button>
            </div>
          )}
        </div>
        <div className="section">
          <h2>Window and currency</h2>
          <div className="fields">
            <label className="field">
              <span>Lookback (days before a conversion that a touch may earn credit)</span>
              <input type="number" required min={1} max={365} value={lookbackDays} onChange={(e) => setLookbackDays(e.target.value)} />
            </label>
            <label className="field">
              <span>Reporting currency (ISO 4217)</span>
              <input required pattern="[A-Za-z]{3}" maxLength={3} value={currency} onChange={(e) => setCurrency(e.target.value)} />
            </label>
          </div>
        </div>
        <div className="section">
          <h2>Channel grouping</h2>
          <p className="muted">Channels: {settings.channels.join(', ')}. The first rule that matches a touch decides its channel.</p>
          <table aria-label="Channel rules">
            <thead>
              <tr>
                <th>Channel</th>
                <th>When</th>
              </tr>
            </thead>
            <tbody>
              {settings.channelGrouping.rules.map((rule, index) => (
                <tr key={index}>
                  <td>{rule.channel}</td>
                  <td>
                    {Object.entries(rule.when)
                      .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)
                      .join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <label className="field inline">
            <input type="checkbox" checked={useDefault} onChange={(e) => setUseDefault(e.target.checked)} />
            Use the default grouping
          </label>
          {!useDefault && (
            <label className="field">
              <span>Custom grouping (JSON: rules, referralChannel, directChannel, otherChannel)</span>
              <textarea rows={14} spellCheck={false} value={grouping} onChange={(e) => setGrouping(e.target.value)} />
            </label>
          )}
        </div>
      </fieldset>
      {problem && <Notice tone="bad">{problem}</Notice>}
      {save.error && <Notice tone="bad">{save.error.message}</Notice>}
      {save.isSuccess && <Notice tone="ok">Settings saved: the next comparison uses them.</Notice>}
      {manage ? (
        <button type="submit" className="button primary" disabled={save.isPending}>
          Save settings
        </button>
      ) : (
        <p className="muted">Analysts, admins and owners change these settings.</p>
      )}
    </form>
  );
}
