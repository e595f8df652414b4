import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAuditEvents } from '../../server/src/db/audit-store';
import type { HubDatabase } from '../../server/src/db/database';
import { insertCustomers } from '../../server/test/customers';
import { hubDatabases } from '../../server/test/databases';
import { callHub, testHub, testWorkspace, waitFor } from '../../server/test/hub';
import { createFileVault } from '../../src/main/auth/token-vault';
import { createHubAccount } from '../../src/main/hub/hub-account';
import { createHubSync } from '../../src/main/hub/hub-sync';
import type { HubRecord, PushRequest, PushResponse } from '../../src/shared/sync/protocol';
import type { SyncTransport } from '../../src/shared/sync/transport';
import { recordAuditEvent } from '../../src/renderer/db/audit';
import { campaignRepository } from '../../src/renderer/db/campaigns';
import { KataDatabase, openDatabase } from '../../src/renderer/db/database';
import { createSyncEngine, type SyncEngineOptions, type SyncStatus } from '../../src/renderer/db/sync-engine';
import { syncedFieldsOf } from '../../src/renderer/db/synced-records';
import { tempDir } from '../ffmpeg-fixtures';
import { tcpProxy } from './tcp-proxy';

type Workspace = Awaited<ReturnType<typeof testWorkspace>>;

// Studio's sync engine (renderer, over Dexie on fake-indexeddb) and its Hub client (main), against a real Hub on
// PostgreSQL, through a TCP proxy the test breaks. After each scenario: nothing lost, nothing applied twice, every
// device equal to the Hub, and the audit chain intact.
describe('Studio syncs with a real Hub on PostgreSQL through faults', () => {
  let database: HubDatabase;
  let app: FastifyInstance;
  let hubPort = 0;
  let proxy: Awaited<ReturnType<typeof tcpProxy>>;
  const opened: KataDatabase[] = [];

  beforeAll(async () => {
    database = await hubDatabases.find((d) => d.name === 'PostgreSQL')!.open();
    app = await testHub(database);
    await app.listen({ port: 0, host: '127.0.0.1' });
    hubPort = (app.server.address() as { port: number }).port;
    proxy = await tcpProxy({ port: hubPort });
  }, 30_000);
  afterAll(async () => {
    for (const db of opened) await db.delete();
    await proxy?.close();
    await app?.close();
    await database?.close();
  });

  /** Kills the Hub with its connections (a request under way dies with it), then starts a new one on the same database and port. */
  async function restartHub(): Promise<void> {
    app.server.closeAllConnections();
    await app.close();
    app = await testHub(database);
    await app.listen({ port: hubPort, host: '127.0.0.1' });
  }

  /** Calls the Hub that runs now as the workspace owner (a workspace's own `call` stays with the Hub it was made on). */
  const call = (ws: Workspace, method: string, url: string, payload?: unknown) => callHub(app, method, url, payload, ws.ownerToken);

  type Person = { token: string; id: string; email: string; role: string };
  const ownerOf = (ws: Workspace): Person => ({ token: ws.ownerToken, id: ws.ownerId, email: ws.ownerEmail, role: 'owner' });

  /** Main's Hub client for `person`, signed in to the workspace through the proxy. */
  async function hubClientFor(ws: Workspace, person: Person): Promise<SyncTransport> {
    const dir = await tempDir('studio-sync');
    const vault = createFileVault(join(dir, 'hub-session.json'));
    await vault.save({ version: 1, hubUrl: proxy.url, accessToken: person.token, refreshToken: 'not-used', expiresAt: Date.now() + 3_600_000, user: { id: person.id, name: person.role, email: person.email, role: person.role }, workspace: { id: ws.id, name: 'Workspace', slug: ws.slug } });
    const account = createHubAccount({ vault, settingsFile: join(dir, 'hub-settings.json'), defaultSetting: { url: proxy.url }, onWarning: () => undefined });
    return createHubSync(account);
  }

  /** One Studio installation: its own Dexie database and device id, signed in to the workspace as `person` (the owner by default). */
  async function studio(ws: Workspace, person: Person = ownerOf(ws), wrap: (t: SyncTransport) => SyncTransport = (t) => t, engineOptions: Partial<SyncEngineOptions> = {}) {
    const transport = await hubClientFor(ws, person);
    const db = await openDatabase(new KataDatabase(`studio-${randomUUID()}`));
    opened.push(db);
    const made = { mutations: [] as string[], audits: 0 };
    db.outbox.hook('creating', (_key, entry) => {
      made.mutations.push(entry.id);
      if (entry.recordType === 'audit') made.audits += 1;
    });
    const engine = createSyncEngine({ db, transport: wrap(transport), firstRetryMs: 10, longestRetryMs: 50, ...engineOptions });
    return {
      db,
      transport,
      made,
      engine,
      campaigns: campaignRepository(db),
      audit: (subjectId: string) => recordAuditEvent({ db, kind: 'render-exported', subjectId, details: { file: `${subjectId}.mp4` } }),
      /** Syncs until the engine says synced (a failure retries, as the engine's timer would). */
      async syncUntilSynced(): Promise<SyncStatus[]> {
        const seen: SyncStatus[] = [];
        for (let attempt = 0; attempt < 20; attempt++) {
          const status = await engine.syncNow();
          seen.push(status);
          if (status.state === 'synced') return seen;
        }
        throw new Error(`never synced: ${JSON.stringify(seen.at(-1))}`);
      },
    };
  }
  type Studio = Awaited<ReturnType<typeof studio>>;

  const appliedCount = async (ws: Workspace) => (await database.db.selectFrom('sync_applied_mutations').select('mutation_id').where('workspace_id', '=', ws.id).execute()).length;

  /** Everything the Hub holds for the workspace, by pulling from the start. */
  async function hubRecords(ws: Workspace): Promise<Map<string, HubRecord>> {
    const records = new Map<string, HubRecord>();
    let cursor = '';
    for (;;) {
      const page = (await call(ws, 'GET', `/v1/sync/pull?limit=1000${cursor && `&cursor=${cursor}`}`)).json() as { changes: HubRecord[]; cursor: string; more: boolean };
      for (const record of page.changes) records.set(record.recordId, record);
      cursor = page.cursor;
      if (!page.more) return records;
    }
  }

  /** Every device holds what the Hub holds; each mutation was applied once (audit events appended once); the chain verifies. */
  async function expectConverged(ws: Workspace, studios: Studio[]): Promise<Map<string, HubRecord>> {
    const hub = await hubRecords(ws);
    const campaignsOnHub = [...hub.values()].filter((r) => r.recordType === 'campaign' && !r.deleted);
    for (const device of studios) {
      expect(await device.db.outbox.count()).toBe(0);
      const local = await device.db.campaigns.toArray();
      expect(local.map((c) => c.id).sort()).toEqual(campaignsOnHub.map((r) => r.recordId).sort());
      for (const record of campaignsOnHub) {
        const row = syncedFieldsOf('campaign', (await device.db.campaigns.get(record.recordId)) as unknown as { id: string });
        expect(Object.fromEntries(Object.keys(record.fields).map((f) => [f, row[f]])), record.recordId).toEqual(record.fields);
      }
    }
    const applied = await database.db.selectFrom('sync_applied_mutations').select('mutation_id').where('workspace_id', '=', ws.id).execute();
    expect(applied.map((a) => a.mutation_id).sort()).toEqual(studios.flatMap((s) => s.made.mutations).sort());
    const studioEvents = (await readAuditEvents(database.db, ws.id)).filter((e) => e.action.startsWith('studio.'));
    expect(studioEvents).toHaveLength(studios.reduce((n, s) => n + s.made.audits, 0));
    expect((await call(ws, 'GET', '/v1/audit/verify')).json()).toMatchObject({ ok: true });
    return hub;
  }

  async function someWork(device: Studio, count: number, prefix: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const { id } = await device.campaigns.create({ name: `${prefix} ${i}`, channels: ['tiktok'] });
      await device.campaigns.rename(id, `${prefix} ${i} renamed`);
      ids.push(id);
    }
    await device.audit(`${prefix}-render`);
    return ids;
  }

  it('loses nothing when the connection drops mid-push, and sends it all again', async () => {
    const ws = await testWorkspace(app, database);
    const laptop = await studio(ws);
    await someWork(laptop, 40, 'Cut');
    proxy.breakNextPush('cut-request');
    expect(await laptop.engine.syncNow()).toMatchObject({ state: 'offline', pending: 81, message: expect.stringMatching(/^The Hub could not be reached/) });
    await laptop.syncUntilSynced();
    const hub = await expectConverged(ws, [laptop]);
    expect([...hub.values()].every((r) => r.version === 2 && String(r.fields.name).endsWith('renamed'))).toBe(true);
  });

  it('loses nothing and applies nothing twice when the Hub is killed and restarted mid-batch', async () => {
    const ws = await testWorkspace(app, database);
    const laptop = await studio(ws);
    await someWork(laptop, 250, 'Killed');
    let restarted: Promise<void> | undefined;
    proxy.breakNextPush('notify', () => (restarted = new Promise((resolve) => setTimeout(resolve, 15)).then(restartHub)));
    const first = await laptop.engine.syncNow();
    expect(first.state).not.toBe('synced');
    await restarted;
    await laptop.syncUntilSynced();
    const hub = await expectConverged(ws, [laptop]);
    expect(hub.size).toBe(250);
    expect([...hub.values()].every((r) => r.version === 2)).toBe(true);
  });

  it('loses nothing when the Hub dies inside its transaction, before the batch commits (PostgreSQL rolls it back)', async () => {
    const ws = await testWorkspace(app, database);
    const laptop = await studio(ws);
    await someWork(laptop, 1, 'Before');
    await laptop.syncUntilSynced();
    const appliedBefore = await appliedCount(ws);
    await someWork(laptop, 200, 'Dying');
    // Holding the workspace's sequence row makes the Hub's push wait inside its transaction, every row of the batch in it.
    await database.db.transaction().execute(async (tx) => {
      await tx.selectFrom('sync_sequences').select('last_seq').where('workspace_id', '=', ws.id).forUpdate().execute();
      const pushing = laptop.engine.syncNow();
      const waiting = await waitFor(
        async () => (await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(database.db)).rows,
        (rows) => rows.length === 1,
      );
      expect(waiting).toHaveLength(1);
      // The Hub dies: its database session ends with it, and its HTTP server with the request under way.
      await sql`select pg_terminate_backend(${waiting[0]!.pid})`.execute(database.db);
      await restartHub();
      expect((await pushing).state).not.toBe('synced');
    });
    expect(await appliedCount(ws)).toBe(appliedBefore);
    await laptop.syncUntilSynced();
    const hub = await expectConverged(ws, [laptop]);
    expect([...hub.values()].filter((r) => r.recordType === 'campaign')).toHaveLength(201);
  });

  it('applies a push once when its answer is lost after the Hub committed', async () => {
    const ws = await testWorkspace(app, database);
    const laptop = await studio(ws);
    await someWork(laptop, 20, 'Lost');
    proxy.breakNextPush('lose-response');
    expect(await laptop.engine.syncNow()).toMatchObject({ state: 'offline', pending: 41 });
    // The Hub has them all; Studio does not know it and sends them again.
    const committed = await database.db.selectFrom('sync_applied_mutations').select('mutation_id').where('workspace_id', '=', ws.id).execute();
    expect(committed).toHaveLength(41);
    await laptop.syncUntilSynced();
    await expectConverged(ws, [laptop]);
  });

  it('ignores duplicated pushes and old pushes arriving late, out of order', async () => {
    const ws = await testWorkspace(app, database);
    const sent: { request: PushRequest; response: PushResponse }[] = [];
    let base: SyncTransport | undefined;
    const laptop = await studio(ws, undefined, (transport) => {
      base = transport;
      return {
        ...transport,
        // Every push goes twice at once, as a retrying network might send it.
        async push(request) {
          const [response] = await Promise.all([transport.push(request), transport.push(request)]);
          sent.push({ request, response });
          return response;
        },
      };
    });
    const ids = await someWork(laptop, 10, 'Dup');
    await laptop.syncUntilSynced();
    for (const [i, id] of ids.entries()) await laptop.campaigns.update(id, { objective: i % 2 ? 'conversion' : 'retention' });
    await laptop.syncUntilSynced();
    for (const id of ids) await laptop.campaigns.rename(id, `Final ${id.slice(0, 4)}`);
    await laptop.syncUntilSynced();
    const before = await expectConverged(ws, [laptop]);

    // Every old push again, newest first: each is answered as the first time and changes nothing.
    for (const { request, response } of [...sent].reverse()) expect(await base!.push(request)).toEqual(response);
    // A device that joins later pulls it all, a few changes per page.
    const desktop = await studio(ws, undefined, undefined, { pullPage: 3 });
    await desktop.syncUntilSynced();
    const after = await expectConverged(ws, [laptop, desktop]);
    expect([...after.values()].map((r) => [r.recordId, r.version, r.fields])).toEqual([...before.values()].map((r) => [r.recordId, r.version, r.fields]));
    expect([...after.values()].every((r) => r.version === 4 && String(r.fields.name).startsWith('Final'))).toBe(true);
  });

  it('sends a thousand edits made offline when the network comes back, in order', async () => {
    const ws = await testWorkspace(app, database);
    const laptop = await studio(ws);
    proxy.goOffline();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) ids.push((await laptop.campaigns.create({ name: `Offline ${i}` })).id);
      for (let edit = 0; edit < 980; edit++) await laptop.campaigns.rename(ids[edit % 20]!, `Offline ${edit % 20} edit ${edit}`);
      for (let i = 0; i < 5; i++) await laptop.audit(`offline-${i}`);
      expect(await laptop.engine.syncNow()).toMatchObject({ state: 'offline', pending: 1005 });
    } finally {
      proxy.goOnline();
    }
    const pushesBefore = proxy.pushesSeen;
    await laptop.syncUntilSynced();
    expect(proxy.pushesSeen - pushesBefore).toBe(3);
    const hub = await expectConverged(ws, [laptop]);
    // 49 renames per campaign after its create; the last one is the one kept.
    for (const record of hub.values()) {
      const n = Number(/^Offline (\d+)/.exec(String(record.fields.name))![1]);
      expect(record).toMatchObject({ version: 50, fields: { name: `Offline ${n} edit ${n + 960}` } });
    }
  }, 60_000);

  it('merges two devices editing the same campaign; the overwritten name is kept where its device can see it', async () => {
    const ws = await testWorkspace(app, database);
    const laptop = await studio(ws);
    const desktop = await studio(ws);
    const { id } = await laptop.campaigns.create({ name: 'Spring', channels: ['tiktok'] });
    await laptop.syncUntilSynced();
    await desktop.syncUntilSynced();
    expect(await desktop.campaigns.get(id)).toMatchObject({ name: 'Spring' });

    await laptop.campaigns.update(id, { name: 'Spring (laptop)', objective: 'conversion' });
    await desktop.campaigns.update(id, { name: 'Spring (desktop)', channels: ['youtube'] });
    await laptop.syncUntilSynced();
    proxy.breakNextPush('cut-request');
    await desktop.engine.syncNow();
    await desktop.syncUntilSynced();
    await laptop.syncUntilSynced();

    const hub = await expectConverged(ws, [laptop, desktop]);
    expect(hub.get(id)).toMatchObject({ fields: { name: 'Spring (desktop)', objective: 'conversion', channels: ['youtube'] } });
    expect(await desktop.db.syncConflicts.toArray()).toEqual([expect.objectContaining({ kind: 'overwritten', recordId: id, field: 'name', value: 'Spring (laptop)' })]);
    expect(await laptop.db.syncConflicts.count()).toBe(0);
  });

  it('runs on its own: after a change, and again with back-off while the Hub is unreachable, until it is back', async () => {
    const ws = await testWorkspace(app, database);
    const laptop = await studio(ws, undefined, undefined, { debounceMs: 20, intervalMs: 60_000, firstRetryMs: 20, longestRetryMs: 80 });
    const seen: SyncStatus['state'][] = [];
    laptop.engine.onStatus((status) => seen.push(status.state));
    laptop.engine.start();
    try {
      await expect.poll(() => laptop.engine.status().state).toBe('synced');
      proxy.goOffline();
      await laptop.campaigns.create({ name: 'Made offline' });
      await expect.poll(() => laptop.engine.status()).toMatchObject({ state: 'offline', pending: 1 });
      const offlineTries = () => seen.filter((s) => s === 'offline').length;
      await expect.poll(offlineTries).toBeGreaterThanOrEqual(3);
      proxy.goOnline();
      await expect.poll(() => laptop.engine.status().state, { timeout: 5_000 }).toBe('synced');
    } finally {
      proxy.goOnline();
      laptop.engine.stop();
    }
    await expectConverged(ws, [laptop]);
  });

  it("never sends one workspace's local data to another: signed in to a second workspace, sync stops and says where the data belongs", async () => {
    const first = await testWorkspace(app, database);
    const second = await testWorkspace(app, database);
    const colleague = await studio(second);
    const theirs = await someWork(colleague, 3, 'Second');
    await colleague.syncUntilSynced();
    const secondBefore = await hubRecords(second);

    const firstScope = `the workspace “${first.slug}”`;
    const laptop = await studio(first, undefined, undefined, { scope: () => firstScope });
    const mine = await someWork(laptop, 6, 'First');
    await laptop.syncUntilSynced();
    // Signed in to the second workspace on the same computer: same database, another account.
    await laptop.campaigns.rename(mine[0]!, 'Edited while signed in elsewhere');
    const switched = createSyncEngine({ db: laptop.db, transport: await hubClientFor(second, ownerOf(second)), scope: () => `the workspace “${second.slug}”` });
    expect(await switched.syncNow()).toEqual({ state: 'error', pending: 1, message: `This Studio's data syncs with ${firstScope}; sign in there to sync it. Nothing of it was sent to the workspace “${second.slug}”, and your changes stay on this computer.` });
    expect(await hubRecords(second)).toEqual(secondBefore);
    for (const id of theirs) expect(await laptop.campaigns.get(id)).toBeUndefined();
    // Back in the first workspace, the edit goes where it belongs.
    expect(await laptop.engine.syncNow()).toMatchObject({ state: 'synced' });
    expect(await laptop.db.outbox.count()).toBe(0);
  });

  it('keeps changes while signed out and says so; a change the Hub can never take is set aside where it can be seen, not blocking the rest', async () => {
    const ws = await testWorkspace(app, database);
    const dir = await tempDir('studio-sync');
    const signedOut = createHubAccount({ vault: createFileVault(join(dir, 'hub-session.json')), settingsFile: join(dir, 'hub-settings.json'), defaultSetting: { url: proxy.url } });
    const db = await openDatabase(new KataDatabase(`studio-${randomUUID()}`));
    opened.push(db);
    await campaignRepository(db).create({ name: 'Not yet' });
    expect(await createSyncEngine({ db, transport: createHubSync(signedOut) }).syncNow()).toEqual({ state: 'signed-out', pending: 1, message: 'Sign in to the Hub first (Settings → Hub).' });

    const laptop = await studio(ws);
    await laptop.db.outbox.add({ id: randomUUID(), recordType: 'audit', recordId: 's1', op: 'create', baseRev: 0, changes: { kind: 'script-safety-override', findings: [] }, deviceTime: new Date().toISOString() });
    await someWork(laptop, 3, 'After');
    await laptop.syncUntilSynced();
    expect(await laptop.db.syncConflicts.toArray()).toEqual([expect.objectContaining({ kind: 'unsendable', recordType: 'audit', message: expect.stringMatching(/^This change cannot be sent to the Hub \(mutations\.0\.changes\.action: /) })]);
    laptop.made.mutations.shift();
    laptop.made.audits -= 1;
    await expectConverged(ws, [laptop]);
  });

  it("keeps only consented members in Studio's copy of a segment: a consent withdrawn on the Hub removes the member on the next sync", async () => {
    const ws = await testWorkspace(app, database);
    await insertCustomers(database.db, ws.id, [
      { id: 'gold-1', traits: { plan: 'gold' }, consents: { 'email-marketing': 'granted' } },
      { id: 'gold-2', traits: { plan: 'gold' }, consents: { 'email-marketing': 'granted' } },
      { id: 'gold-3', traits: { plan: 'gold' }, consents: { 'email-marketing': 'denied' } },
    ]);
    const segment = (await call(ws, 'POST', '/v1/segments', { name: 'Gold', purpose: 'email-marketing', rule: { version: 1, match: { trait: 'plan', op: 'eq', value: 'gold' } } })).json();
    const untargeted = (await call(ws, 'POST', '/v1/segments', { name: 'Everyone', purpose: 'analytics', rule: { version: 1, match: { trait: 'plan', op: 'exists' } } })).json();
    await call(ws, 'POST', `/v1/segments/${segment.id}/snapshot`);

    const laptop = await studio(ws);
    await laptop.campaigns.create({ name: 'Gold push', segmentIds: [segment.id] });
    await laptop.syncUntilSynced();
    expect(await laptop.db.segments.get(segment.id)).toMatchObject({ name: 'Gold', purpose: 'email-marketing', memberCount: 2, membershipVersion: 1, members: ['gold-1', 'gold-2'], membersProblem: null });
    expect(await laptop.db.segments.get(untargeted.id)).toMatchObject({ name: 'Everyone', members: null });

    expect((await call(ws, 'PUT', '/v1/customers/gold-2/consent/email-marketing', { status: 'denied' })).statusCode).toBe(200);
    await call(ws, 'POST', `/v1/segments/${segment.id}/snapshot`);
    await laptop.syncUntilSynced();
    expect(await laptop.db.segments.get(segment.id)).toMatchObject({ memberCount: 1, membershipVersion: 2, members: ['gold-1'] });

    // A role without segments.export sees the segment and its count, never its members, and is told why.
    const creator = await ws.member('creator');
    const creatorsLaptop = await studio(ws, { ...creator, role: 'creator' });
    await creatorsLaptop.campaigns.create({ name: 'Also gold', segmentIds: [segment.id] });
    await creatorsLaptop.syncUntilSynced();
    expect(await creatorsLaptop.db.segments.get(segment.id)).toMatchObject({ memberCount: 1, members: null, membersProblem: expect.stringContaining('does not allow segments.export') });
  });
});
