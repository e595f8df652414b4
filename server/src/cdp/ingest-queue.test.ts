import { describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { hubOnTestDatabase, testCipher, testWorkspace } from '../../test/hub';
import { ingestBatches, type PreparedMessage } from './ingest';
import { ingestQueue } from './ingest-queue';
import { prepareMessage, type IngestedMessage } from './messages';

function messages(ids: string[], userId = 'u-1'): IngestedMessage[] {
  return ids.map((messageId) => {
    const prepared = prepareMessage({ type: 'track', messageId, userId, event: 'Viewed', timestamp: '2026-11-24T09:00:00Z' }, new Date());
    if (!prepared.ok) throw prepared.error;
    return prepared.value;
  });
}

describe.each(hubDatabases)('ingest group commit on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);

  /** The real store, recording the groups it is given; the first call waits until `release` so that the others queue behind it. */
  function recordingStore(options: { fail?: (batch: readonly PreparedMessage[]) => boolean } = {}) {
    const groups: string[][][] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const store: typeof ingestBatches = async (services, workspaceId, batches) => {
      groups.push(batches.map((b) => b.map((m) => m.messageId)));
      if (groups.length === 1) await released;
      if (options.fail && batches.some(options.fail)) throw new Error('the database refused the group');
      return ingestBatches(services, workspaceId, batches);
    };
    return { store, groups, release };
  }

  const services = () => ({ db: hub.database.db, cipher: testCipher, now: () => new Date() });
  const storedIds = async (workspaceId: string) => (await hub.database.db.selectFrom('events').select('message_id').where('workspace_id', '=', workspaceId).orderBy('message_id').execute()).map((e) => e.message_id);

  it('stores the batches that wait behind a transaction together, and answers each sender with its own counts', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const { store, groups, release } = recordingStore();
    const queue = ingestQueue(services(), { store });
    const first = queue.ingest(ws.id, messages(['a1', 'a2']));
    const waiting = [queue.ingest(ws.id, messages(['b1', 'b2'])), queue.ingest(ws.id, messages(['c1', 'b2'])), queue.ingest(ws.id, messages(['a1']))];
    release();
    const results = await Promise.all([first, ...waiting]);

    expect(groups).toEqual([[['a1', 'a2']], [['b1', 'b2'], ['c1', 'b2'], ['a1']]]);
    expect(results.map((r) => [r.accepted, r.duplicates])).toEqual([[2, 0], [2, 0], [1, 1], [0, 1]]);
    expect(await storedIds(ws.id)).toEqual(['a1', 'a2', 'b1', 'b2', 'c1']);
    const profiles = await hub.database.db.selectFrom('profiles').select('event_count').where('workspace_id', '=', ws.id).execute();
    expect(profiles).toEqual([{ event_count: 5 }]);
  });

  it('tries each batch of a failed group on its own, so only the bad one fails', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const { store, groups, release } = recordingStore({ fail: (batch) => batch.some((m) => m.messageId === 'bad') });
    const queue = ingestQueue(services(), { store });
    const first = queue.ingest(ws.id, messages(['x1']));
    const good = queue.ingest(ws.id, messages(['g1', 'g2']));
    const bad = queue.ingest(ws.id, messages(['bad']));
    const alsoGood = queue.ingest(ws.id, messages(['g3']));
    release();

    await expect(bad).rejects.toThrow('the database refused the group');
    expect((await good).accepted).toBe(2);
    expect((await alsoGood).accepted).toBe(1);
    expect((await first).accepted).toBe(1);
    expect(groups).toEqual([[['x1']], [['g1', 'g2'], ['bad'], ['g3']], [['g1', 'g2']], [['bad']], [['g3']]]);
    expect(await storedIds(ws.id)).toEqual(['g1', 'g2', 'g3', 'x1']);
  });

  it('starts the next group while the running one commits, and the next one sees all it wrote', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const events: string[] = [];
    let calls = 0;
    const store: typeof ingestBatches = (services, workspaceId, batches, options) => {
      const group = ++calls;
      events.push(`group ${group} starts`);
      const stored = ingestBatches(services, workspaceId, batches, { onCommitting: () => (events.push(`group ${group} commits`), options?.onCommitting?.()) });
      return stored.then((results) => (events.push(`group ${group} committed`), results));
    };
    const queue = ingestQueue(services(), { store });
    const first = queue.ingest(ws.id, messages(['n1', 'n2'], 'u-next'));
    const second = queue.ingest(ws.id, messages(['n3', 'n1'], 'u-next'));
    const results = await Promise.all([first, second]);

    expect(events).toEqual(['group 1 starts', 'group 1 commits', 'group 2 starts', 'group 1 committed', 'group 2 commits', 'group 2 committed']);
    // The second group waited for the first's commit: it found n1 stored and the profile the first made.
    expect(results.map((r) => [r.accepted, r.duplicates])).toEqual([[2, 0], [1, 1]]);
    expect(await storedIds(ws.id)).toEqual(['n1', 'n2', 'n3']);
    const profiles = await hub.database.db.selectFrom('profiles').select('event_count').where('workspace_id', '=', ws.id).execute();
    expect(profiles).toEqual([{ event_count: 3 }]);
  });

  it('keeps a transaction within its message limit, and never makes another workspace wait', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const other = await testWorkspace(hub.app, hub.database);
    const { store, groups, release } = recordingStore();
    const queue = ingestQueue(services(), { store, messagesPerTransaction: 3 });
    const first = queue.ingest(ws.id, messages(['m1']));
    const queued = [queue.ingest(ws.id, messages(['m2', 'm3'])), queue.ingest(ws.id, messages(['m4'])), queue.ingest(ws.id, messages(['m5', 'm6', 'm7', 'm8']))];
    // The first group of `ws` is held; `other` goes ahead on its own.
    expect((await queue.ingest(other.id, messages(['o1'], 'u-2'))).accepted).toBe(1);
    release();
    await Promise.all([first, ...queued]);

    expect(groups).toEqual([[['m1']], [['o1']], [['m2', 'm3'], ['m4']], [['m5', 'm6', 'm7', 'm8']]]);
    expect(await storedIds(ws.id)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
  });
});
