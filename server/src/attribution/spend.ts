import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { SpendLine } from '../db/attribution-store';

/**
 * Spend per day, channel and campaign. A CSV has a header row naming its
 * columns (any order, any case): `date` (YYYY-MM-DD, a UTC day), `channel`,
 * `amount`, and optionally `campaign` (empty: spend for the whole channel)
 * and `currency` (ISO 4217; the reporting currency when left out). A file
 * with any bad line imports nothing, and every bad line is named.
 */

export const spendLineSchema = z
  .object({
    date: z.iso.date('use a date like 2026-03-31'),
    channel: z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'use the channel name from the grouping, e.g. "paid-social"'),
    campaign: z.string().trim().max(200).default(''),
    amount: z.number().finite().min(0, 'spend cannot be negative').max(1e12, 'too large'),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, 'use a three-letter ISO 4217 code, e.g. EUR')
      .transform((c) => c.toUpperCase())
      .optional(),
  })
  .strict();
export type SpendInput = z.input<typeof spendLineSchema>;

export class SpendImportError extends Error {
  override name = 'SpendImportError';
  constructor(readonly problems: string[]) {
    super(`The spend was not imported: ${problems.length} problem${problems.length === 1 ? '' : 's'} (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; …' : ''}).`);
  }
}

const required = ['date', 'channel', 'amount'] as const;
const known = new Set(['date', 'channel', 'campaign', 'amount', 'currency']);
const maxProblems = 50;

/** Parses a spend CSV into lines; throws SpendImportError naming each bad line (by its line number in the file). */
export function parseSpendCsv(csv: string, defaultCurrency: string): SpendLine[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(csv, { info: true, skip_empty_lines: true, trim: true, bom: true, relax_column_count: true }) as unknown as typeof records;
  } catch (error) {
    throw new SpendImportError([`the file is not valid CSV: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const [header, ...rows] = records;
  if (!header) throw new SpendImportError(['the file is empty: give a header row (date,channel,campaign,amount,currency) and one line per day']);
  const columns = header.record.map((c) => c.toLowerCase());
  const missing = required.filter((c) => !columns.includes(c));
  const unknown = columns.filter((c) => !known.has(c));
  if (missing.length > 0 || unknown.length > 0) {
    throw new SpendImportError([`line ${header.info.lines}: the header ${[missing.length > 0 && `lacks ${missing.join(', ')}`, unknown.length > 0 && `has unknown columns ${unknown.join(', ')}`].filter(Boolean).join(' and ')} (columns: date, channel, campaign, amount, currency)`]);
  }
  if (rows.length === 0) throw new SpendImportError(['the file has a header but no lines']);
  const problems: string[] = [];
  const lines: SpendLine[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of rows) {
    if (problems.length >= maxProblems) break;
    const line = info.lines;
    if (record.length !== columns.length) {
      problems.push(`line ${line}: has ${record.length} fields, the header has ${columns.length}`);
      continue;
    }
    const cell = Object.fromEntries(columns.map((c, i) => [c, record[i]!]));
    const amount = cell.amount!.replace(/^\$|,/g, '');
    const given = { date: cell.date, channel: cell.channel, ...(cell.campaign !== undefined && { campaign: cell.campaign }), amount: /^-?\d+(\.\d+)?$/.test(amount) ? Number(amount) : Number.NaN, ...(cell.currency && { currency: cell.currency }) };
    const parsed = spendLineSchema.safeParse(given);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.path[0] === 'amount' && Number.isNaN(given.amount) ? `"${cell.amount}" is not a number` : issue.message}`);
      problems.push(`line ${line}: ${issues.join(', ')}`);
      continue;
    }
    const spend = toSpendLine(parsed.data, defaultCurrency);
    const id = `${spend.day}|${spend.channel}|${spend.campaign}`;
    const earlier = seen.get(id);
    if (earlier !== undefined) problems.push(`line ${line}: repeats ${spend.day} / ${spend.channel}${spend.campaign ? ` / ${spend.campaign}` : ''} from line ${earlier}; give each day, channel and campaign once`);
    seen.set(id, line);
    lines.push(spend);
  }
  if (problems.length > 0) throw new SpendImportError(problems);
  return lines;
}

export function toSpendLine(line: z.output<typeof spendLineSchema>, defaultCurrency: string): SpendLine {
  return { day: line.date, channel: line.channel, campaign: line.campaign, amount: line.amount, currency: line.currency ?? defaultCurrency };
}
