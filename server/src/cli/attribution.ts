import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { attribute, defaultHalfLifeDays, modelNames, type AttributionResult, type Journey, type ModelName, type ModelOptions } from '../attribution/models/index';
import { parsePathFile } from '../attribution/models/path-file';

export interface AttributionCliIo {
  out(line: string): void;
  err(line: string): void;
}

export const attributionUsage = `usage: npm run hub -- attribution --paths <file.csv> --model <name> [--order 1|2|3] [--half-life <days>] [--json]
  <file.csv>   one path per line: path;total_conversions;total_conversion_value;total_null, channels joined by " > "
               (a header line is optional); a channel named direct (any case) is the direct channel
  --model      ${modelNames.join(', ')}
  --order      Markov chain order, 1 (default) to 3
  --half-life  time-decay half-life in days (default ${defaultHalfLifeDays}); path files have no times, so a path's
               steps count as one day apart, the last on the day of the conversion
  --json       print only the result as JSON: conversions and value credited per channel`;

/**
 * `attribution`: credits the conversions and value of a path file to its channels by one
 * model. `args` are the words after `attribution`. Resolves to the exit code: 0 done,
 * 2 could not run (bad arguments or a bad file, named by line and field).
 */
export async function attributionCli(args: string[], io: AttributionCliIo): Promise<number> {
  let values: { paths?: string; model?: string; order?: string; 'half-life'?: string; json?: boolean; help?: boolean };
  try {
    values = parseArgs({
      args,
      options: { paths: { type: 'string' }, model: { type: 'string' }, order: { type: 'string' }, 'half-life': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return fail(io, (error as Error).message);
  }
  if (values.help) return (io.out(attributionUsage), 0);
  if (values.paths === undefined) return fail(io, 'Missing --paths <file.csv>.');
  if (values.model === undefined) return fail(io, 'Missing --model <name>.');
  const model = values.model as ModelName;
  if (!modelNames.includes(model)) return fail(io, `Unknown model "${values.model}"; use one of ${modelNames.join(', ')}.`);
  const options: ModelOptions = {};
  if (values.order !== undefined) {
    if (model !== 'markov') return fail(io, '--order applies to --model markov only.');
    options.order = Number(values.order);
    if (!(Number.isInteger(options.order) && options.order >= 1 && options.order <= 3)) return fail(io, `--order must be 1, 2 or 3, not "${values.order}".`);
  }
  if (values['half-life'] !== undefined) {
    if (model !== 'time-decay') return fail(io, '--half-life applies to --model time-decay only.');
    options.halfLifeDays = Number(values['half-life']);
    if (!(Number.isFinite(options.halfLifeDays) && options.halfLifeDays > 0)) return fail(io, `--half-life must be a number of days above 0, not "${values['half-life']}".`);
  }

  let text: string;
  try {
    text = await readFile(values.paths, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    io.err(`Cannot read ${values.paths}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message}`);
    return 2;
  }
  let journeys: Journey[];
  try {
    journeys = parsePathFile(text);
  } catch (error) {
    io.err(`${values.paths}, ${(error as Error).message}`);
    return 2;
  }
  const result = attribute(model, journeys, options);
  if (values.json) io.out(JSON.stringify(result, null, 2));
  else for (const line of describeResult(result, journeys.length)) io.out(line);
  return 0;
}

function fail(io: AttributionCliIo, message: string): number {
  io.err(`${message}\n${attributionUsage}`);
  return 2;
}

/** The credits as a table, largest first, with each channel's share and (Markov) removal effect. */
export function describeResult(result: AttributionResult, paths: number): string[] {
  const markov = result.model === 'markov' ? (result.detail as { order: number; removalEffects: { key: string; conversions: number }[] }) : undefined;
  const title = markov ? `markov (order ${markov.order})` : result.model;
  const lines = [`${title} over ${number(paths, 0)} ${paths === 1 ? 'path' : 'paths'}: ${number(result.totals.conversions, 2)} conversions, value ${number(result.totals.value, 2)}`];
  const header = ['channel', 'conversions', 'share', 'value', ...(markov ? ['removal effect'] : [])];
  const removal = new Map(markov?.removalEffects.map((e) => [e.key, e.conversions]));
  const rows = [...result.credits]
    .sort((a, b) => b.conversions - a.conversions || (a.key < b.key ? -1 : 1))
    .map((c) => [c.key, number(c.conversions, 2), percent(result.totals.conversions > 0 ? c.conversions / result.totals.conversions : 0), number(c.value, 2), ...(markov ? [percent(removal.get(c.key) ?? 0)] : [])]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [...lines, format(header), ...rows.map(format)];
}

function number(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}
