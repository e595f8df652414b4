import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../../api';
import { useCan } from '../../session';
import { TrendChart } from '../../ui/charts';
import { Empty, formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { decimal, decisionLabel, pEquals, experimentKey, experimentsKey, liveRefreshMs, percent, pValueText, signedPercent, type Experiment, type ExperimentResults, type ResultsAnswer, type WeightsAnswer } from './experiments-api';
import { IntervalChart } from './IntervalChart';

/**
 * One experiment: what it tests, its live results (read again every few
 * seconds while it runs), the sample-ratio check, guardrails, the decision and
 * the bandit's weight history. Start, stop and promote for experiments.manage only.
 */
export function ExperimentDetail({ id }: { id: string }) {
  const experiment = useQuery({
    queryKey: experimentKey(id),
    queryFn: ({ signal }) => api<Experiment>(`/v1/experiments/${encodeURIComponent(id)}`, { signal }),
    refetchInterval: (query) => (query.state.data?.status === 'running' ? liveRefreshMs : false),
  });
  return <QueryView query={experiment} what="the experiment">{(data) => <ExperimentView experiment={data} />}</QueryView>;
}

function ExperimentView({ experiment }: { experiment: Experiment }) {
  const can = useCan();
  const running = experiment.status === 'running';
  const results = useQuery({
    queryKey: [...experimentKey(experiment.id), 'results'],
    queryFn: ({ signal }) => api<ResultsAnswer>(`/v1/experiments/${encodeURIComponent(experiment.id)}/results`, { signal }),
    refetchInterval: running ? liveRefreshMs : false,
  });
  const { definition } = experiment;
  const metric = definition.primaryMetric;
  return (
    <div className="section" aria-label={`Experiment ${experiment.name}`} role="region">
      <div className="page-header">
        <h2>{experiment.name}</h2>
        {can('experiments.manage') && <Actions experiment={experiment} decision={results.data?.results.decision ?? null} />}
      </div>
      <dl className="figures">
        <Figure label="Status" value={experiment.status} />
        <Figure label="Campaign" value={experiment.campaignId} />
        <Figure label="Primary metric" value={metric.kind === 'mean' ? `mean ${metric.valueProperty} of “${metric.event}”` : `conversion to “${metric.event}”`} />
        <Figure label="Engine" value={`${definition.engine}${definition.sequential ? ', sequential' : ''}, alpha ${definition.alpha}`} />
        <Figure label="Held out" value={percent(definition.holdoutShare, 0)} />
        <Figure label="Bandit" value={definition.bandit.enabled ? `on (at least ${percent(definition.bandit.minShare, 0)} each)` : 'off'} />
        <Figure label="Started" value={formatTime(experiment.startedAt)} />
        {experiment.winnerVariantId && <Figure label="Winner" value={nameOf(experiment, experiment.winnerVariantId)} />}
      </dl>
      <QueryView query={results} what="the results">
        {(answer) => <Results experiment={experiment} results={answer.results} computedAt={answer.computedAt} />}
      </QueryView>
      <WeightHistory experiment={experiment} />
    </div>
  );
}

const nameOf = (experiment: Experiment, variantId: string) => experiment.definition.variants.find((v) => v.id === variantId)?.name ?? variantId;

function Actions({ experiment, decision }: { experiment: Experiment; decision: ExperimentResults['decision'] | null }) {
  const refreshes = [[...experimentsKey], [...experimentKey(experiment.id)]];
  const path = (action: string) => `/v1/experiments/${encodeURIComponent(experiment.id)}/${action}`;
  const start = useAction(() => api<Experiment>(path('start'), { method: 'POST', body: {} }), refreshes);
  const stop = useAction(() => api<Experiment>(path('stop'), { method: 'POST', body: {} }), refreshes);
  const promote = useAction((variantId: string) => api<Experiment>(path('promote'), { method: 'POST', body: { variantId } }), refreshes);
  const winner = decision && 'winnerVariantId' in decision ? decision.winnerVariantId : null;
  const [chosen, setChosen] = useState(winner ?? experiment.definition.variants[0]!.id);
  const error = start.error ?? stop.error ?? promote.error;
  const busy = start.isPending || stop.isPending || promote.isPending;
  return (
    <div className="page-actions">
      {(experiment.status === 'draft' || experiment.status === 'stopped') && (
        <button type="button" className="button primary" disabled={busy} onClick={() => start.mutate(undefined)}>
          {experiment.status === 'draft' ? 'Start' : 'Restart'}
        </button>
      )}
      {experiment.status === 'running' && (
        <button type="button" className="button" disabled={busy} onClick={() => stop.mutate(undefined)}>
          Stop
        </button>
      )}
      {experiment.status !== 'decided' && (
        <>
          <label className="field inline">
            <span>Variant to promote</span>
            <select value={chosen} onChange={(event) => setChosen(event.target.value)}>
              {experiment.definition.variants.map((variant) => (
                <option key={variant.id} value={variant.id}>
                  {variant.name}
                  {variant.id === winner ? ' (winner)' : ''}
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="button" disabled={busy} onClick={() => promote.mutate(chosen)}>
            Promote
          </button>
        </>
      )}
      {error && <Notice tone="bad">{error.message}</Notice>}
    </div>
  );
}

function Results({ experiment, results, computedAt }: { experiment: Experiment; results: ExperimentResults; computedAt: string }) {
  const { decision, sampleRatio, analysis } = results;
  const rate = experiment.definition.primaryMetric.kind === 'conversion-rate';
  const bayesian = analysis?.engine === 'bayesian';
  const formatMean = (value: number) => (rate ? percent(value, 2) : decimal(value));
  const comparisonOf = (variantId: string) => analysis?.variants.find((v) => v.name === variantId)?.comparison ?? null;
  const intervals = results.variants.flatMap((variant) => {
    const c = comparisonOf(variant.variantId);
    return c ? [{ label: variant.name, estimate: c.relative.estimate, lower: c.relative.interval.lower, upper: c.relative.interval.upper }] : [];
  });
  const level = analysis ? `${Math.round((1 - analysis.alpha) * 100)} %` : '';
  return (
    <>
      {sampleRatio.mismatch && (
        <div className="notice bad srm-banner" role="alert" data-testid="srm-warning">
          Sample ratio mismatch: the variants did not get the traffic their weights call for (chi-square {decimal(sampleRatio.statistic)}, {pEquals(sampleRatio.pValue)}). Expected{' '}
          {results.variants.map((v, i) => `${v.name} ${decimal(sampleRatio.expected[i], 0)}`).join(', ')}; got {results.variants.map((v) => `${v.name} ${v.n.toLocaleString()}`).join(', ')}. Find the cause in assignment or logging before trusting any result.
        </div>
      )}
      <div className={`notice ${decision.state === 'decided' ? 'ok' : decision.state === 'collecting' ? '' : 'warn'}`} role="status" data-testid="decision">
        <strong>{decisionLabel[decision.state]}</strong>: {decision.reason}
      </div>
      <h3>Primary metric</h3>
      <p className="muted">
        Read {formatTime(computedAt)}
        {experiment.status === 'running' ? ', and again every few seconds while the experiment runs' : ''}.
        {results.analysisProblem && ` No analysis yet: ${results.analysisProblem}.`}
      </p>
      <div className="chart-and-table table-first">
        {intervals.length > 0 ? <IntervalChart title={`Relative lift against ${results.variants[0]?.name ?? 'the control'}, with its ${level} ${bayesian ? 'credible' : 'confidence'} interval`} rows={intervals} format={(value) => signedPercent(value)} /> : <Empty>The lift chart appears once every variant has customers.</Empty>}
        <div className="table-scroll">
          <table aria-label="Results by variant">
            <thead>
              <tr>
                <th scope="col">Variant</th>
                <th scope="col" className="num">
                  Weight
                </th>
                <th scope="col" className="num">
                  Customers
                </th>
                {rate && (
                  <th scope="col" className="num">
                    Converted
                  </th>
                )}
                <th scope="col" className="num">
                  {rate ? 'Rate' : 'Mean'}
                </th>
                <th scope="col" className="num">
                  Lift
                </th>
                <th scope="col" className="num">
                  Interval
                </th>
                <th scope="col" className="num">
                  {bayesian ? 'Chance to win' : 'p-value'}
                </th>
                {bayesian && (
                  <th scope="col" className="num">
                    Risk
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {results.variants.map((variant) => {
                const c = comparisonOf(variant.variantId);
                const mean = analysis?.variants.find((v) => v.name === variant.variantId)?.mean ?? (variant.n > 0 ? (rate ? variant.conversions : variant.sum) / variant.n : null);
                return (
                  <tr key={variant.variantId}>
                    <th scope="row">{variant.name}</th>
                    <td className="num">{percent(variant.weight)}</td>
                    <td className="num">{variant.n.toLocaleString()}</td>
                    {rate && <td className="num">{variant.conversions.toLocaleString()}</td>}
                    <td className="num">{mean === null ? '—' : formatMean(mean)}</td>
                    <td className="num">{c ? signedPercent(c.relative.estimate) : 'control'}</td>
                    <td className="num">{c ? `${signedPercent(c.relative.interval.lower)} to ${signedPercent(c.relative.interval.upper)}` : '—'}</td>
                    <td className="num">{!c ? '—' : c.engine === 'bayesian' ? percent(c.chanceToWin) : pValueText(c.pValue)}</td>
                    {bayesian && <td className="num">{c && c.engine === 'bayesian' ? percent(c.risk.treatment, 2) : '—'}</td>}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </div>
      {results.unattributed.length > 0 && (
        <p className="muted">
          Not analysed: {results.unattributed.map((u) => `${u.n.toLocaleString()} exposure${u.n === 1 ? '' : 's'} ${u.variantId === '(holdout)' ? 'held out' : u.variantId ? `naming unknown variant “${u.variantId}”` : 'naming no variant'}`).join(', ')}.
        </p>
      )}
      <Guardrails experiment={experiment} results={results} />
    </>
  );
}

function Guardrails({ experiment, results }: { experiment: Experiment; results: ExperimentResults }) {
  if (results.guardrails.length === 0) return null;
  return (
    <>
      <h3>Guardrails</h3>
      <table aria-label="Guardrails">
        <thead>
          <tr>
            <th scope="col">Guardrail</th>
            <th scope="col">Variant</th>
            <th scope="col" className="num">
              Change
            </th>
            <th scope="col" className="num">
              p-value
            </th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {results.guardrails.flatMap((guardrail) =>
            guardrail.variants.map((variant) => (
              <tr key={`${guardrail.name}-${variant.variantId}`}>
                <th scope="row">{guardrail.name}</th>
                <td>{nameOf(experiment, variant.variantId)}</td>
                <td className="num">{signedPercent(variant.relativeChange)}</td>
                <td className="num">{pValueText(variant.pValue)}</td>
                <td className={variant.hurt ? 'tone-bad' : 'tone-ok'}>{variant.hurt ? 'hurt' : variant.relativeChange === null ? 'not enough data' : 'holding'}</td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </>
  );
}

function WeightHistory({ experiment }: { experiment: Experiment }) {
  const history = useQuery({
    queryKey: [...experimentKey(experiment.id), 'weights'],
    queryFn: ({ signal }) => api<WeightsAnswer>(`/v1/experiments/${encodeURIComponent(experiment.id)}/weights`, { signal }),
    refetchInterval: experiment.status === 'running' && experiment.definition.bandit.enabled ? liveRefreshMs : false,
  });
  const variants = experiment.definition.variants;
  return (
    <>
      <h3>Traffic weights</h3>
      <QueryView query={history} what="the weight history">
        {({ history: entries }) =>
          entries.length === 0 ? (
            <Empty>No weights recorded yet: they are recorded when the experiment starts{experiment.definition.bandit.enabled ? ' and whenever the bandit moves them' : ''}.</Empty>
          ) : (
            <div className="chart-and-table">
              <TrendChart
                title={experiment.definition.bandit.enabled ? 'Share of traffic per variant, as the bandit moved it' : 'Share of traffic per variant'}
                data={entries.map((entry) => ({ at: formatTime(entry.recordedAt), ...Object.fromEntries(variants.map((v) => [v.id, entry.weights[v.id] ?? 0])) }))}
                category="at"
                series={variants.map((v) => ({ key: v.id, label: v.name }))}
                format={(value) => percent(value, 0)}
              />
              <div className="table-scroll">
                <table aria-label="Weight history">
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Why</th>
                      {variants.map((v) => (
                        <th key={v.id} scope="col" className="num">
                          {v.name}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {entries.map((entry) => (
                      <tr key={entry.recordedAt + entry.reason}>
                        <th scope="row">{formatTime(entry.recordedAt)}</th>
                        <td>{entry.reason}</td>
                        {variants.map((v) => (
                          <td key={v.id} className="num">
                            {percent(entry.weights[v.id] ?? 0)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          )
        }
      </QueryView>
    </>
  );
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <dt className="muted">{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}
