import { Bar, CartesianGrid, ComposedChart, ReferenceLine, ResponsiveContainer, Scatter, Tooltip, XAxis, YAxis } from 'recharts';

export interface IntervalRow {
  label: string;
  estimate: number;
  lower: number;
  upper: number;
}

const axis = { stroke: 'var(--muted)', fontSize: 12 };

/**
 * Each treatment's lift against the control as a point with its interval as a
 * bar around it, and a line at no change: an interval that crosses the line is
 * no evidence either way. The same numbers are in the table beside the chart.
 */
export function IntervalChart({ title, rows, format }: { title: string; rows: IntervalRow[]; format: (value: number) => string }) {
  const data = rows.map((row) => ({ label: row.label, interval: [row.lower, row.upper] as [number, number], estimate: row.estimate }));
  const widest = Math.max(0.01, ...rows.flatMap((row) => [Math.abs(row.lower), Math.abs(row.upper)]).filter(Number.isFinite));
  // Symmetric about no change, on round steps, so the line at 0 sits in the middle.
  const step = niceStep(widest / 2);
  const extent = step * Math.ceil(widest / step);
  const ticks = Array.from({ length: Math.round((2 * extent) / step) + 1 }, (_, i) => -extent + i * step);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div aria-hidden="true">
        <ResponsiveContainer width="100%" height={Math.max(120, 60 + rows.length * 48)}>
          <ComposedChart accessibilityLayer={false} layout="vertical" data={data} margin={{ top: 8, right: 24, bottom: 8, left: 8 }}>
            <CartesianGrid stroke="var(--border)" horizontal={false} />
            <XAxis type="number" domain={[-extent, extent]} ticks={ticks} tick={axis} stroke={axis.stroke} tickFormatter={(value: number) => format(value)} />
            <YAxis type="category" dataKey="label" tick={axis} stroke={axis.stroke} width={120} />
            <Tooltip
              contentStyle={{ background: 'var(--surface-2)', border: '1px solid var(--border)', color: 'var(--text)' }}
              formatter={(value) => (Array.isArray(value) ? `${format(Number(value[0]))} to ${format(Number(value[1]))}` : typeof value === 'number' ? format(value) : '—')}
            />
            <ReferenceLine x={0} stroke="var(--muted)" strokeDasharray="4 3" />
            <Bar dataKey="interval" name="Interval" barSize={14} fill="#9d90ff" fillOpacity={0.35} stroke="#9d90ff" isAnimationActive={false} />
            <Scatter dataKey="estimate" name="Estimate" fill="#e8e9ee" shape="diamond" isAnimationActive={false} />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}

/** 1, 2 or 5 times a power of ten, at least `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough)!;
}
