import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json';
import { appendEvent, ChainWalk, GENESIS_HASH, verifyChain, type ChainedAuditEvent } from './hash-chain';

function chain(length: number): ChainedAuditEvent[] {
  const events: ChainedAuditEvent[] = [];
  for (let i = 0; i < length; i++) {
    events.push(
      appendEvent(events.at(-1) ?? null, {
        workspaceId: 'ws-1',
        actor: { kind: 'user', id: `user-${i % 3}` },
        action: i % 2 ? 'campaign.update' : 'auth.login',
        target: i % 2 ? { kind: 'campaign', id: `c-${i}` } : null,
        at: new Date(Date.UTC(2026, 10, 24, 9, i)).toISOString(),
        ip: '127.0.0.1',
        userAgent: 'test',
        requestId: `req-${i}`,
        changeDigest: i % 2 ? `digest-${i}` : null,
      }),
    );
  }
  return events;
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined, so equal values encode equally', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x', null], c: true }, e: undefined })).toBe('{"a":{"c":true,"d":[1,"x",null]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/no encoding for NaN/);
  });
});

describe('the audit hash chain', () => {
  it('links each event to the one before, from the genesis hash', () => {
    const events = chain(5);
    expect(events[0]!.previousHash).toBe(GENESIS_HASH);
    expect(events[3]!.previousHash).toBe(events[2]!.hash);
    expect(events.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(verifyChain(events)).toEqual({ ok: true, checked: 5 });
  });

  it('finds a changed event', () => {
    const events = chain(6);
    events[3] = { ...events[3]!, actor: { kind: 'user', id: 'someone-else' } };
    expect(verifyChain(events)).toMatchObject({ ok: false, sequence: 4, problem: 'changed' });
  });

  it('finds a changed event even when its hash was recomputed to match', () => {
    const events = chain(6);
    const forged = appendEvent(events[1]!, { ...events[2]!, action: 'campaign.delete' });
    events[2] = forged;
    expect(verifyChain(events)).toMatchObject({ ok: false, sequence: 4, problem: 'relinked' });
  });

  it('finds a deleted event', () => {
    const events = chain(6);
    events.splice(2, 1);
    expect(verifyChain(events)).toMatchObject({ ok: false, sequence: 4, problem: 'missing', message: 'event 3 is missing before event 4' });
  });

  it('finds an inserted event', () => {
    const events = chain(6);
    events.splice(3, 0, { ...events[2]! });
    expect(verifyChain(events)).toMatchObject({ ok: false, sequence: 3, problem: 'inserted' });
  });

  it('finds reordered events', () => {
    const events = chain(6);
    [events[2], events[3]] = [events[3]!, events[2]!];
    expect(verifyChain(events)).toMatchObject({ ok: false, problem: 'missing', sequence: 4 });
    const swapped = chain(6);
    [swapped[1], swapped[4]] = [swapped[4]!, swapped[1]!];
    expect(verifyChain(swapped).ok).toBe(false);
  });

  it('verifies a chain that continues from a checkpoint (after retention removed older events)', () => {
    const events = chain(8);
    expect(verifyChain(events.slice(5), { startHash: events[4]!.hash, startSequence: 5 })).toEqual({ ok: true, checked: 3 });
  });
});

describe('walking a chain in pages', () => {
  it('gives the same answer as verifyChain, one event at a time', () => {
    const events = chain(7);
    events[5] = { ...events[5]!, action: 'campaign.delete' };
    const walk = new ChainWalk();
    const breaks = events.map((event) => walk.next(event));
    expect(breaks.slice(0, 5)).toEqual([null, null, null, null, null]);
    expect(breaks[5]).toEqual(verifyChain(events));
    expect({ checked: walk.checked, lastSequence: walk.lastSequence, lastHash: walk.lastHash }).toEqual({ checked: 5, lastSequence: 5, lastHash: events[4]!.hash });
  });
});
