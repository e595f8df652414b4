import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useCan } from '../../session';
import { Empty, formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { dayBefore, holdoutsKey, type Holdout } from './attribution-api';

interface Lift {
  treated: { members: number; converted: number; rate: number | null };
  holdout: { members: number; converted: number; rate: number | null };
  difference: number | null;
  relativeLift: number | null;
  interval: { lower: number; upper: number } | null;
}

const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toLocaleString(undefined, { maximumFractionDigits: 2 })} %`);

/**
 * Holdouts: a share of a segment withheld from a Studio campaign, and the
 * lift the campaign made measured against them. attribution.manage makes
 * them; everyone with attribution.read measures.
 */
export function HoldoutsPage() {
  const manage = useCan()('attribution.manage');
  const holdouts = useQuery({ queryKey: holdoutsKey, queryFn: ({ signal }) => api<{ holdouts: Holdout[] }>('/v1/attribution/holdouts', { signal }) });
  const [measured, setMeasured] = useState<string | null>(null);
  return (
    <>
      <div className="page-header">
        <h1>Holdouts</h1>
      </div>
      {manage ? <NewHoldout /> : <p className="muted">You can measure every holdout here; analysts, admins and owners make them.</p>}
      <div className="section">
        <h2>Holdouts</h2>
        <QueryView query={holdouts} what="holdouts">
          {(data) =>
            data.holdouts.length === 0 ? (
              <Empty>{manage ? 'No holdouts yet: withhold a share of a segment from a campaign above.' : 'No holdouts yet.'}</Empty>
            ) : (
              <table aria-label="Holdouts">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Campaign</th>
                    <th>Segment</th>
                    <th className="num">Withheld</th>
                    <th>Made</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {data.holdouts.map((holdout) => (
                    <tr key={holdout.id} className={holdout.id === measured ? 'selected' : undefined}>
                      <td>{holdout.name}</td>
                      <td>
                        <code>{holdout.campaignId}</code>
                      </td>
                      <td>
                        <code>{holdout.segmentId}</code>
                      </td>
                      <td className="num">{percent(holdout.share)}</td>
                      <td>{formatTime(holdout.createdAt)}</td>
                      <td>
                        <button type="button" className="button small" aria-label={`Measure lift of ${holdout.name}`} aria-pressed={holdout.id === measured} onClick={() => setMeasured(holdout.id === measured ? null : holdout.id)}>
                          Measure lift
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryView>
      </div>
      {measured && holdouts.data?.holdouts.some((h) => h.id === measured) && <LiftOf key={measured} holdout={holdouts.data.holdouts.find((h) => h.id === measured)!} />}
    </>
  );
}

function NewHoldout() {
  const segments = useQuery({ queryKey: ['segments'], queryFn: ({ signal }) => api<{ segments: { id: string; name: string }[] }>('/v1/segments', { signal }) });
  const [name, setName] = useState('');
  const [campaignId, setCampaignId] = useState('');
  const [segmentId, setSegmentId] = useState('');
  const [sharePercent, setSharePercent] = useState('10');
  const create = useAction(() => api<Holdout>('/v1/attribution/holdouts', { method: 'POST', body: { name: name.trim(), campaignId: campaignId.trim(), segmentId, share: Number(sharePercent) / 100 } }), [[...holdoutsKey]]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, {
      onSuccess: () => {
        setName('');
        setCampaignId('');
      },
    });
  };
  return (
    <form className="section" onSubmit={submit} aria-label="New holdout">
      <h2>Withhold a share of a segment</h2>
      <div className="fields">
        <label className="field">
          <span>Name</span>
          <input required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="field">
          <span>Campaign id (from Studio)</span>
          <input required maxLength={128} value={campaignId} onChange={(e) => setCampaignId(e.target.value)} />
        </label>
        <label className="field">
          <span>Segment</span>
          <select required value={segmentId} onChange={(e) => setSegmentId(e.target.value)} disabled={!segments.data}>
            <option value="">{segments.isPending ? 'Loading segments…' : segments.error ? 'Segments could not be loaded' : 'Choose a segment'}</option>
            {segments.data?.segments.map((segment) => (
              <option key={segment.id} value={segment.id}>
                {segment.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Withheld (%)</span>
          <input type="number" required min={0.01} max={99.99} step={0.01} value={sharePercent} onChange={(e) => setSharePercent(e.target.value)} />
        </label>
      </div>
      {create.error && <Notice tone="bad">{create.error.message}</Notice>}
      {create.isSuccess && <Notice tone="ok">Holdout “{create.data.name}” made: its members are left out of the campaign’s sends.</Notice>}
      <div>
        <button type="submit" className="button primary" disabled={create.isPending}>
          Make holdout
        </button>
      </div>
    </form>
  );
}

function LiftOf({ holdout }: { holdout: Holdout }) {
  const [from, setFrom] = useState(dayBefore(30));
  const [to, setTo] = useState(dayBefore(0));
  const [range, setRange] = useState({ from, to });
  const lift = useQuery({
    queryKey: [...holdoutsKey, holdout.id, 'lift', range],
    queryFn: ({ signal }) => api<{ segmentVersion: number; lift: Lift }>(`/v1/attribution/holdouts/${encodeURIComponent(holdout.id)}/lift`, { query: range, signal }),
  });
  return (
    <div className="section" aria-label={`Lift of ${holdout.name}`} role="region">
      <h2>Lift of {holdout.name}</h2>
      <form
        className="fields"
        onSubmit={(event) => {
          event.preventDefault();
          setRange({ from, to });
        }}
      >
        <label className="field">
          <span>From</span>
          <input type="date" required value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" required value={to} min={from} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="submit" className="button">
          Measure
        </button>
      </form>
      <QueryView query={lift} what="the lift">
        {(data) => (
          <table aria-label="Lift">
            <thead>
              <tr>
                <th>Group</th>
                <th className="num">Members</th>
                <th className="num">Converted</th>
                <th className="num">Rate</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>Reached by the campaign</td>
                <td className="num">{data.lift.treated.members.toLocaleString()}</td>
                <td className="num">{data.lift.treated.converted.toLocaleString()}</td>
                <td className="num">{percent(data.lift.treated.rate)}</td>
              </tr>
              <tr>
                <td>Held out</td>
                <td className="num">{data.lift.holdout.members.toLocaleString()}</td>
                <td className="num">{data.lift.holdout.converted.toLocaleString()}</td>
                <td className="num">{percent(data.lift.holdout.rate)}</td>
              </tr>
            </tbody>
            <tfoot>
              <tr>
                <td colSpan={4}>
                  Lift {percent(data.lift.difference)}
                  {data.lift.interval && ` (95 % interval ${percent(data.lift.interval.lower)} to ${percent(data.lift.interval.upper)})`}, segment version {data.segmentVersion}
                </td>
              </tr>
            </tfoot>
          </table>
        )}
      </QueryView>
    </div>
  );
}
