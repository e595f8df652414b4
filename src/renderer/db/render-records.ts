import { renderRecordOf, type RenderJobFacts, type RenderRecord } from '../../shared/sync/render-record';
import type { KataDatabase } from './database';
import { enqueueMutation, outboxTables, systemClock, type Clock } from './outbox';

export type RenderRecordWrite = 'created' | 'updated' | 'unchanged';

/**
 * Render records for the Hub (issue 12). Renders live in main; this Studio's
 * record of each job is written here, beside its outbox entry, in one
 * transaction: a create when a job is first seen, then only the fields that
 * changed. Seeing the same state again writes nothing, so the queue may
 * repeat itself (progress, a restart, a reconnect) without duplicates.
 */
export function renderRecordRepository(db: KataDatabase, clock: Clock = systemClock) {
  const tables = () => [db.renderRecords, ...outboxTables(db)];

  return {
    /** Writes the job's record if it is new or changed. A job removed here is never written again. */
    async note(job: RenderJobFacts): Promise<RenderRecordWrite> {
      const fields = renderRecordOf(job);
      return db.transaction('rw', tables(), async () => {
        const known = await db.renderRecords.get(job.id);
        if (known?.removed) return 'unchanged';
        const changes = known ? changedFields(known.fields, fields) : fields;
        if (Object.keys(changes).length === 0) return 'unchanged';
        await db.renderRecords.put({ id: job.id, fields, removed: false, writtenAt: clock.now().toISOString() });
        await enqueueMutation({ db, clock, recordType: 'render', recordId: job.id, op: known ? 'update' : 'create', changes });
        return known ? 'updated' : 'created';
      });
    },

    /** The job was removed from the render history: its record is deleted on the Hub too. */
    async remove(jobId: string): Promise<void> {
      await db.transaction('rw', tables(), async () => {
        const known = await db.renderRecords.get(jobId);
        if (known?.removed) return;
        // A job never written still gets its mark, so a late change of it cannot bring the record back.
        await db.renderRecords.put({ id: jobId, fields: known?.fields ?? ({} as RenderRecord), removed: true, writtenAt: clock.now().toISOString() });
        if (known) await enqueueMutation({ db, clock, recordType: 'render', recordId: jobId, op: 'delete', changes: {} });
      });
    },

    get: (jobId: string) => db.renderRecords.get(jobId),
  };
}

export type RenderRecordRepository = ReturnType<typeof renderRecordRepository>;

function changedFields(before: RenderRecord, after: RenderRecord): Partial<RenderRecord> {
  return Object.fromEntries(Object.entries(after).filter(([field, value]) => JSON.stringify(value) !== JSON.stringify(before[field as keyof RenderRecord])));
}
