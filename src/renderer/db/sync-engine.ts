import { outboxMutationSchema, type OutboxMutation } from '../../shared/sync/mutation';
import { isStoredRecordType, maxPushBatch, maxPullPage, maxPushBytes, pushRequestSchema, type PushResult } from '../../shared/sync/protocol';
import { SyncFailure, type SyncTransport } from '../../shared/sync/transport';
import { describeIssues } from '../../shared/validation';
import type { KataDatabase, OutboxEntry, SyncConflict } from './database';
import { systemClock, type Clock } from './outbox';
import { syncSegments } from './segments';
import { applyHubRecord, noteSyncedVersion, syncTables } from './synced-records';

/** What the status bar shows. */
export type SyncStatus =
  | { state: 'idle' }
  | { state: 'syncing'; pending: number }
  | { state: 'synced'; at: string }
  | { state: 'offline'; pending: number; message: string }
  | { state: 'error'; pending: number; message: string }
  | { state: 'signed-out'; pending: number; message: string };

export interface SyncEngineOptions {
  db: KataDatabase;
  transport: SyncTransport;
  clock?: Clock;
  /** Between syncs when all is well. */
  intervalMs?: number;
  /** After a change, wait this long for more before syncing. */
  debounceMs?: number;
  /** The first retry after a failure; it doubles up to `longestRetryMs`. */
  firstRetryMs?: number;
  longestRetryMs?: number;
  /** A push body stays under this (the Hub's limit less room for the envelope and JSON escaping). */
  pushBytes?: number;
  /** Changes per pull page. */
  pullPage?: number;
  /**
   * The Hub and workspace signed in to, in words (null while unknown). The local data belongs to the first one it
   * synced with: signed in to another, sync stops and says so, and nothing of it is sent there.
   */
  scope?: () => string | null;
}

/** The device id, made once and kept: the Hub never counts a device's own earlier changes as conflicts. */
export async function deviceIdOf(db: KataDatabase, clock: Clock = systemClock): Promise<string> {
  return db.transaction('rw', db.syncState, async () => {
    const saved = await db.syncState.get('deviceId');
    if (saved) return saved.value;
    const value = clock.newId();
    await db.syncState.add({ key: 'deviceId', value });
    return value;
  });
}

/** The oldest outbox entries that fit in one push, in outbox order. */
function nextBatch(entries: OutboxEntry[], bytes: number): OutboxEntry[] {
  let size = 0;
  const batch: OutboxEntry[] = [];
  for (const entry of entries) {
    size += JSON.stringify(entry).length * 1.1 + 16;
    if (batch.length > 0 && size > bytes) break;
    batch.push(entry);
  }
  return batch;
}

const conflictOf = (at: string, mutation: OutboxMutation, fields: Omit<SyncConflict, 'at' | 'recordType' | 'recordId' | 'mutationId'>): SyncConflict => ({ at, recordType: mutation.recordType, recordId: mutation.recordId, mutationId: mutation.id, ...fields });

/**
 * Studio's sync with the Hub (issue 9). The protocol's ordering contract:
 * one push in flight per device, always from the oldest unconfirmed outbox
 * entry; an entry leaves the outbox only in the transaction that stores the
 * Hub's answer. Then pull changes after the saved cursor (rebased on what is
 * still unpushed) and the segments campaigns target.
 */
export function createSyncEngine(options: SyncEngineOptions) {
  const { db, transport } = options;
  const clock = options.clock ?? systemClock;
  const intervalMs = options.intervalMs ?? 60_000;
  const debounceMs = options.debounceMs ?? 1_500;
  const firstRetryMs = options.firstRetryMs ?? 5_000;
  const longestRetryMs = options.longestRetryMs ?? 5 * 60_000;
  const pushBytes = options.pushBytes ?? maxPushBytes - 256 * 1024;
  const pullPage = options.pullPage ?? maxPullPage;
  const listeners = new Set<(status: SyncStatus) => void>();
  let status: SyncStatus = { state: 'idle' };
  let failures = 0;
  let started = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** A change was written since the last sync started. */
  let changed = false;
  let queued: Promise<SyncStatus> | null = null;
  let last: Promise<unknown> = Promise.resolve();

  const show = (next: SyncStatus) => {
    status = next;
    for (const listener of listeners) listener(next);
  };

  /** Entries the Hub can never take (say, written by an older Studio) are set aside where the person can see them, so they do not block the rest. */
  async function setAsideUnsendable(deviceId: string, batch: OutboxEntry[]): Promise<OutboxEntry[]> {
    const sendable: OutboxEntry[] = [];
    const unsendable: { entry: OutboxEntry; problem: string }[] = [];
    for (const entry of batch) {
      const parsed = pushRequestSchema.safeParse({ deviceId, mutations: [outboxMutationSchema.safeParse(entry).data ?? entry] });
      if (parsed.success) sendable.push(entry);
      else unsendable.push({ entry, problem: describeIssues(parsed.error).replaceAll('\n', '; ') });
    }
    if (unsendable.length === 0) return batch;
    const at = clock.now().toISOString();
    await db.transaction('rw', db.outbox, db.syncConflicts, async () => {
      for (const { entry, problem } of unsendable) {
        await db.syncConflicts.add(conflictOf(at, entry, { kind: 'unsendable', field: null, value: entry.changes, version: null, updatedBy: null, updatedAt: null, message: `This change cannot be sent to the Hub (${problem}).` }));
        await db.outbox.delete(entry.seq!);
      }
    });
    return [];
  }

  /** Stores the Hub's answers and removes their entries, in one transaction. */
  async function confirm(batch: OutboxEntry[], results: PushResult[]): Promise<void> {
    const at = clock.now().toISOString();
    await db.transaction('rw', syncTables(db), async () => {
      for (const [index, result] of results.entries()) {
        const entry = batch[index]!;
        await db.outbox.delete(entry.seq!);
        if (result.status === 'applied') {
          if (isStoredRecordType(entry.recordType) && result.version > 0) await noteSyncedVersion(db, entry.recordType, entry.recordId, result.version);
          for (const lost of result.overwritten) await db.syncConflicts.add(conflictOf(at, entry, { kind: 'overwritten', field: lost.field, value: lost.value, version: lost.version, updatedBy: lost.updatedBy, updatedAt: lost.updatedAt, message: `Your change replaced a value someone else had set on the Hub.` }));
          continue;
        }
        const why = { deleted: 'the record was deleted on the Hub', exists: 'the Hub already has another record with this id', forbidden: 'your role may not change this' }[result.reason];
        await db.syncConflicts.add(conflictOf(at, entry, { kind: result.reason, field: null, value: entry.changes, version: result.current?.version ?? null, updatedBy: result.current?.updatedBy ?? null, updatedAt: result.current?.updatedAt ?? null, message: `Your change was not applied: ${why}.` }));
        // The Hub's state replaces the refused change (kept above), rebased on what is still unpushed.
        if (result.current) await applyHubRecord(db, result.current);
      }
    });
  }

  async function pushAll(deviceId: string): Promise<void> {
    for (;;) {
      const oldest = await db.outbox.orderBy('seq').limit(maxPushBatch).toArray();
      if (oldest.length === 0) return;
      const batch = await setAsideUnsendable(deviceId, nextBatch(oldest, pushBytes));
      if (batch.length === 0) continue;
      show({ state: 'syncing', pending: await db.outbox.count() });
      const mutations = batch.map((entry) => outboxMutationSchema.parse(entry));
      const { results } = await transport.push({ deviceId, mutations });
      if (results.length !== batch.length || results.some((r, i) => r.id !== batch[i]!.id)) {
        throw new SyncFailure('hub-error', `The Hub answered a push of ${batch.length} changes with answers for others; nothing was marked as sent, Studio sends them again.`);
      }
      await confirm(batch, results);
    }
  }

  async function pullAll(): Promise<void> {
    for (;;) {
      // The cursor is the bound workspace's: checkScope lets no other one sync this data.
      const page = await transport.pull({ cursor: (await db.syncState.get('cursor'))?.value, limit: pullPage });
      await db.transaction('rw', syncTables(db), async () => {
        for (const record of page.changes) await applyHubRecord(db, record);
        await db.syncState.put({ key: 'cursor', value: page.cursor });
      });
      if (!page.more) return;
    }
  }

  /** Binds the local data to the first Hub workspace it syncs with, and refuses to sync it with any other. */
  async function checkScope(): Promise<void> {
    const scope = options.scope?.() ?? null;
    if (scope === null) return;
    const bound = await db.transaction('rw', db.syncState, async () => {
      const saved = (await db.syncState.get('boundScope'))?.value;
      if (saved === undefined) await db.syncState.put({ key: 'boundScope', value: scope });
      return saved ?? scope;
    });
    if (bound !== scope) throw new Error(`This Studio's data syncs with ${bound}; sign in there to sync it. Nothing of it was sent to ${scope}, and your changes stay on this computer.`);
  }

  async function runOnce(): Promise<SyncStatus> {
    clearTimeout(timer);
    changed = false;
    try {
      show({ state: 'syncing', pending: await db.outbox.count() });
      await checkScope();
      const deviceId = await deviceIdOf(db, clock);
      await pushAll(deviceId);
      await pullAll();
      await syncSegments({ db, transport, clock });
      failures = 0;
      show({ state: 'synced', at: clock.now().toISOString() });
    } catch (error) {
      failures += 1;
      const pending = await db.outbox.count().catch(() => 0);
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof SyncFailure && error.kind !== 'hub-error') show({ state: error.kind, pending, message });
      else show({ state: 'error', pending, message });
    }
    const backOff = Math.min(firstRetryMs * 2 ** (failures - 1), longestRetryMs);
    // A change written during this sync goes soon; after a failure, changes wait for the back-off (or a reconnect).
    schedule(failures > 0 && status.state !== 'signed-out' ? backOff : changed ? debounceMs : intervalMs);
    return status;
  }

  function schedule(delayMs: number) {
    clearTimeout(timer);
    if (started) timer = setTimeout(() => void syncNow(), delayMs);
  }

  /** Syncs now, or after the sync under way (requests while one waits share it). */
  function syncNow(): Promise<SyncStatus> {
    queued ??= last.then(() => {
      queued = null;
      return runOnce();
    });
    last = queued;
    return queued;
  }

  const onOutboxWrite = () => {
    changed = true;
    if (started && failures === 0) schedule(debounceMs);
  };

  return {
    syncNow,
    status: () => status,
    onStatus(listener: (status: SyncStatus) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Syncs now and then in the background: after changes (debounced), on the interval, with back-off after failures. */
    start() {
      if (started) return;
      started = true;
      db.outbox.hook('creating', onOutboxWrite);
      void syncNow();
    },
    /** The network or the Hub account came back: sync now rather than at the next retry. */
    reconnected: () => void syncNow(),
    stop() {
      started = false;
      clearTimeout(timer);
      db.outbox.hook('creating').unsubscribe(onOutboxWrite);
    },
  };
}

export type SyncEngine = ReturnType<typeof createSyncEngine>;
