import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

/**
 * Charts for the console (recharts), each series told apart by more than its
 * colour: bars carry a fill pattern, lines a dash pattern and a marker shape,
 * and the legend shows both. The numbers are always in a table beside the chart.
 */

// Series keep their order in the legend (recharts sorts by name otherwise), so it reads like the bars and the table.
const colours = ['#9d90ff', '#3ecf8e', '#f5b94a', '#ff6b6b', '#5ec8ff', '#ff6bb5', '#c9d36a', '#e8e9ee'];
const dashes = ['', '6 3', '2 3', '10 4 2 4', '1 5', '12 4', '4 2 1 2', '8 2'];
const colourOf = (index: number) => colours[index % colours.length]!;

function FillPatterns({ count }: { count: number }) {
  // Solid, stripes one way, dots, horizontal lines, cross-hatch, vertical lines, stripes the other way, checks.
  const marks = [
    () => null,
    (c: string) => <path d="M0,8 L8,0" stroke={c} strokeWidth={2.5} />,
    (c: string) => <circle cx={4} cy={4} r={1.8} fill={c} />,
    (c: string) => <path d="M0,4 H8" stroke={c} strokeWidth={2.5} />,
    (c: string) => <path d="M0,0 L8,8 M8,0 L0,8" stroke={c} strokeWidth={1.5} />,
    (c: string) => <path d="M4,0 V8" stroke={c} strokeWidth={2.5} />,
    (c: string) => <path d="M0,0 L8,8" stroke={c} strokeWidth={2.5} />,
    (c: string) => <path d="M0,0 H4 V4 H0 Z M4,4 H8 V8 H4 Z" fill={c} />,
  ];
  return (
    <defs>
      {Array.from({ length: count }, (_, index) => {
        const colour = colourOf(index);
        const mark = marks[index % marks.length]!;
        return (
          <pattern key={index} id={`series-fill-${index}`} width={8} height={8} patternUnits="userSpaceOnUse">
            <rect width={8} height={8} fill={colour} fillOpacity={index === 0 ? 1 : 0.35} />
            {mark(colour)}
          </pattern>
        );
      })}
    </defs>
  );
}

function Marker({ shape, cx, cy, colour }: { shape: number; cx?: number; cy?: number; colour: string }) {
  if (cx === undefined || cy === undefined) return null;
  const s = 4;
  const common = { fill: colour, stroke: colour };
  switch (shape % 6) {
    case 0:
      return <circle cx={cx} cy={cy} r={s} {...common} />;
    case 1:
      return <rect x={cx - s} y={cy - s} width={2 * s} height={2 * s} {...common} />;
    case 2:
      return <path d={`M${cx},${cy - s - 1} L${cx + s + 1},${cy + s} L${cx - s - 1},${cy + s} Z`} {...common} />;
    case 3:
      return <path d={`M${cx},${cy - s - 1} L${cx + s + 1},${cy} L${cx},${cy + s + 1} L${cx - s - 1},${cy} Z`} {...common} />;
    case 4:
      return <path d={`M${cx - s},${cy - s} L${cx + s},${cy + s} M${cx + s},${cy - s} L${cx - s},${cy + s}`} stroke={colour} strokeWidth={2.5} />;
    default:
      return <circle cx={cx} cy={cy} r={s} fill="var(--bg)" stroke={colour} strokeWidth={2} />;
  }
}

export interface Series {
  key: string;
  label: string;
}

const axis = { stroke: 'var(--muted)', fontSize: 12 };
const tooltipStyle = { contentStyle: { background: 'var(--surface-2)', border: '1px solid var(--border)', color: 'var(--text)' }, labelStyle: { color: 'var(--text)' } };

/** Side-by-side bars: one group per category, one bar per series. */
export function GroupedBarChart({ title, data, category, series, format }: { title: string; data: Record<string, string | number | null>[]; category: string; series: Series[]; format: (value: number) => string }) {
  return (
    <ChartFigure title={title}>
      <ResponsiveContainer width="100%" height={320}>
        <BarChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
          <FillPatterns count={series.length} />
          <CartesianGrid stroke="var(--border)" vertical={false} />
          <XAxis dataKey={category} tick={axis} stroke={axis.stroke} interval={0} />
          <YAxis tick={axis} stroke={axis.stroke} tickFormatter={(value: number) => format(value)} width={80} />
          <Tooltip {...tooltipStyle} formatter={(value) => (typeof value === 'number' ? format(value) : '—')} cursor={{ fill: 'rgba(124, 108, 255, 0.08)' }} />
          <Legend itemSorter={null} />
          {series.map((one, index) => (
            <Bar key={one.key} dataKey={one.key} name={one.label} fill={`url(#series-fill-${index})`} stroke={colourOf(index)} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}

/** Lines over time: one per series, each with its own dash and marker. */
export function TrendChart({ title, data, category, series, format }: { title: string; data: Record<string, string | number | null>[]; category: string; series: Series[]; format: (value: number) => string }) {
  return (
    <ChartFigure title={title}>
      <ResponsiveContainer width="100%" height={320}>
        <LineChart accessibilityLayer={false} data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid stroke="var(--border)" vertical={false} />
          <XAxis dataKey={category} tick={axis} stroke={axis.stroke} />
          <YAxis tick={axis} stroke={axis.stroke} tickFormatter={(value: number) => format(value)} width={80} />
          <Tooltip {...tooltipStyle} formatter={(value) => (typeof value === 'number' ? format(value) : '—')} />
          <Legend iconType="plainline" itemSorter={null} />
          {series.map((one, index) => (
            <Line
              key={one.key}
              dataKey={one.key}
              name={one.label}
              stroke={colourOf(index)}
              strokeWidth={2}
              strokeDasharray={dashes[index % dashes.length]}
              dot={({ cx, cy, index: point }) => <Marker key={`${one.key}-${point}`} shape={index} cx={cx} cy={cy} colour={colourOf(index)} />}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartFigure>
  );
}

/** The chart is a picture of the table beside it: screen readers get the table, and the title here. */
function ChartFigure({ title, children }: { title: string; children: ReactNode }) {
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div aria-hidden="true">{children}</div>
    </figure>
  );
}
