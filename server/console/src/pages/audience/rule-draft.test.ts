import { describe, expect, it } from 'vitest';
import { scalarOf, toRule, type RuleDraft } from './rule-draft';

describe("the console's segment rule builder", () => {
  it('turns the fields typed into a rule of the segment rule language', () => {
    const draft: RuleDraft = {
      match: 'all',
      conditions: [
        { kind: 'trait', trait: 'plan', op: 'in', value: 'pro, team' },
        { kind: 'trait', trait: 'newsletter', op: 'eq', value: 'true' },
        { kind: 'event', event: 'Order Completed', eventType: 'track', op: 'gte', count: '2', withinDays: '30' },
        { kind: 'event', event: '', eventType: 'page', op: 'gte', count: '3', withinDays: '' },
        { kind: 'identifier', identifier: 'email', present: true },
        { kind: 'segment', segmentId: 'seg-vip', member: false },
      ],
    };
    expect(toRule(draft)).toEqual({
      rule: {
        version: 1,
        match: {
          all: [
            { trait: 'plan', op: 'in', value: ['pro', 'team'] },
            { trait: 'newsletter', op: 'eq', value: true },
            { event: 'Order Completed', count: { op: 'gte', value: 2 }, within: { days: 30 } },
            { type: 'page', count: { op: 'gte', value: 3 } },
            { identifier: 'email', present: true },
            { segment: 'seg-vip', member: false },
          ],
        },
      },
    });
    expect(toRule({ match: 'any', conditions: [{ kind: 'trait', trait: 'vip', op: 'exists', value: 'ignored' }] })).toEqual({ rule: { version: 1, match: { trait: 'vip', op: 'exists' } } });
  });

  it('names the condition and field of a problem', () => {
    expect(toRule({ match: 'all', conditions: [] })).toEqual({ problem: 'Add at least one condition.' });
    const problem = toRule({ match: 'all', conditions: [{ kind: 'identifier', identifier: 'email', present: true }, { kind: 'trait', trait: '', op: 'eq', value: 'x' }] });
    expect(problem).toMatchObject({ problem: expect.stringMatching(/^Condition 2: trait /) });
  });

  it('reads numbers and booleans as such, everything else as text', () => {
    expect([scalarOf('42'), scalarOf('1.5'), scalarOf('true'), scalarOf('pro'), scalarOf('')]).toEqual([42, 1.5, true, 'pro', '']);
  });
});
