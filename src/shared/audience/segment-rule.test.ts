import { describe, expect, it } from 'vitest';
import { ValidationError } from '../validation';
import { conditionKindOf, eventCountOf, parseSegmentRule, parseStoredSegmentRule, segmentReferences, segmentRuleLimits, segmentRuleSchema, type Condition } from './segment-rule';

const problems = (input: unknown) => {
  const result = segmentRuleSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('segment rules', () => {
  it('accepts every kind of condition', () => {
    const rule = {
      version: 1,
      match: {
        all: [
          { trait: 'plan', op: 'eq', value: 'pro' },
          { trait: 'age', op: 'gte', value: 18 },
          { trait: 'plan', op: 'in', value: ['pro', 'team'] },
          { trait: 'tags', op: 'contains', value: 'vip' },
          { trait: 'deleted', op: 'not_exists' },
          { event: 'Order Completed', count: { op: 'gte', value: 2 }, within: { days: 30 } },
          { event: 'Order Completed', atLeast: 1 },
          { type: 'page', atLeast: 3, within: { days: 7 } },
          { identifier: 'email', present: true },
          { any: [{ segment: 'vip-customers', member: true }, { not: { identifier: 'phone', present: false } }] },
        ],
      },
    };
    expect(parseSegmentRule(rule)).toEqual(rule);
  });

  it('names the path of each problem', () => {
    expect(
      problems({
        version: 1,
        match: { all: [{ trait: 'plan', op: 'gt', value: true }, { event: 'Order Completed', within: { days: 30 } }, { not: { identifier: 'mail', present: true } }, { type: 'page', event: 'Home', atLeast: 1 }, { trait: 'x', op: 'between', value: 1 }, {}, { trait: 'a', segment: 'b', member: true }, { trait: 'x', op: 'exists', value: 1 }] },
      }),
    ).toEqual([
      'match.all.0.value: compare with a number or a text',
      'match.all.1.count: give either count ({ op, value }) or atLeast',
      'match.all.2.not.identifier: Invalid option: expected one of "user_id"|"anonymous_id"|"email"|"phone"|"device_id"',
      'match.all.3.event: page views have no event name; leave event out to count every page view',
      'match.all.4.op: use one of eq, neq, in, gt, gte, lt, lte, contains, exists, not_exists',
      'match.all.5: a condition is exactly one of all, any, not, trait, event, identifier, segment (as its key); found keys none',
      'match.all.6: a condition is exactly one of all, any, not, trait, event, identifier, segment (as its key); found trait and segment',
      'match.all.7: Unrecognized key: "value"',
    ]);
    expect(problems({ version: 2, match: { trait: 'x', op: 'exists' } })).toEqual(['version: this Hub reads rule version 1']);
    expect(problems({ version: 1, match: { trait: 'x', op: 'in', value: [] } })).toEqual(['match.value: list at least one value']);
    expect(problems({ version: 1 })).toEqual(['match: a condition is exactly one of all, any, not, trait, event, identifier, segment (as its key); found nothing']);
    expect(() => parseSegmentRule({ version: 1, match: { any: [] } })).toThrow(ValidationError);
    expect(() => parseSegmentRule({ version: 1, match: { any: [] } })).toThrow('Invalid segment rule:\nmatch.any: list at least one condition');
  });

  it('refuses rules too large or too deep before looking at their shape', () => {
    let deep: Condition = { trait: 'x', op: 'exists' };
    for (let i = 0; i < 100_000; i++) deep = { not: deep };
    expect(problems({ version: 1, match: deep })).toEqual([`match${'.not'.repeat(segmentRuleLimits.maxDepth)}: conditions nest at most 8 deep`]);
    const wide = { all: Array.from({ length: 30 }, () => ({ any: Array.from({ length: 30 }, () => ({ trait: 'x', op: 'exists' })) })) };
    expect(problems({ version: 1, match: wide })).toEqual(['match: a rule has at most 100 conditions']);
    expect(problems({ version: 1, match: { any: Array.from({ length: 60 }, () => ({ trait: 'x', op: 'exists' })) } })).toEqual(['match.any: Too big: expected array to have <=50 items']);
    expect(problems({ version: 1, match: { trait: 'x'.repeat(129), op: 'exists' } })).toEqual(['match.trait: Too big: expected string to have <=128 characters']);
    expect(problems({ version: 1, match: { trait: 'x', op: 'eq', value: 'v'.repeat(513) } })[0]).toMatch(/^match.value: /);
  });

  it('reads stored rules and describes them', () => {
    const rule = parseStoredSegmentRule({ version: 1, match: { all: [{ segment: 'a', member: true }, { not: { any: [{ segment: 'b', member: false }] } }] } });
    expect(segmentReferences(rule)).toEqual([
      { segmentId: 'a', path: 'match.all.0' },
      { segmentId: 'b', path: 'match.all.1.not.any.0' },
    ]);
    expect(() => parseStoredSegmentRule({ version: 9, match: {} })).toThrow(/newer Kata Studio/);
    expect(conditionKindOf({ type: 'screen', atLeast: 1 })).toBe('event');
    expect(conditionKindOf({ trait: 'x', all: [] })).toBeNull();
    expect(eventCountOf({ event: 'x', atLeast: 2 })).toEqual({ op: 'gte', value: 2 });
    expect(eventCountOf({ event: 'x', count: { op: 'lt', value: 1 } })).toEqual({ op: 'lt', value: 1 });
  });
});
