import type { z } from 'zod';
import { upgradeDocument, type UpgradeStep } from '../versioning';
import { COMPOSITION_VERSION, compositionSchema, type Composition } from './schema';
import { validateComposition, type CompositionIssue } from './validate';

/** Upgrade steps for stored compositions; append one per version bump, never edit a released one. */
export const compositionUpgradeSteps: readonly UpgradeStep[] = [];

export class CompositionError extends Error {
  override name = 'CompositionError';
  constructor(readonly issues: CompositionIssue[]) {
    super(`The composition has ${issues.length === 1 ? 'a problem' : `${issues.length} problems`}:\n${issues.map((i) => `- ${i.path}: ${i.message}`).join('\n')}`);
  }
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '') || 'composition';
}

export function issuesFromZod(error: z.ZodError): CompositionIssue[] {
  return error.issues.map((issue) => ({ path: pathOf(issue.path), message: issue.message }));
}

/** Reads a composition of any known version: upgrade, parse, validate; throws a CompositionError naming every problem. */
export function parseComposition(raw: unknown): Composition {
  let upgraded: Record<string, unknown>;
  try {
    upgraded = upgradeDocument({ kind: 'composition', doc: raw, currentVersion: COMPOSITION_VERSION, steps: compositionUpgradeSteps });
  } catch (error) {
    throw new CompositionError([{ path: 'version', message: (error as Error).message }]);
  }
  const parsed = compositionSchema.safeParse(upgraded);
  if (!parsed.success) throw new CompositionError(issuesFromZod(parsed.error));
  const issues = validateComposition(parsed.data);
  if (issues.length > 0) throw new CompositionError(issues);
  return parsed.data;
}
