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

/** A group of batches on its way: what it writes once its plan is known (null before), whether the number it takes is known, or it ended. */
interface Group {
  writes: GroupWrites | null;
  ended: boolean;
  /** Settles when the group's number (its turn under the lock) is known, or it ended. */
  turnKnown: Promise<void>;
  markTurnKnown(): void;
}

/** A workspace's batches waiting for a group, and its groups on their way, in order. */
interface WorkspaceQueue {
  waiting: Waiting[];
  groups: Group[];
}

export interface IngestQueueOptions {
  messagesPerTransaction?: number;
  store?: typeof ingestBatches;
  prepare?: typeof prepareIngest;
}

/** Groups of a workspace on their way at once: one writing, two resolved ahead or resolving. */
const groupsAtOnce = 3;

/**
 * Group commit for ingest. A workspace's batches are stored one transaction
 * at a time (identity merges must not race), so while one transaction runs,
 * the batches that arrive wait and then go in together as the next one: a
 * handful of statements and one commit for all of them instead of for each.
 * Every sender still gets its answer only after its messages are committed.
 * What needs nothing stored (hashing, encryption, shaping rows) is done as a
 * batch arrives.
 *
 * Groups overlap, each on its own connection: as soon as a group's plan is
 * known, the next is formed and resolved ahead against what the groups
 * before it write (prepareIngest: reads in a snapshot, their writes laid
 * over them), so that PostgreSQL reads for one while it writes for another,
 * and the Hub resolves meanwhile. Once the number the group before takes is
 * known, the next is sent: written in one statement that waits for the
 * workspace's ingest lock in PostgreSQL and writes only if the state's number
 * says its plan still holds, else resolved again under the lock.
 * When a shared transaction fails, each of its batches is tried on its own,
 * so one sender's bad batch never fails another's.
 */
export function ingestQueue(services: IngestServices, options: IngestQueueOptions = {}): IngestQueue {
  const limit = options.messagesPerTransaction ?? 2_000;
  const store = options.store ?? ingestBatches;
  const prepare = options.prepare ?? prepareIngest;
  const queues = new Map<string, WorkspaceQueue>();

  /** The group's plan is known (and with a turn, the number it took): later groups are resolved against it. */
  function planned(workspaceId: string, group: Group, writes: GroupWrites): void {
    const first = group.writes === null;
    group.writes = writes;
    if (writes.turn) group.markTurnKnown();
    if (first) startNext(workspaceId);
  }

  async function settle(workspaceId: string, waiting: Waiting[], group?: Group, prepared?: PreparedGroup): Promise<void> {
    const onWriting = group && ((writes: GroupWrites) => planned(workspaceId, group, writes));
    try {
      const results = await store(services, workspaceId, waiting.map((w) => w.messages), { prepared, onWriting });
      waiting.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (waiting.length === 1) return waiting[0]!.reject(error);
      for (const one of waiting) await settle(workspaceId, [one]);
    }
  }

  /** Resolves the group ahead while the ones before it write, then stores it once the number of the one before is known. */
  async function run(workspaceId: string, waiting: Waiting[], group: Group, before: Group[]): Promise<void> {
    let prepared: PreparedGroup | undefined;
    const last = before.at(-1);
    if (last) {
      // Resolving ahead only saves time: when it fails, the transaction resolves under the lock and meets the same problem there.
      prepared = await prepare(services, workspaceId, waiting.map((w) => w.messages), before.map((g) => g.writes!)).catch(() => undefined);
      if (prepared) planned(workspaceId, group, prepared.writes);
      await last.turnKnown;
    }
    await settle(workspaceId, waiting, group, prepared);
  }

  /** Forms the next group from the waiting batches that fit in one transaction, once the group before it is planned or has ended. */
  function startNext(workspaceId: string): void {
    const queue = queues.get(workspaceId);
    if (!queue) return;
    const before = queue.groups.filter((g) => !g.ended);
    const last = before.at(-1);
    if ((last && last.writes === null) || before.length >= groupsAtOnce) return;
    if (queue.waiting.length === 0) {
      if (!last) queues.delete(workspaceId);
      return;
    }
    let taken = 1;
    let messages = queue.waiting[0]!.messages.length;
    while (taken < queue.waiting.length && messages + queue.waiting[taken]!.messages.length <= limit) messages += queue.waiting[taken++]!.messages.length;
    const waiting = queue.waiting.splice(0, taken);
    let markTurnKnown!: () => void;
    const turnKnown = new Promise<void>((resolve) => (markTurnKnown = resolve));
    const group: Group = { writes: null, ended: false, turnKnown, markTurnKnown };
    queue.groups = [...before, group];
    void run(workspaceId, waiting, group, before).finally(() => {
      group.ended = true;
      group.markTurnKnown();
      startNext(workspaceId);
    });
  }

  return {
    ingest(workspaceId, raw) {
      const messages = raw.map((m) => prepareForIngest(services.cipher, workspaceId, m));
      return new Promise((resolve, reject) => {
        let queue = queues.get(workspaceId);
        if (!queue) queues.set(workspaceId, (queue = { waiting: [], groups: [] }));
        queue.waiting.push({ messages, resolve, reject });
        startNext(workspaceId);
      });
    },
  };
}
