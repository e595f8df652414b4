import { z } from 'zod';
import { parseOrThrow } from '../validation';
import { upgradeDocument, type UpgradeStep } from '../versioning';

/**
 * The segment rule language: which customers a segment holds, as JSON.
 * The Hub compiles a rule to one SQL query; Studio and the console build and
 * show rules with these types. Consent is not part of a rule: every segment
 * names its purpose, and the Hub always adds "has granted consent for it".
 */
export const SEGMENT_RULE_VERSION = 1;

/** Upgrade steps for stored rules; append one per version bump, never edit a released one. */
export const segmentRuleUpgradeSteps: readonly UpgradeStep[] = [];

/** How big a rule may be, so that one cannot tie up the database. */
export const segmentRuleLimits = {
  /** Conditions nested inside one another (`all`, `any`, `not`). */
  maxDepth: 8,
  /** Conditions in one rule, counting combinators. */
  maxConditions: 100,
  maxListLength: 50,
  maxInValues: 100,
  maxTraitLength: 128,
  maxTextLength: 512,
  maxEventNameLength: 200,
  maxSegmentIdLength: 64,
  maxDays: 3650,
  maxCount: 100_000,
} as const;

export const identifierKinds = ['user_id', 'anonymous_id', 'email', 'phone', 'device_id'] as const;
export const eventTypes = ['track', 'page', 'screen'] as const;
export const countOps = ['gte', 'gt', 'eq', 'neq', 'lte', 'lt'] as const;
export const traitOps = ['eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists', 'not_exists'] as const;

export type IdentifierKind = (typeof identifierKinds)[number];
export type EventType = (typeof eventTypes)[number];
export type CountOp = (typeof countOps)[number];
export type TraitOp = (typeof traitOps)[number];
export type TraitScalar = string | number | boolean;

/**
 * A trait of the profile (`profiles.traits`, a top-level key). Numbers compare
 * as numbers and strings as text (code-point order); a trait of another type
 * never matches a comparison. `neq` needs the trait to be there (use `not` for
 * "missing or different"); `contains` is a substring of a text trait or an
 * element of a list trait; `exists` means present and not null.
 */
export type TraitCondition =
  | { trait: string; op: 'eq' | 'neq' | 'contains'; value: TraitScalar }
  | { trait: string; op: 'in'; value: TraitScalar[] }
  | { trait: string; op: 'gt' | 'gte' | 'lt' | 'lte'; value: string | number }
  | { trait: string; op: 'exists' | 'not_exists' };

/**
 * How many events of a kind the customer had, in the last `within.days` days
 * (or ever). `event` names a track event; page and screen views have no name.
 * `atLeast: n` is short for `count: { op: 'gte', value: n }`.
 */
export interface EventCondition {
  event?: string;
  type?: EventType;
  count?: { op: CountOp; value: number };
  atLeast?: number;
  within?: { days: number };
}

export interface IdentifierCondition {
  identifier: IdentifierKind;
  present: boolean;
}

/** Membership of another segment of the workspace, with that segment's own consent purpose. */
export interface SegmentCondition {
  segment: string;
  member: boolean;
}

export interface AllCondition {
  all: Condition[];
}
export interface AnyCondition {
  any: Condition[];
}
export interface NotCondition {
  not: Condition;
}

export type Condition = AllCondition | AnyCondition | NotCondition | TraitCondition | EventCondition | IdentifierCondition | SegmentCondition;

export interface SegmentRule {
  version: typeof SEGMENT_RULE_VERSION;
  match: Condition;
}

export type ConditionKind = 'all' | 'any' | 'not' | 'trait' | 'event' | 'identifier' | 'segment';

/** The keys that say which kind a condition is; an event condition may leave `event` out (page views). */
const kindKeys: Record<ConditionKind, readonly string[]> = {
  all: ['all'],
  any: ['any'],
  not: ['not'],
  trait: ['trait'],
  event: ['event', 'type', 'count', 'atLeast', 'within'],
  identifier: ['identifier'],
  segment: ['segment'],
};
const kindNames = Object.keys(kindKeys).join(', ');

/** Which kind of condition `value` is, or null when it names no kind or more than one. */
export function conditionKindOf(value: unknown): ConditionKind | null {
  const kinds = kindsIn(value);
  return kinds.length === 1 ? kinds[0]! : null;
}

function kindsIn(value: unknown): ConditionKind[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return (Object.keys(kindKeys) as ConditionKind[]).filter((kind) => kindKeys[kind].some((key) => Object.hasOwn(value, key)));
}

const scalar = z.union([z.string().max(segmentRuleLimits.maxTextLength), z.number(), z.boolean()]);
const comparable = z.union([z.string().max(segmentRuleLimits.maxTextLength), z.number()], { error: 'compare with a number or a text' });
const traitName = z.string().min(1, 'name a trait').max(segmentRuleLimits.maxTraitLength);

const traitSchema = z.discriminatedUnion(
  'op',
  [
    z.strictObject({ trait: traitName, op: z.enum(['eq', 'neq']), value: scalar }),
    z.strictObject({ trait: traitName, op: z.literal('contains'), value: z.union([z.string().min(1).max(segmentRuleLimits.maxTextLength), z.number(), z.boolean()]) }),
    z.strictObject({ trait: traitName, op: z.literal('in'), value: z.array(scalar).min(1, 'list at least one value').max(segmentRuleLimits.maxInValues) }),
    z.strictObject({ trait: traitName, op: z.enum(['gt', 'gte', 'lt', 'lte']), value: comparable }),
    z.strictObject({ trait: traitName, op: z.enum(['exists', 'not_exists']) }),
  ],
  { error: `use one of ${traitOps.join(', ')}` },
);

const countValue = z.number().int().min(0).max(segmentRuleLimits.maxCount);
const eventSchema = z
  .strictObject({
    event: z.string().min(1).max(segmentRuleLimits.maxEventNameLength).optional(),
    type: z.enum(eventTypes).optional(),
    count: z.strictObject({ op: z.enum(countOps), value: countValue }).optional(),
    atLeast: countValue.optional(),
    within: z.strictObject({ days: z.number().int().min(1).max(segmentRuleLimits.maxDays) }).optional(),
  })
  .superRefine((condition, ctx) => {
    const type = condition.type ?? 'track';
    if (type === 'track' && condition.event === undefined) ctx.addIssue({ code: 'custom', path: ['event'], message: 'name the track event, e.g. "Order Completed"' });
    if (type !== 'track' && condition.event !== undefined) ctx.addIssue({ code: 'custom', path: ['event'], message: `${type} views have no event name; leave event out to count every ${type} view` });
    if ((condition.count === undefined) === (condition.atLeast === undefined)) ctx.addIssue({ code: 'custom', path: ['count'], message: 'give either count ({ op, value }) or atLeast' });
  });

const identifierSchema = z.strictObject({ identifier: z.enum(identifierKinds), present: z.boolean() });
const segmentSchema = z.strictObject({ segment: z.string().min(1).max(segmentRuleLimits.maxSegmentIdLength), member: z.boolean() });

const conditionList = () => z.array(conditionSchema).min(1, 'list at least one condition').max(segmentRuleLimits.maxListLength);
const schemaOfKind: Record<ConditionKind, z.ZodType> = {
  all: z.strictObject({ get all() { return conditionList(); } }),
  any: z.strictObject({ get any() { return conditionList(); } }),
  not: z.strictObject({ get not() { return conditionSchema; } }),
  trait: traitSchema,
  event: eventSchema,
  identifier: identifierSchema,
  segment: segmentSchema,
};

/**
 * One condition. The kind is told by its key ({ all }, { trait }, ...) and the
 * condition is checked against that kind alone, so an error names the exact
 * field instead of "matches none of the alternatives".
 */
export const conditionSchema: z.ZodType<Condition> = z
  .custom<Condition>()
  .superRefine((value, ctx) => {
    const kinds = kindsIn(value);
    if (kinds.length !== 1) {
      const found = kinds.length > 0 ? kinds.join(' and ') : typeof value === 'object' && value !== null && !Array.isArray(value) ? `keys ${Object.keys(value).slice(0, 5).join(', ') || 'none'}` : value === undefined ? 'nothing' : Array.isArray(value) ? 'a list' : typeof value;
      ctx.addIssue({ code: 'custom', message: `a condition is exactly one of ${kindNames} (as its key); found ${found}` });
      return;
    }
    const result = schemaOfKind[kinds[0]!].safeParse(value);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
  })
  .meta({ description: `A condition: { all: [...] }, { any: [...] }, { not: {...} }, { trait, op, value }, { event, type?, count | atLeast, within? }, { identifier, present } or { segment, member }` });

/** Checks size before shape, walking without recursion, so a huge or deep rule costs little to refuse. */
function sizeProblem(match: unknown): { path: (string | number)[]; message: string } | null {
  const stack: { value: unknown; depth: number; path: (string | number)[] }[] = [{ value: match, depth: 1, path: ['match'] }];
  let count = 0;
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (++count > segmentRuleLimits.maxConditions) return { path: ['match'], message: `a rule has at most ${segmentRuleLimits.maxConditions} conditions` };
    if (depth > segmentRuleLimits.maxDepth) return { path, message: `conditions nest at most ${segmentRuleLimits.maxDepth} deep` };
    if (typeof value !== 'object' || value === null) continue;
    const node = value as Record<string, unknown>;
    for (const key of ['all', 'any'] as const) {
      const list = Object.hasOwn(node, key) ? node[key] : undefined;
      if (Array.isArray(list)) list.slice(0, segmentRuleLimits.maxListLength + 1).forEach((child, i) => stack.push({ value: child, depth: depth + 1, path: [...path, key, i] }));
    }
    if (Object.hasOwn(node, 'not')) stack.push({ value: node.not, depth: depth + 1, path: [...path, 'not'] });
  }
  return null;
}

const ruleShape = z.strictObject({ version: z.literal(SEGMENT_RULE_VERSION, { error: `this Hub reads rule version ${SEGMENT_RULE_VERSION}` }), match: conditionSchema });

/** A whole rule: `{ version: 1, match: <condition> }`. */
export const segmentRuleSchema: z.ZodType<SegmentRule> = z
  .custom<SegmentRule>()
  .superRefine((value, ctx) => {
    const tooBig = typeof value === 'object' && value !== null && Object.hasOwn(value, 'match') ? sizeProblem((value as { match: unknown }).match) : null;
    if (tooBig) {
      ctx.addIssue({ code: 'custom', ...tooBig });
      return;
    }
    const result = ruleShape.safeParse(value);
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ ...issue } as Parameters<typeof ctx.addIssue>[0]);
  })
  .meta({
    description: 'A segment rule: { version: 1, match: <condition> }. Conditions: { all: [...] }, { any: [...] }, { not: {...} }, { trait, op, value }, { event, type?, count | atLeast, within? }, { identifier, present }, { segment, member }.',
    examples: [{ version: 1, match: { all: [{ trait: 'plan', op: 'eq', value: 'pro' }, { event: 'Order Completed', atLeast: 1, within: { days: 30 } }, { identifier: 'email', present: true }] } }],
  });

/** Parses a rule or throws a ValidationError naming every bad field ("match.all.0.value: ..."). */
export function parseSegmentRule(input: unknown): SegmentRule {
  return parseOrThrow(segmentRuleSchema, input, 'segment rule');
}

/** Reads a stored rule of any known version. */
export function parseStoredSegmentRule(raw: unknown): SegmentRule {
  const doc = upgradeDocument({ kind: 'segment rule', doc: raw, currentVersion: SEGMENT_RULE_VERSION, steps: segmentRuleUpgradeSteps });
  return parseSegmentRule(doc);
}

/** An event condition's count as one comparison (`atLeast: n` is `gte n`). */
export function eventCountOf(condition: EventCondition): { op: CountOp; value: number } {
  return condition.count ?? { op: 'gte', value: condition.atLeast ?? 1 };
}

/** Every `{ segment }` condition in a rule, with where it is ("match.all.1"). */
export function segmentReferences(rule: SegmentRule): { segmentId: string; path: string }[] {
  const found: { segmentId: string; path: string }[] = [];
  const visit = (condition: Condition, path: string): void => {
    if ('all' in condition) condition.all.forEach((child, i) => visit(child, `${path}.all.${i}`));
    else if ('any' in condition) condition.any.forEach((child, i) => visit(child, `${path}.any.${i}`));
    else if ('not' in condition) visit(condition.not, `${path}.not`);
    else if ('segment' in condition) found.push({ segmentId: condition.segment, path });
  };
  visit(rule.match, 'match');
  return found;
}
