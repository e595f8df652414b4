import { ingestBatches, prepareIngest, type GroupWrites, type IngestResult, type IngestServices, type PreparedGroup } from './ingest';
import { prepareForIngest, type PreparedMessage } from './prepared-message';
import type { IngestedMessage } from './messages';

export interface IngestQueue {
  /** Stores a sender's batch; resolves once it is committed, with that batch's own counts. */
  ingest(workspaceId: string, messages: readonly IngestedMessage[]): Promise<IngestResult>;
}

interface Waiting {
  messages: readonly PreparedMessage[];
  resolve(result: IngestResult): void;
  reject(error: unknown): void;
}

/** A group of batches on its way: what its transaction writes once it writes, and whether only its commit is left, or it ended. */
interface Group {
  writes: GroupWrites | null;
  writing: boolean;
  ended: boolean;
  /** Settles when only the group's commit is left, or it ended. */
  committing: Promise<void>;
  markCommitting(): void;
}

/** A workspace's batches waiting for a group, and the group formed last. */
interface WorkspaceQueue {
  waiting: Waiting[];
  last: Group | null;
}

export interface IngestQueueOptions {
  messagesPerTransaction?: number;
  store?: typeof ingestBatches;
  prepare?: typeof prepareIngest;
}

/**
 * Group commit for ingest. A workspace's batches are stored one transaction
 * at a time (identity merges must not race), so while one transaction runs,
 * the batches that arrive wait and then go in together as the next one: a
 * handful of statements and one commit for all of them instead of for each.
 * Every sender still gets its answer only after its messages are committed.
 * What needs nothing stored (hashing, encryption, shaping rows) is done as a
 * batch arrives.
 *
 * Three groups overlap, each on its own connection:
 * - while one group writes, the next is formed and resolved ahead against
 *   what it writes (prepareIngest: reads in a snapshot, the writes laid
 *   over them), so that PostgreSQL reads for one while it writes for the
 *   other, and the Hub resolves meanwhile;
 * - once the writing group has only its commit left, the next begins and
 *   waits for the workspace's ingest lock in PostgreSQL, which hands it
 *   over at the commit; under the lock, the state's number says whether its
 *   plan still holds (else it reads and resolves again there).
 * When a shared transaction fails, each of its batches is tried on its own,
 * so one sender's bad batch never fails another's.
 */
export function ingestQueue(services: IngestServices, options: IngestQueueOptions = {}): IngestQueue {
  const limit = options.messagesPerTransaction ?? 2_000;
  const store = options.store ?? ingestBatches;
  const prepare = options.prepare ?? prepareIngest;
  const queues = new Map<string, WorkspaceQueue>();

  async function settle(workspaceId: string, waiting: Waiting[], group?: Group, prepared?: PreparedGroup): Promise<void> {
    const onWriting = group && ((writes: GroupWrites) => ((group.writes = writes), (group.writing = true), startNext(workspaceId)));
    try {
      const results = await store(services, workspaceId, waiting.map((w) => w.messages), { prepared, onWriting, onCommitting: group?.markCommitting });
      waiting.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (waiting.length === 1) return waiting[0]!.reject(error);
      for (const one of waiting) await settle(workspaceId, [one]);
    }
  }

  /** Resolves the group ahead while the one before it writes, then stores it once that one only commits. */
  async function run(workspaceId: string, waiting: Waiting[], group: Group, before: Group | null): Promise<void> {
    let prepared: PreparedGroup | undefined;
    if (before && !before.ended) {
      // Resolving ahead only saves time: when it fails, the transaction resolves under the lock and meets the same problem there.
      prepared = await prepare(services, workspaceId, waiting.map((w) => w.messages), before.writes).catch(() => undefined);
      await before.committing;
    }
    await settle(workspaceId, waiting, group, prepared);
  }

  /** Forms the next group from the waiting batches that fit in one transaction, once the group before it writes or has ended. */
  function startNext(workspaceId: string): void {
    const queue = queues.get(workspaceId);
    if (!queue) return;
    const before = queue.last;
    if (before && !before.writing && !before.ended) return;
    if (queue.waiting.length === 0) {
      if (!before || before.ended) queues.delete(workspaceId);
      return;
    }
    let taken = 1;
    let messages = queue.waiting[0]!.messages.length;
    while (taken < queue.waiting.length && messages + queue.waiting[taken]!.messages.length <= limit) messages += queue.waiting[taken++]!.messages.length;
    const waiting = queue.waiting.splice(0, taken);
    let markCommitting!: () => void;
    const committing = new Promise<void>((resolve) => (markCommitting = resolve));
    const group: Group = { writes: null, writing: false, ended: false, committing, markCommitting };
    queue.last = group;
    void run(workspaceId, waiting, group, before).finally(() => {
      group.ended = true;
      group.markCommitting();
      startNext(workspaceId);
    });
  }

  return {
    ingest(workspaceId, raw) {
      const messages = raw.map((m) => prepareForIngest(services.cipher, workspaceId, m));
      return new Promise((resolve, reject) => {
        let queue = queues.get(workspaceId);
        if (!queue) queues.set(workspaceId, (queue = { waiting: [], last: null }));
        queue.waiting.push({ messages, resolve, reject });
        startNext(workspaceId);
      });
    },
  };
}
