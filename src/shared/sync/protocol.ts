import { z } from 'zod';
import { segmentRuleSchema } from '../audience/segment-rule';
import { canonicalJson } from '../audit/canonical-json';
import { outboxMutationSchema, type OutboxMutation, type SyncedRecordType } from './mutation';

/**
 * The sync protocol between Studio and the Hub (issue 9; decisions in the
 * design note): push outbox mutations, pull changes after a cursor, read
 * consent-filtered segments. Both sides parse with these schemas.
 *
 * Ordering (as Replicache's push): a device keeps ONE push in flight and,
 * after a failure or a lost answer, resends from its oldest unconfirmed
 * mutation. The Hub applies batches in arrival order and answers an id it
 * has seen with its first answer, so a late duplicate or a resent batch is
 * harmless; two different batches of one device in flight at once could
 * apply out of outbox order.
 *
 * Pull is state-based: a record appears once per page run, in its latest
 * state, at the place of its last change. A role that gains read access to a
 * record type sees the older records of that type on a pull from the start
 * (no cursor).
 */

export const maxPushBatch = 500;
/** The largest push body the Hub takes (413 above it): the engine ends a batch early rather than cross it. */
export const maxPushBytes = 8 * 1024 * 1024;
export const maxPullPage = 1_000;

/** Records that are stored on the Hub and pulled back; audit events are appended to the hash chain instead. */
export const storedRecordTypes = ['campaign', 'composition', 'persona', 'script', 'render'] as const satisfies readonly Exclude<SyncedRecordType, 'audit'>[];
export type StoredRecordType = (typeof storedRecordTypes)[number];
/** The outbox carries every record type: either stored on the Hub or an audit event. */
export const isStoredRecordType = (type: SyncedRecordType): type is StoredRecordType => type !== 'audit';

/** The permission a role needs to push a record type ('signed-in': anyone signed in). Permission names are the Hub's. */
export const writePermissionOf = {
  campaign: 'campaigns.write',
  composition: 'campaigns.write',
  persona: 'campaigns.write',
  script: 'campaigns.write',
  render: 'renders.sync',
  audit: 'signed-in',
} as const satisfies Record<SyncedRecordType, string>;

/** The permission a role needs to pull a record type; audit events are never pulled. */
export const readPermissionOf = {
  campaign: 'campaigns.read',
  composition: 'campaigns.read',
  persona: 'campaigns.read',
  script: 'campaigns.read',
  render: 'renders.sync',
} as const satisfies Record<StoredRecordType, string>;

// ---------------------------------------------------------------------------
// Push

/**
 * An audit event from Studio, sent as the `changes` of an 'audit' create:
 * what happened, to what, and a digest of the change. The Hub records the
 * action as `studio.<action>` (so a device can never write an event that
 * reads as the Hub's own), with the device id and the time on the device.
 */
export const deviceAuditEventSchema = z
  .object({
    action: z
      .string()
      .regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/, 'must be a dotted action name such as "render.exported"')
      .max(120),
    target: z.object({ kind: z.string().min(1).max(64), id: z.string().min(1).max(200) }).nullable().default(null),
    /** Digest of the change (never the personal data itself). */
    changeDigest: z.string().max(128).nullable().default(null),
  })
  .strict();
export type DeviceAuditEvent = z.infer<typeof deviceAuditEventSchema>;

export const pushRequestSchema = z
  .object({
    /** The Studio installation that made the changes; same-device edits never conflict with each other. */
    deviceId: z.uuid(),
    /** In outbox order: per record they are applied in this order. */
    mutations: z.array(outboxMutationSchema).min(1).max(maxPushBatch),
  })
  .superRefine((push, context) => {
    // An audit event is appended once and never changed: a create whose changes are the event.
    push.mutations.forEach((mutation, index) => {
      if (mutation.recordType !== 'audit') return;
      if (mutation.op !== 'create') context.addIssue({ code: 'custom', path: ['mutations', index, 'op'], message: "an audit event can only be created (op 'create')" });
      const event = deviceAuditEventSchema.safeParse(mutation.changes);
      for (const issue of event.error?.issues ?? []) context.addIssue({ code: 'custom', path: ['mutations', index, 'changes', ...issue.path.map(String)], message: issue.message });
    });
  });
export type PushRequest = z.infer<typeof pushRequestSchema>;

/** A value on the Hub that a mutation replaced without its device having seen it (same field changed on both sides). */
export const overwrittenSchema = z.object({
  field: z.string(),
  value: z.unknown(),
  /** The record version that value was written at. */
  version: z.number().int(),
  updatedBy: z.string(),
  updatedAt: z.iso.datetime(),
});
export type Overwritten = z.infer<typeof overwrittenSchema>;

export const hubRecordSchema = z.object({
  recordType: z.enum(storedRecordTypes),
  recordId: z.string(),
  version: z.number().int().min(1),
  /** The record's fields; empty for a deleted record (its last fields are in the Hub's history). */
  fields: z.record(z.string(), z.unknown()),
  deleted: z.boolean(),
  updatedAt: z.iso.datetime(),
  /** The user who made the last change. */
  updatedBy: z.string(),
  /** Position in the workspace's change order; pull cursors point between these. */
  changeSeq: z.number().int().min(1),
});
export type HubRecord = z.infer<typeof hubRecordSchema>;

export const conflictReasons = ['deleted', 'exists', 'forbidden'] as const;
export type ConflictReason = (typeof conflictReasons)[number];

export const pushResultSchema = z.discriminatedUnion('status', [
  z.object({ id: z.uuid(), status: z.literal('applied'), version: z.number().int().min(0), overwritten: z.array(overwrittenSchema) }),
  z.object({ id: z.uuid(), status: z.literal('conflict'), reason: z.enum(conflictReasons), current: hubRecordSchema.nullable() }),
]);
export type PushResult = z.infer<typeof pushResultSchema>;

export const pushResponseSchema = z.object({ results: z.array(pushResultSchema) });
export type PushResponse = z.infer<typeof pushResponseSchema>;

// ---------------------------------------------------------------------------
// Pull

const cursorPrefix = 's1.';

/** The opaque cursor after the change with this sequence number. */
export function encodeCursor(changeSeq: number): string {
  return `${cursorPrefix}${changeSeq.toString(36)}`;
}

/** The change sequence a cursor points after, or null when it is not a cursor this protocol handed out. */
export function decodeCursor(cursor: string): number | null {
  if (!cursor.startsWith(cursorPrefix)) return null;
  const digits = cursor.slice(cursorPrefix.length);
  if (!/^[0-9a-z]{1,11}$/.test(digits)) return null;
  const seq = parseInt(digits, 36);
  return Number.isSafeInteger(seq) ? seq : null;
}

export const pullQuerySchema = z.object({
  /** Absent: from the beginning. */
  cursor: z
    .string()
    .max(64)
    .refine((c) => decodeCursor(c) !== null, 'is not a cursor the Hub handed out; pull without a cursor to start over')
    .optional(),
  limit: z.coerce.number().int().min(1).max(maxPullPage).default(maxPullPage),
});
export type PullQuery = z.infer<typeof pullQuerySchema>;

export const pullResponseSchema = z.object({
  changes: z.array(hubRecordSchema),
  /** Pass it to the next pull; unchanged when there was nothing new. */
  cursor: z.string(),
  /** More changes wait after this page. */
  more: z.boolean(),
});
export type PullResponse = z.infer<typeof pullResponseSchema>;

/** Who last changed a field, kept by the Hub per field (FieldStamp). */
const fieldStampSchema = z.object({ version: z.number().int(), deviceId: z.string(), updatedBy: z.string(), updatedAt: z.iso.datetime() });

/** A record's losing values, so Studio can show what a same-field conflict or a delete replaced. */
export const recordHistoryResponseSchema = z.object({
  recordType: z.enum(storedRecordTypes),
  recordId: z.string(),
  history: z.array(
    z.object({
      /** The mutation whose change replaced these values. */
      mutationId: z.string(),
      recordedAt: z.iso.datetime(),
      entry: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('overwritten'), version: z.number().int(), field: z.string(), value: z.unknown(), stamp: fieldStampSchema }),
        z.object({ kind: z.literal('deleted'), version: z.number().int(), fields: z.record(z.string(), z.unknown()), stamps: z.record(z.string(), fieldStampSchema) }),
      ]),
    }),
  ),
});
export type RecordHistoryResponse = z.infer<typeof recordHistoryResponseSchema>;

// ---------------------------------------------------------------------------
// Segments for Studio

export const syncSegmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The consent purpose every member has granted. */
  purpose: z.string(),
  rule: segmentRuleSchema,
  /** Members in the current membership version, or null before the first snapshot. */
  memberCount: z.number().int().min(0).nullable(),
  /** Changes when the membership changes (a consent withdrawn, a rule changed); null before the first snapshot. */
  membershipVersion: z.number().int().min(1).nullable(),
  computedAt: z.iso.datetime().nullable(),
  updatedAt: z.iso.datetime(),
});
export type SyncSegment = z.infer<typeof syncSegmentSchema>;

export const segmentsQuerySchema = z.object({
  /** Comma-separated segment ids; absent: all the workspace's segments. */
  ids: z
    .string()
    .max(20_000)
    .transform((s) => s.split(',').map((id) => id.trim()).filter((id) => id.length > 0))
    .pipe(z.array(z.string().min(1).max(128)).min(1, 'give at least one segment id').max(500))
    .optional(),
});

export const segmentsResponseSchema = z.object({ segments: z.array(syncSegmentSchema) });
export type SegmentsResponse = z.infer<typeof segmentsResponseSchema>;

export const segmentMembersQuerySchema = z.object({
  /** A membership version; absent: the current one. */
  version: z.coerce.number().int().positive().optional(),
  cursor: z.string().min(1).max(128).optional().describe('The nextCursor of the page before'),
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
});

export const segmentMembersResponseSchema = z.object({
  segmentId: z.string(),
  version: z.number().int(),
  memberCount: z.number().int(),
  computedAt: z.iso.datetime(),
  /** Profile ids, each with granted consent for the segment's purpose at the time of the request. */
  members: z.array(z.string()),
  nextCursor: z.string().nullable(),
});
export type SegmentMembersResponse = z.infer<typeof segmentMembersResponseSchema>;

// ---------------------------------------------------------------------------
// The merge rule

/** Who last changed a field, kept by the Hub per field. */
export interface FieldStamp {
  version: number;
  deviceId: string;
  updatedBy: string;
  updatedAt: string;
}

/** A record as the Hub keeps it: the pulled shape plus the per-field stamps the merge rule reads. */
export interface StoredRecord {
  recordType: StoredRecordType;
  recordId: string;
  version: number;
  fields: Record<string, unknown>;
  stamps: Record<string, FieldStamp>;
  deleted: boolean;
  /** The device that created the record: its repeated create is an update, anyone else's is an 'exists' conflict. */
  createdDevice: string;
  updatedAt: string;
  updatedBy: string;
}

/** A losing value kept in the record's history: an overwritten field, or the fields a delete removed. */
export type HistoryEntry =
  | { kind: 'overwritten'; version: number; field: string; value: unknown; stamp: FieldStamp }
  | { kind: 'deleted'; version: number; fields: Record<string, unknown>; stamps: Record<string, FieldStamp> };

export type MergeOutcome =
  | { status: 'applied'; record: StoredRecord; overwritten: Overwritten[]; history: HistoryEntry[]; changed: boolean }
  | { status: 'conflict'; reason: 'deleted' | 'exists' };

export interface MergeInput {
  /** The record on the Hub, or undefined when the Hub has none with this id. */
  current: StoredRecord | undefined;
  mutation: OutboxMutation & { recordType: StoredRecordType };
  deviceId: string;
  /** The signed-in user pushing. */
  userId: string;
  /** Hub time of the push (ISO). */
  now: string;
}

/**
 * Applies one mutation to the Hub's copy of a record. The rule, as in
 * field-level last-writer-wins sync (CouchDB-style history, Figma/Linear-style
 * per-field merge):
 *
 * - Different fields merge: an update writes only the fields in `changes`.
 * - Same field changed on the Hub after `baseRev` by ANOTHER device: the
 *   incoming value wins (last writer by Hub time); the value it replaced goes
 *   to history and is reported in `overwritten`. Equal values are not a
 *   conflict. Changes since `baseRev` by the SAME device are its own earlier
 *   pushes, never conflicts.
 * - Every applied change bumps the record version by one; a change that
 *   writes nothing new (equal values, repeated delete) keeps the version and
 *   reports `changed: false`.
 * - Delete makes a tombstone: fields cleared, their last values in history.
 *   A delete wins over concurrent field changes (they are reported as
 *   overwritten). Deleting a deleted record is a no-op; deleting a record the
 *   Hub never had leaves a tombstone so that no later create revives the id.
 * - Update or create of a deleted record: 'deleted' conflict (nothing applied).
 * - Create of an id the Hub holds with another type, or created by another
 *   device: 'exists' conflict. A repeated create from the creating device is
 *   an update made on version 0.
 * - Update of a record the Hub does not have (its create never arrived, e.g.
 *   an outbox restored from a backup) creates it: nothing the user wrote is
 *   dropped.
 */
export function mergeMutation(input: MergeInput): MergeOutcome {
  const { current, mutation, deviceId, userId, now } = input;
  const stamp = (version: number): FieldStamp => ({ version, deviceId, updatedBy: userId, updatedAt: now });

  if (!current) {
    const version = 1;
    const fields = mutation.op === 'delete' ? {} : { ...mutation.changes };
    const stamps = Object.fromEntries(Object.keys(fields).map((f) => [f, stamp(version)]));
    const record: StoredRecord = { recordType: mutation.recordType, recordId: mutation.recordId, version, fields, stamps, deleted: mutation.op === 'delete', createdDevice: deviceId, updatedAt: now, updatedBy: userId };
    return { status: 'applied', record, overwritten: [], history: [], changed: true };
  }

  if (current.recordType !== mutation.recordType) return { status: 'conflict', reason: 'exists' };
  if (current.deleted) {
    if (mutation.op === 'delete') return { status: 'applied', record: current, overwritten: [], history: [], changed: false };
    return { status: 'conflict', reason: 'deleted' };
  }
  if (mutation.op === 'create' && current.createdDevice !== deviceId) return { status: 'conflict', reason: 'exists' };

  const baseRev = mutation.op === 'create' ? 0 : mutation.baseRev;
  const unseenByDevice = (field: string): FieldStamp | undefined => {
    const s = current.stamps[field];
    return s && s.version > baseRev && s.deviceId !== deviceId ? s : undefined;
  };
  const version = current.version + 1;

  if (mutation.op === 'delete') {
    const overwritten = Object.keys(current.fields).flatMap((field) => {
      const s = unseenByDevice(field);
      return s ? [overwrittenOf(field, current.fields[field], s)] : [];
    });
    const history: HistoryEntry[] = [{ kind: 'deleted', version: current.version, fields: current.fields, stamps: current.stamps }];
    const record: StoredRecord = { ...current, version, fields: {}, stamps: {}, deleted: true, updatedAt: now, updatedBy: userId };
    return { status: 'applied', record, overwritten, history, changed: true };
  }

  const fields = { ...current.fields };
  const stamps = { ...current.stamps };
  const overwritten: Overwritten[] = [];
  const history: HistoryEntry[] = [];
  for (const [field, value] of Object.entries(mutation.changes)) {
    if (field in current.fields && sameValue(current.fields[field], value)) continue;
    const lost = unseenByDevice(field);
    if (lost) {
      overwritten.push(overwrittenOf(field, current.fields[field], lost));
      history.push({ kind: 'overwritten', version: current.version, field, value: current.fields[field], stamp: lost });
    }
    fields[field] = value;
    stamps[field] = stamp(version);
  }
  const changed = Object.keys(stamps).some((f) => stamps[f] !== current.stamps[f]);
  if (!changed) return { status: 'applied', record: current, overwritten: [], history: [], changed: false };
  return { status: 'applied', record: { ...current, version, fields, stamps, updatedAt: now, updatedBy: userId }, overwritten, history, changed: true };
}

function overwrittenOf(field: string, value: unknown, stamp: FieldStamp): Overwritten {
  return { field, value: value ?? null, version: stamp.version, updatedBy: stamp.updatedBy, updatedAt: stamp.updatedAt };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
}

/** The pulled shape of a stored record. */
export function hubRecordOf(record: StoredRecord, changeSeq: number): HubRecord {
  return { recordType: record.recordType, recordId: record.recordId, version: record.version, fields: record.fields, deleted: record.deleted, updatedAt: record.updatedAt, updatedBy: record.updatedBy, changeSeq };
}
