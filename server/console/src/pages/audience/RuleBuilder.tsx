import { countOps, identifierKinds, newCondition, traitOps, type ConditionDraft, type RuleDraft } from './rule-draft';

const opLabels: Record<string, string> = { eq: 'is', neq: 'is not', in: 'is one of', gt: '>', gte: '≥', lt: '<', lte: '≤', contains: 'contains', exists: 'is set', not_exists: 'is not set' };

/** Edits a rule as a list of conditions; every control is a labelled form field, usable with the keyboard. */
/** `segments`: the saved segments a condition can name (member of, or not). */
export function RuleBuilder({ draft, onChange, segments }: { draft: RuleDraft; onChange: (draft: RuleDraft) => void; segments: { id: string; name: string }[] }) {
  const update = (index: number, condition: ConditionDraft) => onChange({ ...draft, conditions: draft.conditions.map((c, i) => (i === index ? condition : c)) });
  const remove = (index: number) => onChange({ ...draft, conditions: draft.conditions.filter((_, i) => i !== index) });
  const add = (kind: ConditionDraft['kind']) => onChange({ ...draft, conditions: [...draft.conditions, newCondition[kind]()] });
  return (
    <fieldset className="rule-group" aria-label="Rule">
      <legend className="muted">Rule</legend>
      <label className="rule-row">
        Customers who match
        <select aria-label="Match" value={draft.match} onChange={(event) => onChange({ ...draft, match: event.target.value as 'all' | 'any' })}>
          <option value="all">all</option>
          <option value="any">any</option>
        </select>
        of these conditions:
      </label>
      {draft.conditions.map((condition, index) => (
        <div key={index} className="rule-row" role="group" aria-label={`Condition ${index + 1}`}>
          <ConditionFields condition={condition} index={index} segments={segments} onChange={(changed) => update(index, changed)} />
          <button type="button" className="button small" onClick={() => remove(index)} aria-label={`Remove condition ${index + 1}`}>
            Remove
          </button>
        </div>
      ))}
      <div className="rule-row">
        <button type="button" className="button small" onClick={() => add('trait')}>
          Add trait condition
        </button>
        <button type="button" className="button small" onClick={() => add('event')}>
          Add event condition
        </button>
        <button type="button" className="button small" onClick={() => add('identifier')}>
          Add identifier condition
        </button>
        {segments.length > 0 && (
          <button type="button" className="button small" onClick={() => add('segment')}>
            Add segment condition
          </button>
        )}
      </div>
    </fieldset>
  );
}

function ConditionFields({ condition, index, segments, onChange }: { condition: ConditionDraft; index: number; segments: { id: string; name: string }[]; onChange: (condition: ConditionDraft) => void }) {
  const n = index + 1;
  switch (condition.kind) {
    case 'trait':
      return (
        <>
          <input aria-label={`Trait of condition ${n}`} placeholder="trait, e.g. plan" value={condition.trait} onChange={(event) => onChange({ ...condition, trait: event.target.value })} />
          <select aria-label={`Comparison of condition ${n}`} value={condition.op} onChange={(event) => onChange({ ...condition, op: event.target.value as typeof condition.op })}>
            {traitOps.map((op) => (
              <option key={op} value={op}>
                {opLabels[op]}
              </option>
            ))}
          </select>
          {condition.op !== 'exists' && condition.op !== 'not_exists' && (
            <input aria-label={`Value of condition ${n}`} placeholder={condition.op === 'in' ? 'values, comma-separated' : 'value'} value={condition.value} onChange={(event) => onChange({ ...condition, value: event.target.value })} />
          )}
        </>
      );
    case 'event':
      return (
        <>
          <select aria-label={`Event kind of condition ${n}`} value={condition.eventType} onChange={(event) => onChange({ ...condition, eventType: event.target.value as typeof condition.eventType })}>
            <option value="track">did the event</option>
            <option value="page">viewed pages</option>
            <option value="screen">viewed screens</option>
          </select>
          {condition.eventType === 'track' && <input aria-label={`Event of condition ${n}`} placeholder="event, e.g. Order Completed" value={condition.event} onChange={(event) => onChange({ ...condition, event: event.target.value })} />}
          <select aria-label={`Count comparison of condition ${n}`} value={condition.op} onChange={(event) => onChange({ ...condition, op: event.target.value as typeof condition.op })}>
            {countOps.map((op) => (
              <option key={op} value={op}>
                {opLabels[op] ?? op}
              </option>
            ))}
          </select>
          <input aria-label={`Times of condition ${n}`} type="number" min={0} value={condition.count} onChange={(event) => onChange({ ...condition, count: event.target.value })} />
          times, in the last
          <input aria-label={`Days of condition ${n}`} type="number" min={1} placeholder="any" value={condition.withinDays} onChange={(event) => onChange({ ...condition, withinDays: event.target.value })} />
          days
        </>
      );
    case 'identifier':
      return (
        <>
          <select aria-label={`Presence of condition ${n}`} value={String(condition.present)} onChange={(event) => onChange({ ...condition, present: event.target.value === 'true' })}>
            <option value="true">has</option>
            <option value="false">has no</option>
          </select>
          <select aria-label={`Identifier of condition ${n}`} value={condition.identifier} onChange={(event) => onChange({ ...condition, identifier: event.target.value as typeof condition.identifier })}>
            {identifierKinds.map((kind) => (
              <option key={kind}>{kind}</option>
            ))}
          </select>
        </>
      );
    case 'segment':
      return (
        <>
          <select aria-label={`Membership of condition ${n}`} value={String(condition.member)} onChange={(event) => onChange({ ...condition, member: event.target.value === 'true' })}>
            <option value="true">is in segment</option>
            <option value="false">is not in segment</option>
          </select>
          <select aria-label={`Segment of condition ${n}`} value={condition.segmentId} onChange={(event) => onChange({ ...condition, segmentId: event.target.value })}>
            <option value="">choose a segment</option>
            {segments.map((segment) => (
              <option key={segment.id} value={segment.id}>
                {segment.name}
              </option>
            ))}
          </select>
        </>
      );
  }
}
