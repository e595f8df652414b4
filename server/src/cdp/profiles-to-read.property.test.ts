import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdentityGraph, identifierKinds, type Identifier, type IdentifierKind } from './identity-graph';
import { profilesToRead } from './ingest';
import type { Named } from './prepared-message';

/**
 * Ingest reads the user ids and consent of only some of the stored profiles a
 * batch reaches (profilesToRead). Over random stored graphs and batches, the
 * identity graph must resolve every message exactly as it does when it is
 * given every reached profile's user ids, and every message that states
 * consent must land on a profile whose consent was read (or a new one).
 */
interface Stored extends Identifier {
  profileId: string;
}
interface TestMessage {
  type: 'track' | 'identify' | 'alias';
  own: Named[];
  previous: Named[];
  consent: [string, boolean][];
}

const named = (kind: IdentifierKind, n: number): Named => ({ kind, hash: `${kind}-${n}`, value: `${kind}-${n}` });

const storedGraph = fc
  .array(fc.record({ kind: fc.constantFrom(...identifierKinds), n: fc.nat(12), profile: fc.nat(7) }), { maxLength: 30 })
  .map((rows) => [...new Map(rows.map((r) => [`${r.kind}-${r.n}`, { kind: r.kind, hash: `${r.kind}-${r.n}`, profileId: `stored-${r.profile}` } satisfies Stored])).values()]);

interface RawMessage {
  type: 'track' | 'identify' | 'alias';
  own: { kind: IdentifierKind; n: number }[];
  previous: number;
  consent: boolean;
}

const message: fc.Arbitrary<RawMessage> = fc.record({
  type: fc.constantFrom('track' as const, 'identify' as const, 'identify' as const, 'alias' as const),
  own: fc.array(fc.record({ kind: fc.constantFrom(...identifierKinds), n: fc.nat(14) }), { minLength: 1, maxLength: 4 }),
  previous: fc.nat(14),
  consent: fc.boolean(),
});

function batchOf(raw: RawMessage[]): TestMessage[] {
  return raw.map((m): TestMessage => {
    const own = [...new Map(m.own.map((i) => [i.kind, named(i.kind, i.n)])).values()];
    if (m.type === 'alias') return { type: 'alias', own: [named('user_id', m.own[0]!.n)], previous: [named('user_id', m.previous), named('anonymous_id', m.previous)], consent: [] };
    return { type: m.type, own, previous: [], consent: m.consent ? [['email-marketing', true]] : [] };
  });
}

function resolveAll(known: Stored[], batch: TestMessage[]) {
  let n = 0;
  const graph = new IdentityGraph(known, () => `new-${++n}`);
  return batch.map((m) => (m.type === 'alias' ? graph.alias(m.own[0]!, m.previous) : graph.resolve(m.own)));
}

describe('reading only the profiles resolution needs', () => {
  it('resolves every batch as reading every reached profile does, and reads the consent of each profile a consent lands on', () => {
    fc.assert(
      fc.property(storedGraph, fc.array(message, { minLength: 1, maxLength: 12 }), (stored, raw) => {
        const batch = batchOf(raw);
        const wanted = new Set(batch.flatMap((m) => [...m.own, ...m.previous]).map((i) => `${i.kind}-${i.hash}`));
        // What readIngestState finds: the stored identifiers the batch names.
        const found = stored.filter((s) => wanted.has(`${s.kind}-${s.hash}`));
        const reached = new Set(found.map((s) => s.profileId));
        const userIdsOf = (profiles: Set<string>) => stored.filter((s) => s.kind === 'user_id' && profiles.has(s.profileId));

        const read = profilesToRead(batch, found);
        const everything = resolveAll([...found, ...userIdsOf(reached)], batch);
        const needed = resolveAll([...found, ...userIdsOf(new Set(read.userIdsOf))], batch);
        expect(needed).toEqual(everything);

        const consentRead = new Set(read.consentOf);
        batch.forEach((m, i) => {
          if (m.consent.length === 0) return;
          const profile = needed[i]!.profileId;
          expect(profile.startsWith('new-') || consentRead.has(profile), `message ${i} states consent for ${profile}, whose consent was not read`).toBe(true);
        });
      }),
      { numRuns: 3000 },
    );
  });

  it('reads nothing for a batch whose messages all name one stored profile each and state no consent', () => {
    const found = [
      { kind: 'user_id', hash: 'user_id-1', profileId: 'a' },
      { kind: 'anonymous_id', hash: 'anonymous_id-1', profileId: 'a' },
      { kind: 'user_id', hash: 'user_id-2', profileId: 'b' },
    ];
    const batch = batchOf([
      { type: 'track', own: [{ kind: 'user_id', n: 1 }, { kind: 'anonymous_id', n: 1 }], previous: 0, consent: false },
      { type: 'track', own: [{ kind: 'user_id', n: 2 }], previous: 0, consent: false },
    ]);
    expect(profilesToRead(batch, found)).toEqual({ userIdsOf: [], consentOf: [] });
    const withNewEmail = batchOf([{ type: 'identify', own: [{ kind: 'user_id', n: 1 }, { kind: 'email', n: 9 }], previous: 0, consent: true }]);
    expect(profilesToRead(withNewEmail, found)).toEqual({ userIdsOf: ['a'], consentOf: ['a'] });
  });
});
