import { describe, expect, it } from 'vitest';
import { DocumentVersionError, upgradeDocument, type UpgradeStep } from './versioning';

// A made-up document history: v1 had `title`, v2 renamed it to `name`, v3 added `tags`.
const steps: UpgradeStep[] = [
  { from: 1, upgrade: ({ title, ...rest }) => ({ ...rest, name: title }) },
  { from: 2, upgrade: (doc) => ({ ...doc, tags: [] }) },
];

describe('upgradeDocument', () => {
  it('runs every step from an old fixture up to the current version', () => {
    const v1 = { version: 1, title: 'Launch' };
    expect(upgradeDocument({ kind: 'note', doc: v1, currentVersion: 3, steps })).toEqual({ version: 3, name: 'Launch', tags: [] });
  });

  it('treats a document without a version as version 1', () => {
    expect(upgradeDocument({ kind: 'note', doc: { title: 'x' }, currentVersion: 2, steps })).toEqual({ version: 2, name: 'x' });
  });

  it('leaves a current document as it is and does not touch the input', () => {
    const doc = { version: 3, name: 'a', tags: ['b'] };
    const copy = structuredClone(doc);
    expect(upgradeDocument({ kind: 'note', doc, currentVersion: 3, steps })).toEqual(copy);
    const old = { version: 1, title: 't' };
    upgradeDocument({ kind: 'note', doc: old, currentVersion: 3, steps });
    expect(old).toEqual({ version: 1, title: 't' });
  });

  it('refuses a document from a newer app and says to update', () => {
    expect(() => upgradeDocument({ kind: 'note', doc: { version: 4 }, currentVersion: 3, steps })).toThrow(
      /note: saved as version 4 by a newer Kata Studio.*Update Kata Studio/,
    );
  });

  it('names a missing step and a bad version', () => {
    expect(() => upgradeDocument({ kind: 'note', doc: { version: 1 }, currentVersion: 3, steps: [steps[1]!] })).toThrow(
      'note: no upgrade step from version 1 to 2',
    );
    expect(() => upgradeDocument({ kind: 'note', doc: { version: 'two' }, currentVersion: 3, steps })).toThrow(DocumentVersionError);
    expect(() => upgradeDocument({ kind: 'note', doc: null, currentVersion: 3, steps })).toThrow('note: expected an object, got null');
  });
});
