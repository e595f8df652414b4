import { sql, type Kysely, type RawBuilder, type SqlBool, type Transaction } from 'kysely';
import { eventCountOf, parseStoredSegmentRule, segmentReferences, type Condition, type EventCondition, type SegmentRule, type TraitCondition } from '../../../src/shared/audience/segment-rule';
import type { HubSchema } from './schema';

/**
 * Segments compiled to SQL: a rule becomes one boolean expression over a
 * profile `p`, each condition an EXISTS on an indexed table or a test of
 * `p.traits`, so PostgreSQL evaluates a segment as one set-based query.
 * Consent for the segment's purpose is ANDed around the whole rule, outside
 * anything the rule says, and every inlined segment brings its own.
 */
type Db = Kysely<HubSchema>;

/** A rule that cannot be evaluated (unknown segment, a cycle, too large once inlined), with where in the rule. */
export class SegmentRuleError extends Error {
  override name = 'SegmentRuleError';
  constructor(
    /** Where in the rule, e.g. `match.all.1.segment`. */
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** A segment ready to compile: its purpose and its rule with every `{ segment }` replaced by that segment. */
export interface ResolvedSegment {
  purpose: string;
  match: ResolvedCondition;
}
type Leaf = Exclude<Condition, { all: unknown } | { any: unknown } | { not: unknown } | { segment: unknown }>;
export type ResolvedCondition = Leaf | { all: ResolvedCondition[] } | { any: ResolvedCondition[] } | { not: ResolvedCondition } | { segment: string; member: boolean; resolved: ResolvedSegment };

/** Conditions in a rule once the segments it names are inlined, counted over every copy. */
export const maxInlinedConditions = 1_000;
/** Distinct segments one rule may reach through references. */
const maxReferencedSegments = 50;

interface StoredSegment {
  id: string;
  name: string;
  purpose: string;
  rule: SegmentRule;
}

/**
 * Loads the segments a rule names (and the ones those name), and inlines them.
 * Another workspace's segment, a deleted one, or a cycle back to `segment.id`
 * is a SegmentRuleError naming the place in the rule.
 */
export async function resolveSegment(db: Db, options: { workspaceId: string; segment: { id?: string; purpose: string; rule: SegmentRule } }): Promise<ResolvedSegment> {
  const { workspaceId, segment } = options;
  const known = new Map<string, StoredSegment | null>();
  let wanted = segmentReferences(segment.rule).map((r) => r.segmentId);
  while (wanted.length > 0) {
    const ids = [...new Set(wanted)].filter((id) => !known.has(id) && id !== segment.id);
    if (ids.length === 0) break;
    if (known.size + ids.length > maxReferencedSegments) throw new SegmentRuleError('match', `a rule may reach at most ${maxReferencedSegments} other segments through { segment } conditions`);
    const rows = await db.selectFrom('segments').select(['id', 'name', 'purpose', 'rule']).where('workspace_id', '=', workspaceId).where('id', 'in', ids).where('deleted_at', 'is', null).execute();
    for (const id of ids) known.set(id, null);
    for (const row of rows) known.set(row.id, { id: row.id, name: row.name, purpose: row.purpose, rule: parseStoredSegmentRule(row.rule) });
    wanted = rows.flatMap((row) => segmentReferences(known.get(row.id)!.rule).map((r) => r.segmentId));
  }

  let inlined = 0;
  const describe = (s: StoredSegment) => `"${s.name}" (${s.id})`;
  const inline = (condition: Condition, chain: StoredSegment[], rootPath: string, path: string): ResolvedCondition => {
    // Errors inside an inlined segment are reported at the root rule's reference that led there.
    const where = chain.length === 0 ? path : rootPath;
    if (++inlined > maxInlinedConditions) throw new SegmentRuleError(where, `with the segments it refers to, this rule has more than ${maxInlinedConditions} conditions`);
    if ('all' in condition) return { all: condition.all.map((c, i) => inline(c, chain, rootPath, `${path}.all.${i}`)) };
    if ('any' in condition) return { any: condition.any.map((c, i) => inline(c, chain, rootPath, `${path}.any.${i}`)) };
    if ('not' in condition) return { not: inline(condition.not, chain, rootPath, `${path}.not`) };
    if (!('segment' in condition)) return condition;
    const via = chain.length === 0 ? '' : `segment ${chain.map(describe).join(' → ')} refers to `;
    const target = known.get(condition.segment);
    const cycle = condition.segment === segment.id || chain.some((s) => s.id === condition.segment);
    if (cycle) throw new SegmentRuleError(`${where}.segment`, `${via}segment ${condition.segment}, which leads back to itself: a segment cannot contain itself`);
    // The id is not repeated for the caller's own rule: it may be another workspace's, and is theirs to keep.
    if (!target) throw new SegmentRuleError(`${where}.segment`, chain.length === 0 ? 'no segment with this id in this workspace' : `${via}segment ${condition.segment}, which no longer exists`);
    const nextRoot = chain.length === 0 ? path : rootPath;
    return { segment: target.id, member: condition.member, resolved: { purpose: target.purpose, match: inline(target.rule.match, [...chain, target], nextRoot, 'match') } };
  };
  return { purpose: segment.purpose, match: inline(segment.rule.match, [], 'match', 'match') };
}

export interface EvaluationContext {
  workspaceId: string;
  /** "Within the last n days" counts back from here. */
  now: Date;
}

/** The whole membership test for profile `p`: consent for the purpose AND the rule, in that outermost AND. */
export function segmentMembership(segment: ResolvedSegment, context: EvaluationContext): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${consentGranted(segment.purpose, context)} and ${compile(segment.match, false, context)})`;
}

/** The profile ids of a segment's members: live customers (not merged away, not erased) who match. */
export function segmentMembersQuery(db: Db, segment: ResolvedSegment, context: EvaluationContext) {
  return db
    .selectFrom('profiles as p')
    .select('p.id')
    .where('p.workspace_id', '=', context.workspaceId)
    .where('p.merged_into', 'is', null)
    .where('p.erased_at', 'is', null)
    .where(segmentMembership(segment, context));
}

/** How many customers the segment holds now (the preview). */
export async function countSegmentMembers(db: Db, segment: ResolvedSegment, context: EvaluationContext): Promise<number> {
  const row = await segmentMembersQuery(db, segment, context)
    .clearSelect()
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Members now, a page at a time in id order; `after` is the last id of the page before. */
export async function listSegmentMembers(db: Db, segment: ResolvedSegment, context: EvaluationContext & { after?: string; limit: number }): Promise<string[]> {
  let query = segmentMembersQuery(db, segment, context).orderBy('p.id').limit(context.limit);
  if (context.after !== undefined) query = query.where('p.id', '>', context.after);
  return (await query.execute()).map((row) => row.id);
}

export interface SnapshotResult {
  version: number;
  memberCount: number;
  computedAt: Date;
  /** False when the membership was the same as the current version's, which was kept. */
  changed: boolean;
}

/** Versions of a segment's membership kept; older ones are removed when a new one is written. */
export const keptSnapshotVersions = 5;

/**
 * Evaluates a saved segment and, only when its membership differs from the
 * current version's (by a digest of the sorted member ids), writes the next
 * version with its members. Evaluating, comparing and writing the members is
 * one statement, so the version holds exactly the members its digest
 * describes; the segment row is locked so two snapshots take turns.
 * Returns null when the workspace has no such segment.
 */
export async function snapshotSegmentIn(tx: Transaction<HubSchema>, options: EvaluationContext & { segmentId: string; keep?: number }): Promise<SnapshotResult | null> {
  const { workspaceId, segmentId, now } = options;
  const row = await tx.selectFrom('segments').select(['id', 'purpose', 'rule']).where('workspace_id', '=', workspaceId).where('id', '=', segmentId).where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
  if (!row) return null;
  const resolved = await resolveSegment(tx, { workspaceId, segment: { id: row.id, purpose: row.purpose, rule: parseStoredSegmentRule(row.rule) } });
  const current = await tx.selectFrom('segment_snapshots').selectAll().where('workspace_id', '=', workspaceId).where('segment_id', '=', segmentId).orderBy('version', 'desc').limit(1).executeTakeFirst();
  const version = (current?.version ?? 0) + 1;
  const members = segmentMembersQuery(tx, resolved, options);
  const { rows } = await sql<{ member_count: number; digest: string }>`
    with members as materialized (${members}),
    summary as (
      select count(*)::int as member_count,
        encode(sha256(convert_to(coalesce(string_agg(id, E'\\n' order by id collate "C"), ''), 'UTF8')), 'hex') as digest
      from members
    ),
    written as (
      insert into segment_members (workspace_id, segment_id, version, profile_id)
      select ${workspaceId}, ${segmentId}, ${version}::int, id from members
      where (select digest from summary) is distinct from ${current?.members_digest ?? null}::text
    )
    select member_count, digest from summary`.execute(tx);
  const { member_count: memberCount, digest } = rows[0]!;
  if (current && current.members_digest === digest) return { version: current.version, memberCount: current.member_count, computedAt: current.computed_at, changed: false };
  await tx.insertInto('segment_snapshots').values({ workspace_id: workspaceId, segment_id: segmentId, version, member_count: memberCount, members_digest: digest, computed_at: now }).execute();
  const oldest = version - (options.keep ?? keptSnapshotVersions);
  if (oldest >= 1) {
    await tx.deleteFrom('segment_members').where('workspace_id', '=', workspaceId).where('segment_id', '=', segmentId).where('version', '<=', oldest).execute();
    await tx.deleteFrom('segment_snapshots').where('workspace_id', '=', workspaceId).where('segment_id', '=', segmentId).where('version', '<=', oldest).execute();
  }
  return { version, memberCount, computedAt: now, changed: true };
}

/** `snapshotSegmentIn` in its own transaction. */
export function snapshotSegment(db: Db, options: EvaluationContext & { segmentId: string; keep?: number }): Promise<SnapshotResult | null> {
  return db.transaction().execute((tx) => snapshotSegmentIn(tx, options));
}

// Compiling conditions. Every expression is two-valued (never NULL), so NOT means "does not match".

function compile(condition: ResolvedCondition, negated: boolean, context: EvaluationContext): RawBuilder<SqlBool> {
  // Negation is pushed down to the conditions (De Morgan), so NOT EXISTS stays next to its EXISTS and plans as an anti-join.
  if ('all' in condition) return join(condition.all.map((c) => compile(c, negated, context)), negated ? 'or' : 'and');
  if ('any' in condition) return join(condition.any.map((c) => compile(c, negated, context)), negated ? 'and' : 'or');
  if ('not' in condition) return compile(condition.not, !negated, context);
  if ('segment' in condition) {
    const inside = sql<SqlBool>`(${consentGranted(condition.resolved.purpose, context)} and ${compile(condition.resolved.match, false, context)})`;
    return condition.member !== negated ? inside : sql<SqlBool>`not ${inside}`;
  }
  if ('identifier' in condition) {
    const exists = sql<SqlBool>`exists (select 1 from identities i where i.workspace_id = ${context.workspaceId} and i.profile_id = p.id and i.kind = ${sql.lit(condition.identifier)})`;
    return condition.present !== negated ? exists : sql<SqlBool>`not ${exists}`;
  }
  const leaf = 'trait' in condition ? traitTest(condition) : eventTest(condition, context);
  return negated ? sql<SqlBool>`not ${leaf}` : leaf;
}

function join(parts: RawBuilder<SqlBool>[], operator: 'and' | 'or'): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.join(parts, operator === 'and' ? sql` and ` : sql` or `)})`;
}

function consentGranted(purpose: string, context: EvaluationContext): RawBuilder<SqlBool> {
  return sql<SqlBool>`exists (select 1 from consents c where c.workspace_id = ${context.workspaceId} and c.profile_id = p.id and c.purpose = ${purpose} and c.status = 'granted')`;
}

/** A trait test; the trait's name and value are always bound parameters. */
function traitTest(condition: TraitCondition): RawBuilder<SqlBool> {
  const trait = sql`p.traits -> ${condition.trait}::text`;
  const text = sql`p.traits ->> ${condition.trait}::text`;
  const present = sql<SqlBool>`coalesce(jsonb_typeof(${trait}) <> 'null', false)`;
  switch (condition.op) {
    case 'eq':
      // Containment of { trait: value } is equality for a scalar value, and the GIN index on traits serves it.
      return sql<SqlBool>`(p.traits @> ${JSON.stringify({ [condition.trait]: condition.value })}::jsonb)`;
    case 'neq':
      return sql<SqlBool>`(${present} and not (p.traits @> ${JSON.stringify({ [condition.trait]: condition.value })}::jsonb))`;
    case 'in':
      return sql<SqlBool>`(case when jsonb_typeof(${trait}) in ('string', 'number', 'boolean') then jsonb_build_array(${trait}) <@ ${JSON.stringify(condition.value)}::jsonb else false end)`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const operator = sql.raw({ gt: '>', gte: '>=', lt: '<', lte: '<=' }[condition.op]);
      // CASE, not AND: PostgreSQL does not promise to test the type before casting.
      return typeof condition.value === 'number'
        ? sql<SqlBool>`(case when jsonb_typeof(${trait}) = 'number' then (${trait})::numeric ${operator} ${condition.value}::numeric else false end)`
        : sql<SqlBool>`(case when jsonb_typeof(${trait}) = 'string' then (${text}) collate "C" ${operator} ${condition.value}::text else false end)`;
    }
    case 'contains': {
      const element = sql`(${trait}) @> ${JSON.stringify([condition.value])}::jsonb`;
      return typeof condition.value === 'string'
        ? sql<SqlBool>`(case jsonb_typeof(${trait}) when 'string' then strpos(${text}, ${condition.value}::text) > 0 when 'array' then ${element} else false end)`
        : sql<SqlBool>`(case when jsonb_typeof(${trait}) = 'array' then ${element} else false end)`;
    }
    case 'exists':
      return present;
    case 'not_exists':
      return sql<SqlBool>`not ${present}`;
  }
}

/** An event count, as "at least n" tests (each one EXISTS) combined. */
function eventTest(condition: EventCondition, context: EvaluationContext): RawBuilder<SqlBool> {
  const { op, value } = eventCountOf(condition);
  const atLeast = (n: number): RawBuilder<SqlBool> => (n <= 0 ? sql<SqlBool>`true` : eventsAtLeast(condition, n, context));
  const exactly = (n: number) => sql<SqlBool>`(${atLeast(n)} and not ${atLeast(n + 1)})`;
  switch (op) {
    case 'gte':
      return atLeast(value);
    case 'gt':
      return atLeast(value + 1);
    case 'lte':
      return sql<SqlBool>`not ${atLeast(value + 1)}`;
    case 'lt':
      return value <= 0 ? sql<SqlBool>`false` : sql<SqlBool>`not ${atLeast(value)}`;
    case 'eq':
      return exactly(value);
    case 'neq':
      return sql<SqlBool>`not ${exactly(value)}`;
  }
}

function eventsAtLeast(condition: EventCondition, n: number, context: EvaluationContext): RawBuilder<SqlBool> {
  const type = condition.type ?? 'track';
  const filters = [sql`e.workspace_id = ${context.workspaceId}`, type === 'track' ? sql`e.name = ${condition.event ?? ''} and e.type = 'track'` : sql`e.type = ${sql.lit(type)}`];
  if (condition.within) filters.push(sql`e.occurred_at >= ${new Date(context.now.getTime() - condition.within.days * 86_400_000)}`);
  const where = sql.join(filters, sql` and `);
  if (n === 1) return sql<SqlBool>`exists (select 1 from events e where ${where} and e.profile_id = p.id)`;
  // Counted once for everyone (one grouped scan), then joined, rather than counted per profile.
  return sql<SqlBool>`exists (select 1 from (select e.profile_id from events e where ${where} group by e.profile_id having count(*) >= ${n}::int) counted where counted.profile_id = p.id)`;
}
