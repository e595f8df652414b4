import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutboxMutation } from './mutation';
import { decodeCursor, encodeCursor, mergeMutation, pullQuerySchema, pushRequestSchema, pushResultSchema, segmentsQuerySchema, type MergeInput, type StoredRecord, type StoredRecordType } from './protocol';

const laptop = '00000000-0000-4000-8000-00000000000a';
const desktop = '00000000-0000-4000-8000-00000000000b';
let nextId = 0;

function mutation(op: OutboxMutation['op'], changes: Record<string, unknown>, baseRev: number, recordType: StoredRecordType = 'campaign'): MergeInput['mutation'] {
  nextId += 1;
  return { id: `00000000-0000-4000-8000-${String(nextId).padStart(12, '0')}`, recordType, recordId: 'c1', op, baseRev, changes, deviceTime: '2026-11-24T10:00:00.000Z' };
}

/** Applies mutations one after another like the Hub does, returning the last outcome and the record. */
function apply(current: StoredRecord | undefined, mutationOf: MergeInput['mutation'], deviceId: string, userId = 'u-' + deviceId.slice(-1)) {
  const outcome = mergeMutation({ current, mutation: mutationOf, deviceId, userId, now: `2026-11-24T10:00:${String(nextId % 60).padStart(2, '0')}.000Z` });
  return { outcome, record: outcome.status === 'applied' ? outcome.record : current };
}

function created(fields: Record<string, unknown> = { name: 'Spring', budget: 100 }, deviceId = laptop): StoredRecord {
  const { record } = apply(undefined, mutation('create', fields, 0), deviceId);
  return record!;
}

describe('mergeMutation', () => {
  it('creates a record at version 1 with every field stamped by the device', () => {
    const record = created();
    expect(record).toMatchObject({ version: 1, fields: { name: 'Spring', budget: 100 }, deleted: false, createdDevice: laptop });
    expect(record.stamps.name).toMatchObject({ version: 1, deviceId: laptop });
  });

  it('merges changes to different fields from two devices without a conflict', () => {
    const base = created();
    const a = apply(base, mutation('update', { name: 'Summer' }, 1), laptop);
    const b = apply(a.record, mutation('update', { budget: 200 }, 1), desktop);
    expect(b.outcome).toMatchObject({ status: 'applied', overwritten: [], history: [] });
    expect(b.record).toMatchObject({ version: 3, fields: { name: 'Summer', budget: 200 } });
  });

  it('same field changed on both sides: the later push wins, the loser is in overwritten and history', () => {
    const base = created();
    const a = apply(base, mutation('update', { name: 'Summer' }, 1), laptop);
    const b = apply(a.record, mutation('update', { name: 'Autumn' }, 1), desktop);
    expect(b.record!.fields.name).toBe('Autumn');
    expect(b.outcome).toMatchObject({ status: 'applied', overwritten: [{ field: 'name', value: 'Summer', version: 2, updatedBy: 'u-a' }] });
    expect(b.outcome.status === 'applied' && b.outcome.history).toEqual([{ kind: 'overwritten', version: 2, field: 'name', value: 'Summer', stamp: expect.objectContaining({ deviceId: laptop, version: 2 }) }]);
  });

  it("a device's successive pushes on an old base are not conflicts with themselves", () => {
    const base = created();
    const a = apply(base, mutation('update', { name: 'Summer' }, 1), laptop);
    // The laptop has not pulled version 2 yet and edits the same field again.
    const b = apply(a.record, mutation('update', { name: 'Winter' }, 1), laptop);
    expect(b.outcome).toMatchObject({ status: 'applied', overwritten: [], history: [] });
    expect(b.record).toMatchObject({ version: 3, fields: { name: 'Winter' } });
  });

  it('a change the device has seen (version <= baseRev) is not a conflict', () => {
    const base = created();
    const a = apply(base, mutation('update', { name: 'Summer' }, 1), desktop);
    const b = apply(a.record, mutation('update', { name: 'Autumn' }, 2), laptop);
    expect(b.outcome).toMatchObject({ status: 'applied', overwritten: [] });
  });

  it('writing the value the Hub already has is neither a conflict nor a new version', () => {
    const base = created();
    const a = apply(base, mutation('update', { name: 'Summer' }, 1), desktop);
    const b = apply(a.record, mutation('update', { name: 'Summer' }, 1), laptop);
    expect(b.outcome).toMatchObject({ status: 'applied', overwritten: [], changed: false });
    expect(b.record!.version).toBe(2);
  });

  it('compares structured values by content', () => {
    const base = created({ tags: ['a', 'b'], meta: { x: 1, y: 2 } });
    const b = apply(base, mutation('update', { tags: ['a', 'b'], meta: { y: 2, x: 1 } }, 1), desktop);
    expect(b.outcome).toMatchObject({ changed: false });
  });

  it('delete makes a tombstone and keeps the fields in history', () => {
    const base = created();
    const d = apply(base, mutation('delete', {}, 1), laptop);
    expect(d.record).toMatchObject({ version: 2, deleted: true, fields: {} });
    expect(d.outcome).toMatchObject({ status: 'applied', overwritten: [], history: [{ kind: 'deleted', version: 1, fields: { name: 'Spring', budget: 100 } }] });
  });

  it("a delete over another device's unseen change reports it as overwritten", () => {
    const base = created();
    const a = apply(base, mutation('update', { budget: 300 }, 1), desktop);
    const d = apply(a.record, mutation('delete', {}, 1), laptop);
    expect(d.outcome).toMatchObject({ status: 'applied', overwritten: [{ field: 'budget', value: 300, version: 2 }] });
  });

  it('update or create after a delete is a deleted conflict; a repeated delete is a no-op', () => {
    const d = apply(created(), mutation('delete', {}, 1), laptop).record;
    expect(apply(d, mutation('update', { name: 'x' }, 1), desktop).outcome).toEqual({ status: 'conflict', reason: 'deleted' });
    expect(apply(d, mutation('create', { name: 'x' }, 0), laptop).outcome).toEqual({ status: 'conflict', reason: 'deleted' });
    expect(apply(d, mutation('delete', {}, 1), desktop).outcome).toMatchObject({ status: 'applied', changed: false, record: { version: 2 } });
  });

  it('create of an existing id: another type or another device is an exists conflict; the same device updates', () => {
    const base = created();
    expect(apply(base, mutation('create', { name: 'x' }, 0, 'persona'), laptop).outcome).toEqual({ status: 'conflict', reason: 'exists' });
    expect(apply(base, mutation('update', { name: 'x' }, 1, 'persona'), laptop).outcome).toEqual({ status: 'conflict', reason: 'exists' });
    expect(apply(base, mutation('create', { name: 'x' }, 0), desktop).outcome).toEqual({ status: 'conflict', reason: 'exists' });
    const again = apply(base, mutation('create', { name: 'Spring', budget: 150 }, 0), laptop);
    expect(again.outcome).toMatchObject({ status: 'applied', overwritten: [] });
    expect(again.record).toMatchObject({ version: 2, fields: { name: 'Spring', budget: 150 } });
  });

  it('an update the Hub has no record for creates it; a delete of an unknown id leaves a tombstone', () => {
    expect(apply(undefined, mutation('update', { name: 'x' }, 3), laptop).record).toMatchObject({ version: 1, fields: { name: 'x' }, deleted: false });
    expect(apply(undefined, mutation('delete', {}, 3), laptop).record).toMatchObject({ version: 1, fields: {}, deleted: true });
  });

  it('property: every field ends with the value of the last push that changed it, and every lost value is reported once', () => {
    const edit = fc.record({ device: fc.constantFrom(laptop, desktop), field: fc.constantFrom('a', 'b', 'c'), value: fc.integer({ min: 0, max: 3 }), stale: fc.boolean() });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 30 }), (edits) => {
        let record = created({ a: 0 });
        const seen: Record<string, number> = { [laptop]: 1, [desktop]: 1 };
        const expected: Record<string, unknown> = { a: 0 };
        for (const e of edits) {
          const before = record;
          const { outcome, record: after } = apply(record, mutation('update', { [e.field]: e.value }, e.stale ? seen[e.device]! : record.version), e.device);
          if (outcome.status !== 'applied') throw new Error('update of a live record must apply');
          record = after!;
          expected[e.field] = e.value;
          if (!e.stale) seen[e.device] = record.version;
          const stamp = before.stamps[e.field];
          const unseen = stamp !== undefined && stamp.deviceId !== e.device && stamp.version > (e.stale ? seen[e.device]! : before.version) && before.fields[e.field] !== e.value;
          expect(outcome.overwritten.length).toBe(unseen ? 1 : 0);
          expect(outcome.history.length).toBe(outcome.overwritten.length);
        }
        expect(record.fields).toEqual(expected);
      }),
    );
  });
});

describe('protocol schemas', () => {
  it('a push names the bad field', () => {
    const result = pushRequestSchema.safeParse({ deviceId: 'nope', mutations: [] });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['deviceId', 'mutations']);
  });

  it('a push holds at most 500 mutations', () => {
    const m = { ...mutation('create', {}, 0), id: '00000000-0000-4000-8000-000000000001' };
    expect(pushRequestSchema.safeParse({ deviceId: laptop, mutations: Array(501).fill(m) }).success).toBe(false);
    expect(pushRequestSchema.safeParse({ deviceId: laptop, mutations: Array(500).fill(m) }).success).toBe(true);
  });

  it('an audit mutation is a create holding an event, refused naming the field otherwise', () => {
    const audit = { ...mutation('create', { action: 'render.exported', target: { kind: 'render', id: 'r1' } }, 0), recordType: 'audit' as const };
    expect(pushRequestSchema.safeParse({ deviceId: laptop, mutations: [audit] }).success).toBe(true);
    const bad = pushRequestSchema.safeParse({ deviceId: laptop, mutations: [audit, { ...audit, op: 'update', changes: { action: 'Exported!', extra: 1 } }] });
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toEqual(['mutations.1.op', 'mutations.1.changes.action', 'mutations.1.changes']);
  });

  it('push results are applied or conflict', () => {
    expect(pushResultSchema.safeParse({ id: laptop, status: 'applied', version: 0, overwritten: [] }).success).toBe(true);
    expect(pushResultSchema.safeParse({ id: laptop, status: 'conflict', reason: 'deleted', current: null }).success).toBe(true);
    expect(pushResultSchema.safeParse({ id: laptop, status: 'conflict', reason: 'other', current: null }).success).toBe(false);
  });

  it('cursors round-trip and a foreign cursor is refused naming the field', () => {
    for (const seq of [0, 1, 35, 1_000_000, Number.MAX_SAFE_INTEGER]) expect(decodeCursor(encodeCursor(seq))).toBe(seq);
    for (const bad of ['', '12', 's1.', 's1.-1', 's1.ZZ', 's2.1', 's1.zzzzzzzzzzzz']) expect(decodeCursor(bad)).toBeNull();
    const result = pullQuerySchema.safeParse({ cursor: 'garbage' });
    expect(result.error!.issues[0]!.path).toEqual(['cursor']);
    expect(pullQuerySchema.parse({ limit: '20' })).toEqual({ limit: 20 });
    expect(pullQuerySchema.safeParse({ limit: '1001' }).success).toBe(false);
  });

  it('segment ids come comma-separated', () => {
    expect(segmentsQuerySchema.parse({ ids: 'a, b,,c' })).toEqual({ ids: ['a', 'b', 'c'] });
    expect(segmentsQuerySchema.parse({})).toEqual({});
    expect(segmentsQuerySchema.safeParse({ ids: ',' }).error!.issues[0]!.path).toEqual(['ids']);
  });
});
