import { useState } from 'react';
import { GroupedBarChart, TrendChart } from '../../ui/charts';
import { Empty } from '../../ui/states';
import { formatMetric, metrics, modelLabel, type AttributionReport, type AttributionRun, type KeyRow, type Metric, type ModelReport } from './attribution-api';
import { SpendTable } from './SpendImport';

/** How many channels or campaigns a chart draws; its table lists them all. */
const chartedKeys = 10;

/** A completed run: totals, the models side by side, one model in full, and week by week; each chart with its numbers beside it. */
export function RunReport({ run, report }: { run: AttributionRun; report: AttributionReport }) {
  const [metric, setMetric] = useState<Metric>('conversions');
  const [model, setModel] = useState(report.models[0]?.model ?? 'last');
  const chosen = report.models.find((one) => one.model === model) ?? report.models[0];
  const currency = report.currency;
  const unit = run.grouping === 'channel' ? 'channel' : 'campaign';
  const format = (value: number) => formatMetric(metric, value, currency);
  return (
    <>
      <div className="section" aria-label="Comparison summary">
        <h2>
          {report.from.slice(0, 10)} to {report.to.slice(0, 10)}, by {unit}
        </h2>
        <dl className="figures">
          <Figure label="Conversions" value={report.conversions.total.toLocaleString()} note={`${report.conversions.attributed.toLocaleString()} with a touch in the ${report.lookbackDays}-day lookback, ${report.conversions.unattributed.toLocaleString()} without`} />
          <Figure label="Value" value={formatMetric('value', report.conversions.value, currency)} />
          <Figure label="Spend" value={formatMetric('spend', report.spend.total, currency)} />
          <Figure label="ROAS" value={formatMetric('roas', report.spend.total > 0 ? report.conversions.value / report.spend.total : null, currency)} />
          <Figure label="New customers" value={report.newCustomers.toLocaleString()} />
          <Figure label="Journeys" value={`${report.journeys.converted.toLocaleString()} converted`} note={`${report.journeys.notConverted.toLocaleString()} did not`} />
        </dl>
        {report.conversions.otherCurrencies.length + report.spend.otherCurrencies.length > 0 && (
          <p className="muted">
            Kept apart, in other currencies than {currency}:{' '}
            {[...report.conversions.otherCurrencies.map((c) => `${c.conversions} conversions worth ${formatMetric('value', c.value, c.currency)}`), ...report.spend.otherCurrencies.map((s) => `spend of ${formatMetric('spend', s.amount, s.currency)}`)].join('; ')}.
          </p>
        )}
      </div>
      {report.models.length === 0 || chosen === undefined ? (
        <div className="section">
          <Empty>This comparison has no models.</Empty>
        </div>
      ) : (
        <>
          <div className="section">
            <div className="page-header">
              <h2>Models compared</h2>
              <label className="field inline">
                <span>Show</span>
                <select value={metric} onChange={(event) => setMetric(event.target.value as Metric)}>
                  {metrics.map((option) => (
                    <option key={option.name} value={option.name}>
                      {option.label}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <ModelComparison report={report} metric={metric} unit={unit} format={format} />
          </div>
          <div className="section">
            <div className="page-header">
              <h2>One model in full</h2>
              <label className="field inline">
                <span>Model</span>
                <select value={chosen.model} onChange={(event) => setModel(event.target.value as typeof model)}>
                  {report.models.map((one) => (
                    <option key={one.model} value={one.model}>
                      {modelLabel(one.model)}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <ModelTable model={chosen} unit={unit} currency={currency} />
            <h3>Week by week (UTC weeks from Monday)</h3>
            <Trends model={chosen} metric={metric} unit={unit} format={format} />
          </div>
        </>
      )}
      <SpendTable from={report.from.slice(0, 10)} to={report.to.slice(0, 10)} />
    </>
  );
}

function Figure({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div>
      <dt className="muted">{label}</dt>
      <dd>
        <span className="count">{value}</span>
        {note && <span className="muted"> {note}</span>}
      </dd>
    </div>
  );
}

const metricOf = (row: KeyRow | undefined, metric: Metric) => (row ? row[metric] : 0);

/** The keys with the largest figures under any model, for the chart. */
function topKeys(keys: string[], size: (key: string) => number): string[] {
  return [...keys].sort((a, b) => size(b) - size(a) || a.localeCompare(b)).slice(0, chartedKeys);
}

function ModelComparison({ report, metric, unit, format }: { report: AttributionReport; metric: Metric; unit: string; format: (value: number) => string }) {
  const rowsBy = new Map(report.models.map((one) => [one.model, new Map(one.rows.map((row) => [row.key, row]))]));
  const keys = [...new Set(report.models.flatMap((one) => one.rows.map((row) => row.key)))].sort();
  if (keys.length === 0) return <Empty>No conversions or spend in this range.</Empty>;
  const label = (key: string) => report.models.flatMap((one) => one.rows).find((row) => row.key === key)?.label ?? key;
  const value = (model: string, key: string) => metricOf(rowsBy.get(model as ModelReport['model'])?.get(key), metric);
  const charted = topKeys(keys, (key) => Math.max(...report.models.map((one) => value(one.model, key) ?? 0)));
  const data = charted.map((key) => Object.fromEntries([['key', label(key)], ...report.models.map((one) => [one.model, value(one.model, key)])]) as Record<string, string | number | null>);
  const spendOf = (key: string) => report.models[0]!.rows.find((row) => row.key === key)?.spend ?? 0;
  return (
    <div className="chart-and-table">
      <GroupedBarChart title={`${metrics.find((m) => m.name === metric)!.label} by ${unit}, per model${keys.length > charted.length ? ` (the ${charted.length} largest of ${keys.length})` : ''}`} data={data} category="key" series={report.models.map((one) => ({ key: one.model, label: modelLabel(one.model) }))} format={format} />
      <div className="table-scroll">
        <table aria-label={`Models compared by ${unit}`}>
          <thead>
            <tr>
              <th scope="col">{unit === 'channel' ? 'Channel' : 'Campaign'}</th>
              <th scope="col" className="num">
                Spend
              </th>
              {report.models.map((one) => (
                <th key={one.model} scope="col" className="num">
                  {modelLabel(one.model)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {keys.map((key) => (
              <tr key={key}>
                <th scope="row">{label(key)}</th>
                <td className="num">{formatMetric('spend', spendOf(key), report.currency)}</td>
                {report.models.map((one) => (
                  <td key={one.model} className="num">
                    {formatMetric(metric, value(one.model, key), report.currency)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function ModelTable({ model, unit, currency }: { model: ModelReport; unit: string; currency: string }) {
  if (model.rows.length === 0) return <Empty>No conversions or spend in this range.</Empty>;
  const { totals } = model;
  return (
    <div className="table-scroll">
      <table aria-label={`${modelLabel(model.model)} by ${unit}`}>
        <thead>
          <tr>
            <th scope="col">{unit === 'channel' ? 'Channel' : 'Campaign'}</th>
            <th scope="col" className="num">
              Conversions
            </th>
            <th scope="col" className="num">
              Value
            </th>
            <th scope="col" className="num">
              New customers
            </th>
            <th scope="col" className="num">
              Spend
            </th>
            <th scope="col" className="num">
              ROAS
            </th>
            <th scope="col" className="num">
              CPA
            </th>
            <th scope="col" className="num">
              CAC
            </th>
          </tr>
        </thead>
        <tbody>
          {model.rows.map((row) => (
            <KeyRowCells key={row.key} label={row.label} row={row} currency={currency} />
          ))}
        </tbody>
        <tfoot>
          <KeyRowCells label="Total" row={totals} currency={currency} />
        </tfoot>
      </table>
    </div>
  );
}

function KeyRowCells({ label, row, currency }: { label: string; row: Omit<KeyRow, 'key' | 'label'>; currency: string }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td className="num">{formatMetric('conversions', row.conversions, currency)}</td>
      <td className="num">{formatMetric('value', row.value, currency)}</td>
      <td className="num">{formatMetric('conversions', row.newCustomers, currency)}</td>
      <td className="num">{formatMetric('spend', row.spend, currency)}</td>
      <td className="num">{formatMetric('roas', row.roas, currency)}</td>
      <td className="num">{formatMetric('cpa', row.cpa, currency)}</td>
      <td className="num">{formatMetric('cpa', row.cac, currency)}</td>
    </tr>
  );
}

function Trends({ model, metric, unit, format }: { model: ModelReport; metric: Metric; unit: string; format: (value: number) => string }) {
  if (model.weekly.length === 0) return <Empty>No weeks with conversions or spend in this range.</Empty>;
  const keys = [...new Set(model.weekly.flatMap((week) => week.rows.map((row) => row.key)))];
  const label = (key: string) => model.rows.find((row) => row.key === key)?.label ?? key;
  const value = (week: ModelReport['weekly'][number], key: string) => metricOf(week.rows.find((row) => row.key === key), metric);
  const charted = topKeys(keys, (key) => Math.max(...model.weekly.map((week) => value(week, key) ?? 0)));
  const data = model.weekly.map((week) => Object.fromEntries([['week', week.week], ...charted.map((key) => [key, value(week, key)])]) as Record<string, string | number | null>);
  return (
    <div className="chart-and-table">
      <TrendChart title={`${metrics.find((m) => m.name === metric)!.label} per week, ${modelLabel(model.model)}${keys.length > charted.length ? ` (the ${charted.length} largest of ${keys.length} ${unit}s)` : ''}`} data={data} category="week" series={charted.map((key) => ({ key, label: label(key) }))} format={format} />
      <div className="table-scroll">
        <table aria-label={`${modelLabel(model.model)} per week`}>
          <thead>
            <tr>
              <th scope="col">Week of</th>
              {charted.map((key) => (
                <th key={key} scope="col" className="num">
                  {label(key)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {model.weekly.map((week) => (
              <tr key={week.week}>
                <th scope="row">{week.week}</th>
                {charted.map((key) => {
                  const figure = value(week, key);
                  return (
                    <td key={key} className="num">
                      {figure === null ? '—' : format(figure)}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
