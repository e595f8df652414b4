import { countOps, identifierKinds, segmentRuleSchema, traitOps, SEGMENT_RULE_VERSION, type Condition, type CountOp, type IdentifierKind, type SegmentRule, type TraitOp } from '../../../../../src/shared/audience/segment-rule';

export { countOps, identifierKinds, traitOps };

/**
 * What the rule builder edits: a flat list of conditions that must all (or
 * any) hold, each as the text typed into its fields. `toRule` turns it into
 * the segment rule language (src/shared/audience) and checks it there.
 */
export type ConditionDraft =
  | { kind: 'trait'; trait: string; op: TraitOp; value: string }
  | { kind: 'event'; event: string; eventType: 'track' | 'page' | 'screen'; op: CountOp; count: string; withinDays: string }
  | { kind: 'identifier'; identifier: IdentifierKind; present: boolean }
  | { kind: 'segment'; segmentId: string; member: boolean };

export interface RuleDraft {
  match: 'all' | 'any';
  conditions: ConditionDraft[];
}

export const newCondition: Record<ConditionDraft['kind'], () => ConditionDraft> = {
  trait: () => ({ kind: 'trait', trait: '', op: 'eq', value: '' }),
  event: () => ({ kind: 'event', event: '', eventType: 'track', op: 'gte', count: '1', withinDays: '' }),
  identifier: () => ({ kind: 'identifier', identifier: 'email', present: true }),
  segment: () => ({ kind: 'segment', segmentId: '', member: true }),
};

/** A typed value as the rule compares it: numbers as numbers, true/false as booleans, the rest as text. */
export function scalarOf(text: string): string | number | boolean {
  const trimmed = text.trim();
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  if (trimmed !== '' && Number.isFinite(Number(trimmed))) return Number(trimmed);
  return text;
}

function conditionOf(draft: ConditionDraft): Condition {
  switch (draft.kind) {
    case 'trait':
      if (draft.op === 'exists' || draft.op === 'not_exists') return { trait: draft.trait.trim(), op: draft.op };
      if (draft.op === 'in') return { trait: draft.trait.trim(), op: 'in', value: draft.value.split(',').map((part) => scalarOf(part.trim())).filter((part) => part !== '') };
      return { trait: draft.trait.trim(), op: draft.op, value: scalarOf(draft.value) } as Condition;
    case 'event': {
      const days = draft.withinDays.trim() === '' ? undefined : Number(draft.withinDays);
      return {
        ...(draft.eventType === 'track' ? { event: draft.event.trim() } : { type: draft.eventType }),
        count: { op: draft.op, value: Number(draft.count) },
        ...(days !== undefined && { within: { days } }),
      };
    }
    case 'identifier':
      return { identifier: draft.identifier, present: draft.present };
    case 'segment':
      return { segment: draft.segmentId, member: draft.member };
  }
}

/** The rule, or the first problem naming the condition ("condition 2: …"). */
export function toRule(draft: RuleDraft): { rule: SegmentRule } | { problem: string } {
  if (draft.conditions.length === 0) return { problem: 'Add at least one condition.' };
  const conditions = draft.conditions.map(conditionOf);
  const rule = { version: SEGMENT_RULE_VERSION, match: conditions.length === 1 ? conditions[0]! : draft.match === 'all' ? { all: conditions } : { any: conditions } };
  const parsed = segmentRuleSchema.safeParse(rule);
  if (parsed.success) return { rule: parsed.data };
  const issue = parsed.error.issues[0]!;
  // match.all.1.value → condition 2: value …
  const path = issue.path.map(String);
  const index = conditions.length === 1 ? 0 : Number(path[2]);
  const field = (conditions.length === 1 ? path.slice(1) : path.slice(3)).join('.');
  return { problem: `Condition ${index + 1}: ${field ? `${field} ` : ''}${issue.message}` };
}
