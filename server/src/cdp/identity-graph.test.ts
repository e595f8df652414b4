import { describe, expect, it } from 'vitest';
import { IdentityGraph, type Identifier } from './identity-graph';

const user = (hash: string): Identifier => ({ kind: 'user_id', hash });
const anon = (hash: string): Identifier => ({ kind: 'anonymous_id', hash });
const email = (hash: string): Identifier => ({ kind: 'email', hash });
const phone = (hash: string): Identifier => ({ kind: 'phone', hash });

function graph(known: (Identifier & { profileId: string })[] = []) {
  let n = 0;
  return new IdentityGraph(known, () => `p${++n}`);
}

describe('the identity graph', () => {
  it('puts a stranger on a new profile, and finds them again by any identifier', () => {
    const g = graph();
    const first = g.resolve([anon('a1'), email('maya')]);
    expect(first).toMatchObject({ profileId: 'p1', created: true, attached: [email('maya'), anon('a1')] });
    expect(g.resolve([email('maya')])).toMatchObject({ profileId: 'p1', created: false, attached: [] });
    expect(g.ownerOf(anon('a1'))).toBe('p1');
  });

  it('merges the anonymous visitor into the known user when identify links them, saying why', () => {
    const g = graph([
      { ...anon('a1'), profileId: 'visitor' },
      { ...user('u1'), profileId: 'customer' },
    ]);
    const resolution = g.resolve([user('u1'), anon('a1')]);
    expect(resolution).toMatchObject({ profileId: 'customer', merges: [{ survivor: 'customer', merged: 'visitor', via: anon('a1') }], conflicts: [] });
    expect(g.ownerOf(anon('a1'))).toBe('customer');
    expect(g.canonical('visitor')).toBe('customer');
  });

  it('never merges two user ids over a shared email: the email stays where it was first seen', () => {
    const g = graph([
      { ...user('u1'), profileId: 'first' },
      { ...email('shared'), profileId: 'first' },
      { ...user('u2'), profileId: 'second' },
    ]);
    const resolution = g.resolve([user('u2'), email('shared')]);
    expect(resolution).toMatchObject({ profileId: 'second', merges: [], conflicts: [{ profile: 'second', other: 'first', via: email('shared') }] });
    expect(g.ownerOf(email('shared'))).toBe('first');
  });

  it('starts a new profile when a new user id meets a profile that has another one', () => {
    const g = graph([
      { ...user('u1'), profileId: 'first' },
      { ...phone('+1555'), profileId: 'first' },
    ]);
    const resolution = g.resolve([user('u9'), phone('+1555')]);
    expect(resolution).toMatchObject({ created: true, merges: [], conflicts: [{ profile: resolution.profileId, other: 'first', via: phone('+1555') }] });
    expect(g.ownerOf(user('u9'))).toBe(resolution.profileId);
    expect(g.ownerOf(phone('+1555'))).toBe('first');
  });

  it('follows merges transitively, and an alias merges two user ids because the sender asked', () => {
    const g = graph([
      { ...user('old'), profileId: 'a' },
      { ...user('new'), profileId: 'b' },
      { ...anon('x'), profileId: 'c' },
    ]);
    g.resolve([user('old'), anon('x')]); // c into a
    const alias = g.alias(user('new'), [user('old'), anon('old')]);
    expect(alias.merges).toEqual([{ survivor: 'b', merged: 'a', via: user('old') }]);
    expect(g.canonical('c')).toBe('b');
    expect(g.ownerOf(anon('x'))).toBe('b');
    // An alias from an id never seen adds it to the user.
    expect(g.alias(user('new'), [user('fresh'), anon('fresh')]).attached).toEqual([anon('fresh')]);
  });

  it('gives the same answer whatever order the identifiers come in', () => {
    const known = [
      { ...anon('a1'), profileId: 'v' },
      { ...email('e'), profileId: 'w' },
    ];
    const one = graph(known).resolve([anon('a1'), email('e')]);
    const other = graph(known).resolve([email('e'), anon('a1')]);
    expect(one).toEqual(other);
    expect(one).toMatchObject({ profileId: 'w', merges: [{ survivor: 'w', merged: 'v' }] });
  });
});
