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

/**
 * Group commit for ingest. A workspace's batches are stored one transaction
 * at a time (identity merges must not race), so while one transaction runs,
 * the batches that arrive wait and then go in together as the next one: a
 * handful of statements and one commit for all of them instead of for each.
 * Every sender still gets its answer only after its messages are committed.
 * What needs nothing stored (hashing, encryption, shaping rows) is done as a
 * batch arrives, while the running transaction has the database's attention.
 * When a shared transaction fails, each of its batches is tried on its own,
 * so one sender's bad batch never fails another's.
 */
export function ingestQueue(services: IngestServices, options: { messagesPerTransaction?: number; store?: typeof ingestBatches } = {}): IngestQueue {
  const limit = options.messagesPerTransaction ?? 2_000;
  const store = options.store ?? ingestBatches;
  const queues = new Map<string, Waiting[]>();

  async function settle(workspaceId: string, group: Waiting[]): Promise<void> {
    try {
      const results = await store(services, workspaceId, group.map((w) => w.messages));
      group.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error);
      for (const waiting of group) await settle(workspaceId, [waiting]);
    }
  }

  async function drain(workspaceId: string, queue: Waiting[]): Promise<void> {
    while (queue.length > 0) {
      let taken = 1;
      let messages = queue[0]!.messages.length;
      while (taken < queue.length && messages + queue[taken]!.messages.length <= limit) messages += queue[taken++]!.messages.length;
      await settle(workspaceId, queue.splice(0, taken));
    }
    queues.delete(workspaceId);
  }

  return {
    ingest(workspaceId, raw) {
      const messages = raw.map((m) => prepareForIngest(services.cipher, workspaceId, m));
      return new Promise((resolve, reject) => {
        const queue = queues.get(workspaceId);
        if (queue) return void queue.push({ messages, resolve, reject });
        const started = [{ messages, resolve, reject }];
        queues.set(workspaceId, started);
        void drain(workspaceId, started);
      });
    },
  };
}
