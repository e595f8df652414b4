import { ingestBatches, prepareForIngest, type IngestResult, type IngestServices, type PreparedMessage } from './ingest';
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

/** A workspace's batches waiting for a transaction, and whether a transaction is still doing its work (not yet only committing). */
interface WorkspaceQueue {
  waiting: Waiting[];
  working: boolean;
}

/**
 * Group commit for ingest. A workspace's batches are stored one transaction
 * at a time (identity merges must not race), so while one transaction runs,
 * the batches that arrive wait and then go in together as the next one: a
 * handful of statements and one commit for all of them instead of for each.
 * Every sender still gets its answer only after its messages are committed.
 * What needs nothing stored (hashing, encryption, shaping rows) is done as a
 * batch arrives, while the running transaction has the database's attention.
 * The next group starts as soon as the running transaction has written and
 * only its commit is left: it begins and waits for the workspace's ingest
 * lock in PostgreSQL, which passes it on at the commit, so that neither the
 * commit's answer nor the next BEGIN is a round trip the workspace waits for.
 * When a shared transaction fails, each of its batches is tried on its own,
 * so one sender's bad batch never fails another's.
 */
export function ingestQueue(services: IngestServices, options: { messagesPerTransaction?: number; store?: typeof ingestBatches } = {}): IngestQueue {
  const limit = options.messagesPerTransaction ?? 2_000;
  const store = options.store ?? ingestBatches;
  const queues = new Map<string, WorkspaceQueue>();

  async function settle(workspaceId: string, group: Waiting[], onCommitting?: () => void): Promise<void> {
    try {
      const results = await store(services, workspaceId, group.map((w) => w.messages), { onCommitting });
      group.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const waiting of group) await settle(workspaceId, [waiting]);
    }
  }

  /** Takes the waiting batches that fit in one transaction and stores them; the next group starts when this one is only committing, or has ended. */
  function startNext(workspaceId: string, queue: WorkspaceQueue): void {
    if (queue.working) return;
    if (queue.waiting.length === 0) return void queues.delete(workspaceId);
    let taken = 1;
    let messages = queue.waiting[0]!.messages.length;
    while (taken < queue.waiting.length && messages + queue.waiting[taken]!.messages.length <= limit) messages += queue.waiting[taken++]!.messages.length;
    const group = queue.waiting.splice(0, taken);
    queue.working = true;
    let handedOn = false;
    const handOn = () => {
      if (handedOn) return;
      handedOn = true;
      queue.working = false;
      startNext(workspaceId, queue);
    };
    void settle(workspaceId, group, handOn).finally(handOn);
  }

  return {
    ingest(workspaceId, raw) {
      const messages = raw.map((m) => prepareForIngest(services.cipher, workspaceId, m));
      return new Promise((resolve, reject) => {
        let queue = queues.get(workspaceId);
        if (!queue) queues.set(workspaceId, (queue = { waiting: [], working: false }));
        queue.waiting.push({ messages, resolve, reject });
        startNext(workspaceId, queue);
      });
    },
  };
}
