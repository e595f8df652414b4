import { describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { hubOnTestDatabase, testCipher, testWorkspace } from '../../test/hub';
import { applyConsentChanges, beginIngest, writeIngest } from '../db/cdp-store';
import { expectedState, ingestBatches, prepareIngest, type GroupWrites, type IngestResult } from './ingest';
import { prepareForIngest, type PreparedMessage } from './prepared-message';
import { ingestQueue } from './ingest-queue';
import { prepareMessage, type IngestedMessage } from './messages';

function messages(ids: string[], userId = 'u-1'): IngestedMessage[] {
  return ids.map((messageId) => {
    const prepared = prepareMessage({ type: 'track', messageId, userId, event: 'Viewed', timestamp: '2026-11-24T09:00:00Z' }, new Date());
    if (!prepared.ok) throw prepared.error;
    return prepared.value;
  });
}

describe.each(hubDatabases)('ingest group commit on $name', ({ name, open }) => {
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

  /** A store and a resolve-ahead that log what each group does, and how each group was resolved. */
  function loggingPipeline(options: { afterPreparing?: () => Promise<void> } = {}) {
    const events: string[] = [];
    const resolved: string[] = [];
    let calls = 0;
    const store: typeof ingestBatches = async (services, workspaceId, batches, given) => {
      const group = ++calls;
      events.push(`group ${group} starts`);
      const results = await ingestBatches(services, workspaceId, batches, {
        ...given,
        onResolved: (how) => resolved.push(how),
        onWriting: (writes) => (events.push(`group ${group} writes`), given?.onWriting?.(writes)),
      });
      events.push(`group ${group} committed`);
      return results;
    };
    const prepare: typeof prepareIngest = async (...args) => {
      events.push(`group ${calls + 1} resolves ahead`);
      const prepared = await prepareIngest(...args);
      await options.afterPreparing?.();
      return prepared;
    };
    return { store, prepare, events, resolved };
  }

  function identify(messageId: string, userId: string, emailMarketing: boolean): IngestedMessage {
    const prepared = prepareMessage({ type: 'identify', messageId, userId, traits: { plan: 'pro' }, context: { consent: { categoryPreferences: { 'Email Marketing': emailMarketing } } }, timestamp: '2026-11-24T09:00:00Z' }, new Date());
    if (!prepared.ok) throw prepared.error;
    return prepared.value;
  }
  const profilesOf = (workspaceId: string) => hub.database.db.selectFrom('profiles').select(['id', 'event_count']).where('workspace_id', '=', workspaceId).execute();
  const consentOf = (workspaceId: string) => hub.database.db.selectFrom('consents').select(['purpose', 'status', 'source']).where('workspace_id', '=', workspaceId).execute();

  it('resolves the next group ahead while the running one writes, against what it writes, and stores it once that one commits', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const { store, prepare, events, resolved } = loggingPipeline();
    const queue = ingestQueue(services(), { store, prepare });
    const first = queue.ingest(ws.id, [identify('n1', 'u-next', true), ...messages(['n2'], 'u-next')]);
    // Everything here meets what the first group writes: its profile (by the user id) and its consent.
    const second = queue.ingest(ws.id, [...messages(['n3', 'n4'], 'u-next'), identify('n5', 'u-next', true)]);
    const results = await Promise.all([first, second]);

    const at = (event: string) => events.indexOf(event);
    expect(at('group 1 writes')).toBeGreaterThan(at('group 1 starts'));
    expect(at('group 2 resolves ahead')).toBeGreaterThan(at('group 1 writes'));
    expect(at('group 2 resolves ahead')).toBeLessThan(at('group 1 committed'));
    expect(at('group 2 starts')).toBeGreaterThan(at('group 2 resolves ahead'));
    // Nothing but the first group was written in between: the second is written as resolved ahead.
    expect(resolved).toEqual(['under the lock', 'prepared']);
    expect(results.map((r) => [r.accepted, r.duplicates, r.consentChanges])).toEqual([[2, 0, 1], [3, 0, 0]]);
    expect(await storedIds(ws.id)).toEqual(['n1', 'n2', 'n3', 'n4', 'n5']);
    expect((await profilesOf(ws.id)).map((p) => p.event_count)).toEqual([5]);
    expect(await consentOf(ws.id)).toEqual([{ purpose: 'email-marketing', status: 'granted', source: 'event:identify' }]);
  });

  it('resolves a group again under the lock when consent was set through the API after it was resolved ahead', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const sent: { first?: Promise<unknown> } = {};
    const { store, prepare, resolved } = loggingPipeline({
      // After the second group was resolved ahead (the customer had granted), an admin records a withdrawal.
      afterPreparing: async () => {
        await sent.first;
        const profileId = (await profilesOf(ws.id))[0]!.id;
        await hub.database.db.transaction().execute((tx) => applyConsentChanges(tx, ws.id, [{ profileId, purpose: 'email-marketing', status: 'denied', source: 'api', legalBasis: 'consent', messageId: null, at: new Date() }]));
      },
    });
    const queue = ingestQueue(services(), { store, prepare });
    sent.first = queue.ingest(ws.id, [identify('w1', 'u-withdrew', true)]);
    const second = queue.ingest(ws.id, [identify('w2', 'u-withdrew', true)]);
    const results = await Promise.all([sent.first, second]);

    expect(resolved).toEqual(['under the lock', 'under the lock']);
    // Against the stale plan the grant would have looked unchanged; read again, it is a change back from the withdrawal.
    expect((results[1] as { consentChanges: number }).consentChanges).toBe(1);
    expect(await consentOf(ws.id)).toEqual([{ purpose: 'email-marketing', status: 'granted', source: 'event:identify' }]);
    const history = await hub.database.db.selectFrom('consent_history').select(['status', 'source']).where('workspace_id', '=', ws.id).orderBy('ingest_seq').execute();
    expect(history).toEqual([
      { status: 'granted', source: 'event:identify' },
      { status: 'denied', source: 'api' },
      { status: 'granted', source: 'event:identify' },
    ]);
  });

  it('resolves a group again under the lock when the group it was resolved against failed while writing', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const { store: logged, prepare, resolved } = loggingPipeline();
    let calls = 0;
    // The first group's transaction breaks after it said what it would write (the next group is resolved against that), and rolls back.
    const store: typeof ingestBatches = (services, workspaceId, batches, given) =>
      ++calls === 1 ? logged(services, workspaceId, batches, { ...given, onWriting: (writes) => (given?.onWriting?.(writes), thrown()) }) : logged(services, workspaceId, batches, given);
    const thrown = () => {
      throw new Error('the connection was lost');
    };
    const queue = ingestQueue(services(), { store, prepare });
    const first = queue.ingest(ws.id, messages(['l1'], 'u-lost'));
    const second = queue.ingest(ws.id, messages(['l2'], 'u-lost'));

    await expect(first).rejects.toThrow('the connection was lost');
    expect((await second).accepted).toBe(1);
    // Against the plan made ahead, l2 would have gone to the profile the failed group never stored.
    expect(resolved).toEqual(['under the lock', 'under the lock']);
    expect(await storedIds(ws.id)).toEqual(['l2']);
    const [profile] = await profilesOf(ws.id);
    expect(profile?.event_count).toBe(1);
    const [event] = await hub.database.db.selectFrom('events').select('profile_id').where('workspace_id', '=', ws.id).execute();
    expect(event?.profile_id).toBe(profile?.id);
  });

  it('stores a group resolved ahead that repeats a stored message by looking message ids up', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const { store, prepare, resolved } = loggingPipeline();
    const queue = ingestQueue(services(), { store, prepare });
    const first = queue.ingest(ws.id, messages(['r1', 'r2'], 'u-replay'));
    const second = queue.ingest(ws.id, messages(['r3', 'r1'], 'u-replay'));
    const results = await Promise.all([first, second]);

    // The plan made ahead took r1 as new: the events' key refused its statement, and the group went again under the lock.
    expect(resolved).toEqual(['under the lock', 'under the lock']);
    expect(results.map((r) => [r.accepted, r.duplicates])).toEqual([[2, 0], [1, 1]]);
    expect(await storedIds(ws.id)).toEqual(['r1', 'r2', 'r3']);
    expect((await profilesOf(ws.id)).map((p) => p.event_count)).toEqual([3]);
  });

  it('lays what the groups before write over a snapshot, and writes the plan only on the state it was resolved against', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const batch = [prepareForIngest(testCipher, ws.id, identify('a1', 'u-ahead', true))];
    const userId = batch[0]!.own.find((i) => i.kind === 'user_id')!;
    // The group before attached this user id to its profile and recorded the grant; neither is committed.
    const at = new Date('2026-11-24T08:00:00Z');
    const before: GroupWrites = {
      turn: { previous: null, version: '999' },
      changes: {
        identities: [{ kind: 'user_id', hash: userId.hash, valueEnc: testCipher.encrypt('u-ahead'), profileId: 'p-before', seenAt: at }],
        consentChanges: [{ profileId: 'p-before', purpose: 'email-marketing', status: 'granted', source: 'event:identify', legalBasis: 'consent', messageId: 'a0', at }],
      },
    };
    const prepared = (await prepareIngest(services(), ws.id, [batch], [before]))!;
    expect(prepared.basis).toBeNull();
    expect(prepared.plan.write.events.map((e) => e.profileId)).toEqual(['p-before']);
    expect([...prepared.plan.created.keys()]).toEqual([]);
    expect(prepared.plan.write.profiles.map((p) => p.id)).toEqual(['p-before']);
    expect(prepared.plan.write.consentChanges).toEqual([]);

    // Written only right after that group, from a state the snapshot could have been: before it, or after it.
    expect(expectedState(prepared)).toBe('999');
    expect(expectedState({ ...prepared, basis: '999' })).toBe('999');
    expect(expectedState({ ...prepared, basis: '5' })).toBeUndefined();
    expect(expectedState({ ...prepared, over: [{ ...before, turn: undefined }] })).toBeUndefined();
    expect(expectedState({ ...prepared, over: [before, { changes: before.changes, turn: { previous: '998', version: '1000' } }] })).toBeUndefined();

    // A group that merges cannot be laid over: resolved under the lock instead.
    expect(await prepareIngest(services(), ws.id, [batch], [{ ...before, changes: null }])).toBeUndefined();
  });

  // PGlite has one connection: there, a statement never waits behind another transaction.
  if (name !== 'PGlite')
    it('writes a group in one statement that waits for the lock, and updates a profile committed while it waited', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const message = (id: string) => [prepareForIngest(testCipher, ws.id, messages([id], 'u-waits')[0]!)];
    const firstPlan = (await prepareIngest(services(), ws.id, [message('q1')], []))!;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: (writes: GroupWrites) => void;
    const turnTaken = new Promise<GroupWrites>((resolve) => (locked = resolve));
    // The first group creates the customer's profile and holds the lock, uncommitted, until released.
    const first = hub.database.db.transaction().execute(async (tx) => {
      const turn = await beginIngest(tx, ws.id);
      await writeIngest(tx, ws.id, firstPlan.plan.write);
      locked({ changes: firstPlan.plan.write, turn });
      await held;
    });
    const before = await turnTaken;
    const prepared = (await prepareIngest(services(), ws.id, [message('q2')], [before]))!;
    expect([...prepared.plan.created.keys()]).toEqual([]);
    expect(prepared.plan.write.profiles.map((p) => p.id)).toEqual([...firstPlan.plan.created.keys()]);
    const resolved: string[] = [];
    const second = ingestBatches(services(), ws.id, [message('q2')], { prepared, onResolved: (how) => resolved.push(how) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await first;
    expect((await second)[0]!.accepted).toBe(1);
    expect(resolved).toEqual(['prepared']);
    expect((await profilesOf(ws.id)).map((p) => p.event_count)).toEqual([2]);
    expect(await storedIds(ws.id)).toEqual(['q1', 'q2']);
  });

  it('keeps every customer on one profile with every event counted, while groups are resolved ahead as batches keep coming', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const { store, prepare, resolved } = loggingPipeline();
    const queue = ingestQueue(services(), { store, prepare });
    const users = 12;
    const sent = new Map<number, number>();
    let next = 0;
    const batch = () =>
      Array.from({ length: 8 }, () => {
        const user = Math.floor(Math.random() * users);
        sent.set(user, (sent.get(user) ?? 0) + 1);
        const messageId = `s${next++}`;
        const message = next % 3 === 0 ? { type: 'identify', messageId, userId: `user-${user}`, anonymousId: `anon-${user}`, traits: { email: `user-${user}@example.com` } } : { type: 'track', messageId, anonymousId: `anon-${user}`, ...(next % 2 === 0 ? { userId: `user-${user}` } : {}), event: 'Viewed' };
        const prepared = prepareMessage({ ...message, timestamp: '2026-11-24T09:00:00Z' }, new Date());
        if (!prepared.ok) throw prepared.error;
        return prepared.value;
      });
    const answers: Promise<IngestResult>[] = [];
    for (let wave = 0; wave < 15; wave++) {
      answers.push(queue.ingest(ws.id, batch()), queue.ingest(ws.id, batch()));
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const results = await Promise.all(answers);

    expect(results.reduce((sum, r) => sum + r.accepted, 0)).toBe(next);
    expect(resolved).toContain('prepared');
    const live = await hub.database.db.selectFrom('profiles').select(['id', 'event_count']).where('workspace_id', '=', ws.id).where('merged_into', 'is', null).execute();
    const identities = await hub.database.db.selectFrom('identities').select(['kind', 'value_hash', 'profile_id']).where('workspace_id', '=', ws.id).execute();
    const events = await hub.database.db.selectFrom('events').select(['profile_id']).where('workspace_id', '=', ws.id).execute();
    // One live profile per customer, holding all their identifiers, and as many events as they sent.
    expect(live).toHaveLength(sent.size);
    for (const [user, count] of sent) {
      const profilesOfUser = new Set(['user_id', 'anonymous_id', 'email'].flatMap((kind) => identities.filter((i) => i.kind === kind && i.value_hash === testCipher.lookupHash(ws.id, kind, kind === 'email' ? `user-${user}@example.com` : `${kind === 'user_id' ? 'user' : 'anon'}-${user}`)).map((i) => i.profile_id)));
      expect(profilesOfUser.size).toBe(1);
      const [profileId] = profilesOfUser;
      expect(live.find((p) => p.id === profileId)?.event_count).toBe(count);
      expect(events.filter((e) => e.profile_id === profileId)).toHaveLength(count);
    }
  });

  it('resolves groups ahead again soon after one was found stale, while batches keep coming', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const { store, prepare, resolved } = loggingPipeline();
    const queue = ingestQueue(services(), { store, prepare });
    await queue.ingest(ws.id, [identify('c0', 'u-api', true)]);
    const profileId = (await profilesOf(ws.id))[0]!.id;
    let stale = -1;
    const answers: Promise<IngestResult>[] = [];
    for (let wave = 0; wave < 40; wave++) {
      answers.push(queue.ingest(ws.id, messages([`c${wave}a`, `c${wave}b`], `u-${wave % 5}`)), queue.ingest(ws.id, messages([`c${wave}c`], 'u-api')));
      if (wave === 10) {
        // An admin records consent while groups are resolved ahead: the group in flight finds its plan stale.
        await hub.database.db.transaction().execute((tx) => applyConsentChanges(tx, ws.id, [{ profileId, purpose: 'email-marketing', status: 'denied', source: 'api', legalBasis: 'consent', messageId: null, at: new Date() }]));
        stale = resolved.length;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const results = await Promise.all(answers);

    expect(results.reduce((sum, r) => sum + r.accepted, 0)).toBe(120);
    expect(resolved.slice(0, stale)).toContain('prepared');
    // Within a few groups of the stale one, groups are resolved ahead and written as planned again.
    const after = resolved.slice(stale);
    expect(after).toContain('under the lock');
    expect(after.slice(after.indexOf('under the lock') + 3)).toContain('prepared');
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
