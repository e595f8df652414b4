import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { useCan } from '../../session';
import { GroupedBarChart } from '../../ui/charts';
import { formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { modelLabel } from '../attribution/attribution-api';
import { adviceKey, money, planKey, share, type BudgetAdvice } from './budget-api';

const label = (channel: string) => channel.replace(/-/g, ' ');

/** One proposal: current against proposed spend per channel as a chart with its table beside it, why, and the decision. */
export function AdviceDetail({ id }: { id: string }) {
  const advice = useQuery({ queryKey: [...adviceKey, id], queryFn: ({ signal }) => api<BudgetAdvice>(`/v1/budget/advice/${encodeURIComponent(id)}`, { signal }) });
  return <QueryView query={advice} what="the advice">{(data) => <AdviceView advice={data} />}</QueryView>;
}

function AdviceView({ advice }: { advice: BudgetAdvice }) {
  const { currency } = advice;
  const format = (value: number) => money(value, currency);
  const gain = advice.expectedReturn - advice.currentReturn;
  return (
    <>
      <div className="section" aria-label="Advice summary">
        <h2>
          {money(advice.weeklyBudget, currency)} a week, from {advice.weeks.first} to {advice.weeks.last}
        </h2>
        <dl className="figures">
          <Figure label="Status" value={advice.status} note={advice.decidedAt ? `${formatTime(advice.decidedAt)}${advice.decisionNote ? `: ${advice.decisionNote}` : ''}` : undefined} />
          <Figure label="Expected return a week" value={format(advice.expectedReturn)} note={`${gain >= 0 ? '+' : ''}${format(gain)} on the current split (${format(advice.currentReturn)})`} />
          <Figure label="Fitted from" value={`${advice.weeks.count} weeks`} note={`${modelLabel(advice.request.model)} attribution in ${currency}`} />
        </dl>
        <p>{advice.explanation}</p>
        {advice.warnings.map((warning) => (
          <Notice key={warning} tone="warn">
            {warning}
          </Notice>
        ))}
      </div>
      <div className="section">
        <h2>Current and proposed spend per week</h2>
        <div className="chart-and-table">
          <GroupedBarChart
            title="Spend per week by channel: current split and proposal"
            data={advice.channels.map((c) => ({ channel: label(c.channel), current: c.current, proposed: c.proposed }))}
            category="channel"
            series={[
              { key: 'current', label: 'Current' },
              { key: 'proposed', label: 'Proposed' },
            ]}
            format={format}
          />
          <div className="table-scroll">
            <table aria-label="Spend per channel">
              <thead>
                <tr>
                  <th scope="col">Channel</th>
                  <th scope="col" className="num">Current</th>
                  <th scope="col" className="num">Proposed</th>
                  <th scope="col" className="num">Bounds</th>
                  <th scope="col" className="num">Return now</th>
                  <th scope="col" className="num">Expected return</th>
                </tr>
              </thead>
              <tbody>
                {advice.channels.map((c) => (
                  <tr key={c.channel}>
                    <th scope="row">{label(c.channel)}</th>
                    <td className="num">{format(c.current)}</td>
                    <td className="num">{format(c.proposed)}</td>
                    <td className="num">
                      {format(c.min)} to {format(c.max)}
                    </td>
                    <td className="num">{format(c.currentReturn)}</td>
                    <td className="num">{format(c.expectedReturn)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      </div>
      <div className="section">
        <h2>Why, channel by channel</h2>
        <ul>
          {advice.channels.map((c) => (
            <li key={c.channel}>{c.explanation}</li>
          ))}
        </ul>
        <details>
          <summary>Fitted curves</summary>
          <table aria-label="Fitted curves">
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col" className="num">Carry-over (λ)</th>
                <th scope="col" className="num">Most a week (β)</th>
                <th scope="col" className="num">Half at (K)</th>
                <th scope="col" className="num">Shape (s)</th>
                <th scope="col" className="num">Fit (R²)</th>
                <th scope="col" className="num">Saturation now → proposed</th>
              </tr>
            </thead>
            <tbody>
              {advice.channels.map((c) => (
                <tr key={c.channel}>
                  <th scope="row">{label(c.channel)}</th>
                  <td className="num">{c.curve.decay.toFixed(2)}</td>
                  <td className="num">{format(c.curve.maxResponse)}</td>
                  <td className="num">{format(c.curve.halfSaturation)}</td>
                  <td className="num">{c.curve.shape.toFixed(2)}</td>
                  <td className="num">{c.curve.rSquared.toFixed(2)}</td>
                  <td className="num">
                    {share(c.saturationNow)} → {share(c.saturationProposed)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      </div>
      <Decision advice={advice} />
    </>
  );
}

/** Approve or reject: only for those who hold the budget (budget.manage), and only while the advice is a proposal. */
function Decision({ advice }: { advice: BudgetAdvice }) {
  const can = useCan();
  const [note, setNote] = useState('');
  const decide = useAction((decision: 'approve' | 'reject') => api<BudgetAdvice>(`/v1/budget/advice/${encodeURIComponent(advice.id)}/${decision}`, { method: 'POST', body: note.trim() ? { note: note.trim() } : {} }), [[...adviceKey], [...planKey]]);
  if (advice.status !== 'proposed') return null;
  if (!can('budget.manage')) return <p className="muted">Owners, admins and marketers approve or reject budget advice.</p>;
  return (
    <form className="section" aria-label="Decision" onSubmit={(event) => event.preventDefault()}>
      <h2>Decide</h2>
      <p className="muted">Approving makes this split the workspace's budget plan. A proposal is decided once.</p>
      <label className="field">
        <span>Note for the audit trail (optional)</span>
        <textarea rows={2} maxLength={500} value={note} onChange={(event) => setNote(event.target.value)} />
      </label>
      {decide.error && <Notice tone="bad">{decide.error.message}</Notice>}
      <div className="page-actions">
        <button type="button" className="button primary" disabled={decide.isPending} onClick={() => decide.mutate('approve')}>
          Approve and apply
        </button>
        <button type="button" className="button" disabled={decide.isPending} onClick={() => decide.mutate('reject')}>
          Reject
        </button>
      </div>
    </form>
  );
}

function Figure({ label: name, value, note }: { label: string; value: string; note?: string | undefined }) {
  return (
    <div>
      <dt className="muted">{name}</dt>
      <dd className="count">{value}</dd>
      {note && <dd className="muted">{note}</dd>}
    </div>
  );
}
