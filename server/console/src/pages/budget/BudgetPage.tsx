import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../../api';
import { useCan } from '../../session';
import { Empty, formatTime, QueryView } from '../../ui/states';
import { AdviceDetail } from './AdviceDetail';
import { adviceKey, money, planKey, type BudgetAdvice, type BudgetPlan } from './budget-api';
import { NewAdvice } from './NewAdvice';

/**
 * Budget advice: ask the Hub how to share a weekly budget across channels
 * (curves fitted to spend and attributed value), read each proposal with its
 * reasons, and approve one to make it the budget plan. Everyone with
 * attribution.read reads; analysts, admins and owners ask; owners, admins and
 * marketers decide.
 */
export function BudgetPage() {
  const can = useCan();
  const [params, setParams] = useSearchParams();
  const selected = params.get('advice');
  const list = useQuery({ queryKey: [...adviceKey], queryFn: ({ signal }) => api<{ advice: BudgetAdvice[] }>('/v1/budget/advice', { signal }) });
  const select = (id: string) => {
    const next = new URLSearchParams(params);
    next.set('advice', id);
    setParams(next);
  };
  const shown = selected ?? list.data?.advice[0]?.id ?? null;
  return (
    <>
      <div className="page-header">
        <h1>Budget advice</h1>
      </div>
      <ActivePlan />
      {can('attribution.manage') ? <NewAdvice onCreated={(advice) => select(advice.id)} /> : <p className="muted">Analysts, admins and owners ask for budget advice; you can read every proposal here.</p>}
      <div className="section">
        <h2>Proposals</h2>
        <QueryView query={list} what="budget advice">
          {(data) =>
            data.advice.length === 0 ? (
              <Empty>No budget advice yet.</Empty>
            ) : (
              <table aria-label="Proposals">
                <thead>
                  <tr>
                    <th scope="col">Asked</th>
                    <th scope="col">Range</th>
                    <th scope="col" className="num">Weekly budget</th>
                    <th scope="col" className="num">Expected return</th>
                    <th scope="col">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {data.advice.map((advice) => (
                    <tr key={advice.id} className={advice.id === shown ? 'selected' : undefined}>
                      <td>
                        <button type="button" className="link-button" onClick={() => select(advice.id)} aria-current={advice.id === shown ? 'true' : undefined}>
                          {formatTime(advice.createdAt)}
                        </button>
                      </td>
                      <td>
                        {advice.weeks.first} to {advice.weeks.last}
                      </td>
                      <td className="num">{money(advice.weeklyBudget, advice.currency)}</td>
                      <td className="num">{money(advice.expectedReturn, advice.currency)}</td>
                      <td>{advice.status}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryView>
      </div>
      {shown && <AdviceDetail key={shown} id={shown} />}
    </>
  );
}

function ActivePlan() {
  const plan = useQuery({ queryKey: [...planKey], queryFn: ({ signal }) => api<{ plan: BudgetPlan | null }>('/v1/budget/plan', { signal }) });
  return (
    <div className="section" aria-label="Budget plan in force">
      <h2>Budget plan in force</h2>
      <QueryView query={plan} what="the budget plan">
        {({ plan: current }) =>
          current === null ? (
            <Empty>No plan yet: a plan comes into force when someone approves budget advice.</Empty>
          ) : (
            <>
              <p>
                {money(current.weeklyBudget, current.currency)} a week, approved {formatTime(current.approvedAt)}; expected return {money(current.expectedReturn, current.currency)} a week.
              </p>
              <table aria-label="Budget plan">
                <thead>
                  <tr>
                    <th scope="col">Channel</th>
                    <th scope="col" className="num">Spend a week</th>
                    <th scope="col" className="num">Expected return</th>
                  </tr>
                </thead>
                <tbody>
                  {current.channels.map((c) => (
                    <tr key={c.channel}>
                      <th scope="row">{c.channel.replace(/-/g, ' ')}</th>
                      <td className="num">{money(c.weeklySpend, current.currency)}</td>
                      <td className="num">{money(c.expectedReturn, current.currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )
        }
      </QueryView>
    </div>
  );
}
