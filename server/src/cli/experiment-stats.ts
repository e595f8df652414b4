import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeIssues } from '../../../src/shared/validation';
import { analyzeExperiment, experimentInputSchema, type Comparison, type ExperimentAnalysis } from '../experiments/stats/analysis';
import type { Interval } from '../experiments/stats/lift';
import { StatsInputError } from '../experiments/stats/moments';

export interface ExperimentStatsCliIo {
  env: Record<string, string | undefined>;
  out(line: string): void;
  err(line: string): void;
}

const usage = `usage: npm run hub -- experiment-stats <file.json> [--json]
  The file: { "variants": [ { "name": "control", "n": 1000, "sum": 5120.5, "sumSquares": 40210.3 }, … ] }
  (or "n" and "conversions" for a rate; "weight" for the expected traffic share; "covariate": { "sum", "sumSquares", "sumProducts" } for CUPED)
  options in the file: "engine": "frequentist" | "bayesian", "sequential": true | { "plannedSampleSize": 20000 },
  "alpha": 0.05, "alternative": "two-sided" | "greater" | "less", "prior": { "mean": 0, "sd": 0.1 } (bayesian, on the relative lift),
  "control": "<name>" (the first variant when left out)`;

/**
 * `experiment-stats <file.json>`: an analyst's view of one experiment from
 * per-variant totals. Prints the lift, its interval, and the p-value (or the
 * chance to win and risk) per variant, and the sample-ratio check; `--json`
 * prints only the analysis as JSON (the open side of a one-sided interval is
 * null there). Resolves to the exit code: 0 done, 1 done but the sample ratio
 * does not match the weights, 2 could not run.
 */
export async function experimentStats(args: string[], io: ExperimentStatsCliIo): Promise<number> {
  let options: { json?: boolean };
  let file: string;
  try {
    const parsed = parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true, allowPositionals: true });
    if (parsed.positionals.length !== 1) throw new Error(parsed.positionals.length === 0 ? 'Name the experiment file.' : `One file at a time (got ${parsed.positionals.join(', ')}).`);
    options = parsed.values;
    file = parsed.positionals[0]!;
  } catch (error) {
    io.err(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  // npm runs scripts from the package root; a relative path means the folder the analyst typed it in.
  const path = resolve(io.env.INIT_CWD ?? process.cwd(), file);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.err(error instanceof SyntaxError ? `${file} is not valid JSON: ${error.message}` : code === 'ENOENT' ? `${file}: no such file` : `Cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  const input = experimentInputSchema.safeParse(raw);
  if (!input.success) {
    io.err(`${file} is not a valid experiment:\n${describeIssues(input.error)}`);
    return 2;
  }
  let analysis: ExperimentAnalysis;
  try {
    analysis = analyzeExperiment(input.data);
  } catch (error) {
    if (!(error instanceof StatsInputError)) throw error;
    io.err(`Cannot analyze ${file}: ${error.message}`);
    return 2;
  }
  if (options.json) io.out(JSON.stringify(analysis, null, 2));
  else for (const line of describeAnalysis(analysis)) io.out(line);
  return analysis.sampleRatio.mismatch ? 1 : 0;
}

/** The analysis in plain lines, one block per variant. */
export function describeAnalysis(analysis: ExperimentAnalysis): string[] {
  const level = `${formatPercent(1 - analysis.alpha, 0)}`;
  const method =
    analysis.engine === 'bayesian' ? 'Bayesian (Gaussian model of the relative lift)'
    : analysis.sequential ? `frequentist, sequential (always-valid, tightest at ${count(analysis.sequential.plannedSampleSize)} units)`
    : 'frequentist (Welch t-test)';
  const lines = [`${analysis.metric === 'means' ? 'Mean' : 'Conversion rate'}, ${method}, ${analysis.engine === 'bayesian' ? '' : `${analysis.alternative}, `}α = ${analysis.alpha}; control: ${analysis.control}`];
  if (analysis.cuped) lines.push(`CUPED: θ = ${analysis.cuped.theta.toFixed(4)}, variance reduced by ${analysis.cuped.varianceReduction.map((r, i) => `${formatPercent(r, 1)} (${analysis.variants[i]!.name})`).join(', ')}`);
  const width = Math.max(...analysis.variants.map((v) => v.name.length));
  for (const variant of analysis.variants) {
    const mean = analysis.metric === 'means' ? variant.mean.toFixed(4) : formatPercent(variant.mean, 2);
    lines.push('', `${variant.name.padEnd(width)}  n = ${count(variant.n)}  ${analysis.metric === 'means' ? 'mean' : 'rate'} = ${mean}${variant.comparison ? '' : '  (control)'}`);
    if (variant.comparison) lines.push(...describeComparison(variant.comparison, level, analysis.alpha));
  }
  lines.push('', describeSampleRatio(analysis));
  return lines;
}

function describeComparison(comparison: Comparison, level: string, alpha: number): string[] {
  if (comparison.engine === 'bayesian') {
    const { relative, absolute } = comparison;
    return [
      `  relative lift ${signedPercent(relative.estimate)} (${level} credible interval ${rangeOf(relative.interval, signedPercent)}), absolute ${signed(absolute.estimate)} ± ${absolute.standardError.toFixed(4)}`,
      `  chance to win ${formatPercent(comparison.chanceToWin, 1)}; risk if shipped ${formatPercent(comparison.risk.treatment, 2)}, if the control is kept ${formatPercent(comparison.risk.control, 2)}`,
    ];
  }
  const intervalName = comparison.sequential ? `${level} confidence sequence` : `${level} CI`;
  const verdict = comparison.significant ? `significant at α = ${alpha}` : 'not significant';
  return [
    `  lift ${signed(comparison.absolute.estimate)} (${intervalName} ${rangeOf(comparison.absolute.interval, signed)})`,
    `  relative ${signedPercent(comparison.relative.estimate)} (${rangeOf(comparison.relative.interval, signedPercent)})`,
    `  ${comparison.sequential ? 'always-valid p' : 'p'} ${formatP(comparison.pValue)}, ${verdict}`,
  ];
}

function describeSampleRatio(analysis: ExperimentAnalysis): string {
  const { statistic, pValue, mismatch, expected } = analysis.sampleRatio;
  const test = `χ² = ${statistic.toFixed(2)}, p ${formatP(pValue)}`;
  if (!mismatch) return `Sample ratio: ${test}; the traffic matches the weights.`;
  const got = analysis.variants.map((v) => count(v.n)).join(' / ');
  const wanted = expected.map((e) => count(Math.round(e))).join(' / ');
  return `SAMPLE RATIO MISMATCH (${test}, below 0.001): expected about ${wanted} units, got ${got}: assignment or logging is broken, so do not trust these results until the cause is found.`;
}

function rangeOf(interval: Interval, format: (x: number) => string): string {
  return `${Number.isFinite(interval.lower) ? format(interval.lower) : '−∞'} to ${Number.isFinite(interval.upper) ? format(interval.upper) : '+∞'}`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
}

function signedPercent(x: number): string {
  return `${x >= 0 ? '+' : '−'}${formatPercent(Math.abs(x), 2)}`;
}

function formatPercent(x: number, digits: number): string {
  return `${(100 * x).toFixed(digits)} %`;
}

/** "= 0.0123", or "< 0.0001" for the smallest. */
function formatP(p: number): string {
  return p < 0.0001 ? '< 0.0001' : `= ${p.toFixed(4)}`;
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}
