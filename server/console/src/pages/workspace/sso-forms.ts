import type { Role } from '../../session';

/** "value=role" lines ↔ the role mapping the Hub keeps. */
export function mappingFromText(text: string): Record<string, Role> {
  const mapping: Record<string, Role> = {};
  for (const line of text.split('\n')) {
    const at = line.lastIndexOf('=');
    if (at > 0) mapping[line.slice(0, at).trim()] = line.slice(at + 1).trim() as Role;
  }
  return mapping;
}
export const mappingToText = (mapping: Record<string, string>) =>
  Object.entries(mapping)
    .map(([value, role]) => `${value}=${role}`)
    .join('\n');
export const listFromText = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter(Boolean);

export interface ConnectionTest {
  ok: boolean;
  checks: { check: string; ok: boolean; detail: string }[];
}
