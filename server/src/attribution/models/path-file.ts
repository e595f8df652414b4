/**
 * Path files, the common layout of aggregated journeys (as exported for R's ChannelAttribution):
 *
 *     path;total_conversions;total_conversion_value;total_null
 *     search > social > direct;12;1450.5;230
 *
 * Channels are joined by ">" (spaces around it are ignored). The header line is optional: a
 * first line with no number in its last three fields is taken as one. Blank lines are skipped.
 * A channel named "direct" (in any case) is the direct channel.
 */
import type { Journey } from './types';

export const pathFileFields = ['path', 'total_conversions', 'total_conversion_value', 'total_null'] as const;

/** The journeys of a path file; throws naming the line (1-based) and field of the first bad entry. */
export function parsePathFile(text: string): Journey[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const journeys: Journey[] = [];
  let first = true;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const fields = line.split(';');
    const isHeader = first && fields.length === pathFileFields.length && fields.slice(1).every((field) => !isNumber(field));
    first = false;
    if (isHeader) return;
    const where = `line ${i + 1}`;
    if (fields.length !== pathFileFields.length) {
      throw new Error(`${where}: expected ${pathFileFields.length} fields separated by ";" (${pathFileFields.join(';')}), found ${fields.length}.`);
    }
    const [path = '', conversions, value, nulls] = fields;
    if (path.trim() === '') throw new Error(`${where}, field path: the path is empty.`);
    const keys = path.split('>').map((key) => key.trim());
    const blank = keys.findIndex((key) => key === '');
    if (blank !== -1) throw new Error(`${where}, field path: channel ${blank + 1} of "${path.trim()}" has no name.`);
    journeys.push({
      touches: keys.map((key) => (key.toLowerCase() === 'direct' ? { key, direct: true } : { key })),
      conversions: count(conversions!, `${where}, field total_conversions`),
      value: count(value!, `${where}, field total_conversion_value`),
      nulls: count(nulls!, `${where}, field total_null`),
    });
  });
  return journeys;
}

function isNumber(field: string): boolean {
  return field.trim() !== '' && Number.isFinite(Number(field));
}

function count(field: string, where: string): number {
  const n = Number(field);
  if (!isNumber(field) || n < 0) throw new Error(`${where}: "${field.trim()}" is not a number ≥ 0.`);
  return n;
}
