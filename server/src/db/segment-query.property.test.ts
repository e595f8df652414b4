import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countOps, eventCountOf, identifierKinds, parseSegmentRule, traitOps, type Condition, type IdentifierKind, type TraitCondition } from '../../../src/shared/audience/segment-rule';
import { insertCustomers, insertTestWorkspace, type TestCustomer } from '../../test/customers';
import { hubDatabases } from '../../test/databases';
import type { HubDatabase } from './database';
import { countSegmentMembers, listSegmentMembers, resolveSegment } from './segment-query';
import { createSegment } from './segment-store';

/**
 * Random customers, consents and rules: the SQL's members are exactly the
 * ones a small in-memory evaluator of the same rule finds, and every one of
 * them has granted consent for the segment's purpose.
 */
const now = new Date('2026-11-24T10:00:00Z');
const day = 86_400_000;
const purposes = ['email-marketing', 'analytics', 'profiling'] as const;
const traitKeys = ['plan', 'age', 'tags', 'note'] as const;
const eventNames = ['Order Completed', 'Signed Up'] as const;
const otherSegments = ['other-0', 'other-1'] as const;

// Values from small pools, so that rules and customers meet often.
const text = fc.constantFrom('free', 'pro', 'team', 'Pro', 'vip', 'vip-lounge', '34', 'b', '');
const number = fc.constantFrom(-1, 0, 1, 2, 20.5, 34, 100);
const scalar = fc.oneof(text, number, fc.boolean());
const traitValue = fc.oneof(scalar, fc.constant(null), fc.array(fc.oneof(scalar, fc.constant(['vip'])), { maxLength: 3 }), fc.constant({ plan: 'pro' }));

type Status = 'live' | 'merged' | 'erased';
interface Customer extends TestCustomer {
  status: Status;
}

const customerArb = fc.record({
  traits: fc.dictionary(fc.constantFrom(...traitKeys), traitValue, { maxKeys: 4 }),
  identifiers: fc.subarray([...identifierKinds]),
  events: fc.array(
    fc.record({
      type: fc.constantFrom('track', 'track', 'page', 'screen', 'identify') as fc.Arbitrary<'track' | 'page' | 'screen' | 'identify'>,
      name: fc.constantFrom(...eventNames),
      daysAgo: fc.oneof(fc.constantFrom(1, 7, 30), fc.integer({ min: -1, max: 40 })),
      // Often exactly on a day boundary, where "within n days" starts.
      msIntoDay: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: day - 1 })),
    }),
    { maxLength: 6 },
  ),
  consents: fc.record({ 'email-marketing': fc.constantFrom('granted', 'denied', undefined), analytics: fc.constantFrom('granted', 'denied', undefined), profiling: fc.constantFrom('granted', 'denied', undefined) }),
  status: fc.constantFrom<Status>('live', 'live', 'live', 'merged', 'erased'),
});

const traitConditionArb: fc.Arbitrary<TraitCondition> = fc
  .record({ trait: fc.constantFrom(...traitKeys, 'missing'), op: fc.constantFrom(...traitOps), scalar, comparable: fc.oneof(text, number), list: fc.array(scalar, { minLength: 1, maxLength: 3 }), needle: fc.oneof(text.filter((t) => t.length > 0), number, fc.boolean()) })
  .map(({ trait, op, scalar: value, comparable, list, needle }): TraitCondition => {
    if (op === 'exists' || op === 'not_exists') return { trait, op };
    if (op === 'in') return { trait, op, value: list };
    if (op === 'contains') return { trait, op, value: needle };
    if (op === 'eq' || op === 'neq') return { trait, op, value };
    return { trait, op, value: comparable };
  });

const eventConditionArb: fc.Arbitrary<Condition> = fc
  .record({ what: fc.constantFrom<string>(...eventNames, 'Never Sent', 'page', 'screen'), count: fc.record({ op: fc.constantFrom(...countOps), value: fc.integer({ min: 0, max: 3 }) }), shorthand: fc.boolean(), days: fc.option(fc.oneof(fc.constantFrom(1, 7, 30), fc.integer({ min: 1, max: 30 })), { nil: undefined }) })
  .map(({ what, count, shorthand, days }) => ({
    ...(what === 'page' || what === 'screen' ? { type: what } : { event: what }),
    ...(shorthand ? { atLeast: count.value } : { count }),
    ...(days !== undefined && { within: { days } }),
  }));

function conditionArb(withSegments: boolean): fc.Arbitrary<Condition> {
  const leaves: fc.Arbitrary<Condition>[] = [traitConditionArb, eventConditionArb, fc.record({ identifier: fc.constantFrom(...identifierKinds), present: fc.boolean() })];
  if (withSegments) leaves.push(fc.record({ segment: fc.constantFrom(...otherSegments), member: fc.boolean() }));
  const leaf = fc.oneof(...leaves);
  return fc.letrec<{ condition: Condition }>((tie) => ({
    condition: fc.oneof(
      { maxDepth: 3, depthSize: 'small' },
      leaf,
      fc.array(tie('condition'), { minLength: 1, maxLength: 3 }).map((all) => ({ all })),
      fc.array(tie('condition'), { minLength: 1, maxLength: 3 }).map((any) => ({ any })),
      tie('condition').map((not) => ({ not })),
    ),
  })).condition;
}

// The reference: the rule language's meaning, written plainly.

interface World {
  segments: Map<string, { purpose: string; match: Condition }>;
}

const isScalar = (value: unknown): value is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof value);

function traitMatches(condition: TraitCondition, traits: Record<string, unknown>): boolean {
  const trait = Object.hasOwn(traits, condition.trait) ? traits[condition.trait] : undefined;
  const present = trait !== undefined && trait !== null;
  switch (condition.op) {
    case 'eq':
      return isScalar(trait) && trait === condition.value;
    case 'neq':
      return present && !(isScalar(trait) && trait === condition.value);
    case 'in':
      return isScalar(trait) && condition.value.includes(trait);
    case 'contains':
      return (typeof trait === 'string' && typeof condition.value === 'string' && trait.includes(condition.value)) || (Array.isArray(trait) && trait.some((element) => element === condition.value));
    case 'exists':
      return present;
    case 'not_exists':
      return !present;
    default: {
      const value = condition.value;
      if (typeof trait !== typeof value || (typeof trait !== 'number' && typeof trait !== 'string')) return false;
      const order = trait < value ? -1 : trait > value ? 1 : 0;
      return { gt: order > 0, gte: order >= 0, lt: order < 0, lte: order <= 0 }[condition.op];
    }
  }
}

function matches(condition: Condition, customer: Customer, world: World): boolean {
  if ('all' in condition) return condition.all.every((c) => matches(c, customer, world));
  if ('any' in condition) return condition.any.some((c) => matches(c, customer, world));
  if ('not' in condition) return !matches(condition.not, customer, world);
  if ('segment' in condition) {
    const other = world.segments.get(condition.segment)!;
    return isMember(customer, other.purpose, other.match, world) === condition.member;
  }
  if ('identifier' in condition) return (customer.identifiers ?? []).includes(condition.identifier) === condition.present;
  if ('trait' in condition) return traitMatches(condition, customer.traits ?? {});
  const type = condition.type ?? 'track';
  const since = condition.within ? now.getTime() - condition.within.days * day : -Infinity;
  const n = (customer.events ?? []).filter((e) => e.type === type && (type !== 'track' || e.name === condition.event) && e.at.getTime() >= since).length;
  const { op, value } = eventCountOf(condition);
  return { gte: n >= value, gt: n > value, eq: n === value, neq: n !== value, lte: n <= value, lt: n < value }[op];
}

function isMember(customer: Customer, purpose: string, match: Condition, world: World): boolean {
  return customer.status === 'live' && customer.consents?.[purpose] === 'granted' && matches(match, customer, world);
}

describe.each(hubDatabases)('segment membership, property-based, on $name', ({ open }) => {
  let database: HubDatabase;
  beforeAll(async () => {
    database = await open();
  }, 60_000);
  afterAll(async () => {
    await database.close();
  });

  it('equals an in-memory evaluation, and never holds a customer without granted consent', async () => {
    const scenario = fc.record({
      customers: fc.array(customerArb, { maxLength: 12 }),
      others: fc.tuple(...otherSegments.map(() => fc.record({ purpose: fc.constantFrom(...purposes), match: conditionArb(false) }))),
      purpose: fc.constantFrom(...purposes),
      match: conditionArb(true),
    });
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async ({ customers: generated, others, purpose, match }) => {
        const db = database.db;
        const workspaceId = await insertTestWorkspace(db);
        const customers: Customer[] = generated.map((c, i) => ({
          id: `c${String(i).padStart(2, '0')}`,
          traits: c.traits,
          identifiers: c.identifiers as IdentifierKind[],
          events: c.events.map((e) => ({ type: e.type, name: e.name, at: new Date(now.getTime() - e.daysAgo * day - e.msIntoDay) })),
          consents: Object.fromEntries(Object.entries(c.consents).filter(([, status]) => status !== undefined)) as Record<string, 'granted' | 'denied'>,
          status: c.status,
          mergedInto: c.status === 'merged' ? 'c00' : undefined,
          erased: c.status === 'erased',
        }));
        await insertCustomers(db, workspaceId, customers);
        const world: World = { segments: new Map() };
        for (const [i, other] of others.entries()) {
          const id = otherSegments[i]!;
          await createSegment(db, { workspace_id: workspaceId, id, name: id, purpose: other.purpose, rule: parseSegmentRule({ version: 1, match: other.match }), created_by: 'test', now });
          world.segments.set(id, other);
        }

        const rule = parseSegmentRule({ version: 1, match });
        const resolved = await resolveSegment(db, { workspaceId, segment: { purpose, rule } });
        const found = await listSegmentMembers(db, resolved, { workspaceId, now, limit: 100 });
        const expected = customers.filter((c) => isMember(c, purpose, match, world)).map((c) => c.id);
        expect(found.toSorted()).toEqual(expected);
        expect(await countSegmentMembers(db, resolved, { workspaceId, now })).toBe(expected.length);
        // Checked against the tables themselves too, not only against the reference.
        if (found.length > 0) {
          const granted = await db.selectFrom('consents').select('profile_id').where('workspace_id', '=', workspaceId).where('purpose', '=', purpose).where('status', '=', 'granted').where('profile_id', 'in', found).execute();
          expect(granted.map((row) => row.profile_id).toSorted()).toEqual(found.toSorted());
          nonEmpty++;
        }
      }),
      { numRuns: 60 },
    );
    // The property means little if no run found anyone.
    expect(nonEmpty).toBeGreaterThan(5);
  }, 120_000);
});
