import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outboxMutationSchema } from '../../shared/sync/mutation';
import { renderRecordOf, type RenderJobFacts } from '../../shared/sync/render-record';
import { KataDatabase, openDatabase } from './database';
import { pendingMutations, type Clock } from './outbox';
import { renderRecordRepository } from './render-records';

function testClock(): Clock {
  let minutes = 0;
  let ids = 0;
  return {
    now: () => new Date(Date.UTC(2026, 10, 24, 9, minutes++)),
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  };
}

const jobId = '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f';
const queued: RenderJobFacts = {
  id: jobId,
  batchId: null,
  state: 'queued',
  compositionId: 'comp-1',
  compositionName: 'Spring teaser',
  preset: 'tiktok',
  width: 1080,
  height: 1920,
  durationSeconds: 12,
  outputPath: '/home/olivia/Videos/spring.mp4',
  logPath: '/home/olivia/.config/kata/render-logs/x.log',
  outputBytes: null,
  error: null,
  createdAt: '2026-11-24T09:00:00.000Z',
  startedAt: null,
  finishedAt: null,
};
const running: RenderJobFacts = { ...queued, state: 'running', startedAt: '2026-11-24T09:00:01.000Z' };
const done: RenderJobFacts = { ...running, state: 'done', finishedAt: '2026-11-24T09:00:20.000Z', outputBytes: 1_234_567 };

let db: KataDatabase;
let clock: Clock;

beforeEach(async () => {
  db = await openDatabase(new KataDatabase(`test-${crypto.randomUUID()}`));
  clock = testClock();
});
afterEach(async () => {
  await db.delete();
});

describe('render records for the Hub', () => {
  it("creates the record when a job is first seen, then sends only what each change of state changed", async () => {
    const records = renderRecordRepository(db, clock);
    expect(await records.note(queued)).toBe('created');
    expect(await records.note(running)).toBe('updated');
    expect(await records.note(done)).toBe('updated');
    const outbox = await pendingMutations(db);
    expect(outbox.map((m) => [m.recordType, m.recordId, m.op])).toEqual([
      ['render', jobId, 'create'],
      ['render', jobId, 'update'],
      ['render', jobId, 'update'],
    ]);
    expect(outbox[0]!.changes).toEqual(renderRecordOf(queued));
    expect(outbox[1]!.changes).toEqual({ status: 'running', startedAt: '2026-11-24T09:00:01.000Z' });
    expect(outbox[2]!.changes).toEqual({ status: 'done', finishedAt: '2026-11-24T09:00:20.000Z', sizeBytes: 1_234_567 });
    expect(outbox.every((m) => outboxMutationSchema.safeParse(m).success)).toBe(true);
  });

  it('writes nothing for a state it has written, across a restart and a reconnect that report every job again', async () => {
    await renderRecordRepository(db, clock).note(queued);
    await renderRecordRepository(db, clock).note(done);
    // Studio restarts: a new repository over the same database reads the queue's whole list, twice.
    db.close();
    db = await openDatabase(new KataDatabase(db.name));
    const afterRestart = renderRecordRepository(db, clock);
    expect(await Promise.all([afterRestart.note(done), afterRestart.note(done), afterRestart.note(done)])).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect((await pendingMutations(db)).map((m) => m.op)).toEqual(['create', 'update']);
  });

  it('writes one create when the same new job is reported twice at once (list and subscription)', async () => {
    const records = renderRecordRepository(db, clock);
    const answers = await Promise.all([records.note(done), records.note(done)]);
    expect(answers.sort()).toEqual(['created', 'unchanged']);
    expect((await pendingMutations(db)).map((m) => [m.op, m.changes.status])).toEqual([['create', 'done']]);
  });

  it('a failed render carries its reason without paths; a retry is a new job, a new record', async () => {
    const records = renderRecordRepository(db, clock);
    await records.note({ ...running, state: 'failed', finishedAt: '2026-11-24T09:00:05.000Z', error: `The render failed after 2 attempts: exit 1. The FFmpeg log is in ${queued.logPath}.` });
    const [create] = await pendingMutations(db);
    expect(create!.changes).toMatchObject({ status: 'failed', error: 'The render failed after 2 attempts: exit 1.' });
    expect(JSON.stringify(create!.changes)).not.toContain('/home/olivia');
  });

  it('deletes the record once when the job is removed from the history, and never brings it back', async () => {
    const records = renderRecordRepository(db, clock);
    await records.note(done);
    await records.remove(jobId);
    await records.remove(jobId);
    expect(await records.note(done)).toBe('unchanged');
    expect((await pendingMutations(db)).map((m) => [m.op, m.changes])).toEqual([
      ['create', renderRecordOf(done)],
      ['delete', {}],
    ]);
  });

  it('sends nothing for a job removed before it was ever written', async () => {
    const records = renderRecordRepository(db, clock);
    await records.remove(jobId);
    expect(await records.note(done)).toBe('unchanged');
    expect(await pendingMutations(db)).toEqual([]);
  });
});
