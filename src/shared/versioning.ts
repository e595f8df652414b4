/**
 * Persisted documents (campaigns, compositions, personas, ...) carry a `version`.
 * Older documents are brought up to date by a list of upgrade steps, one per
 * version bump, that are never edited once released (same idea as tldraw's
 * record migrations).
 */
export interface UpgradeStep {
  /** The version this step upgrades from; it produces `from + 1`. */
  from: number;
  upgrade: (doc: Record<string, unknown>) => Record<string, unknown>;
}

export class DocumentVersionError extends Error {
  override name = 'DocumentVersionError';
}

export function upgradeDocument(options: {
  kind: string;
  doc: unknown;
  currentVersion: number;
  steps: readonly UpgradeStep[];
}): Record<string, unknown> {
  const { kind, doc, currentVersion, steps } = options;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new DocumentVersionError(`${kind}: expected an object, got ${doc === null ? 'null' : typeof doc}`);
  }
  let upgraded = { ...(doc as Record<string, unknown>) };
  const version = upgraded.version ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new DocumentVersionError(`${kind}: version must be a positive whole number, got ${JSON.stringify(version)}`);
  }
  if (version > currentVersion) {
    throw new DocumentVersionError(
      `${kind}: saved as version ${version} by a newer Kata Studio; this one reads up to version ${currentVersion}. Update Kata Studio to open it.`,
    );
  }
  for (let from = version; from < currentVersion; from++) {
    const step = steps.find((s) => s.from === from);
    if (!step) {
      throw new DocumentVersionError(`${kind}: no upgrade step from version ${from} to ${from + 1}`);
    }
    upgraded = { ...step.upgrade(upgraded), version: from + 1 };
  }
  return { ...upgraded, version: currentVersion };
}
