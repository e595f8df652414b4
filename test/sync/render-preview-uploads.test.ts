import 'fake-indexeddb/auto';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubDatabase } from '../../server/src/db/database';
import { hubDatabases } from '../../server/test/databases';
import { callHub, testHub, testWorkspace, waitFor } from '../../server/test/hub';
import { createFileVault } from '../../src/main/auth/token-vault';
import { createHubAccount } from '../../src/main/hub/hub-account';
import { createRenderPreviewUploads } from '../../src/main/hub/render-preview-uploads';
import { makePreviewClip } from '../../src/main/media/preview-clip';
import { appRouter } from '../../src/main/router';
import { KataDatabase, openDatabase } from '../../src/renderer/db/database';
import { pendingMutations } from '../../src/renderer/db/outbox';
import { renderRecordRepository } from '../../src/renderer/db/render-records';
import { createSyncEngine } from '../../src/renderer/db/sync-engine';
import { parseComposition } from '../../src/shared/composition/composition';
import { renderRecordOf } from '../../src/shared/sync/render-record';
import { SyncFailure, type SyncTransport } from '../../src/shared/sync/transport';
import { systemFfmpeg, tempDir } from '../ffmpeg-fixtures';
import { makeVideo } from '../media-fixtures';
import { oneClipComposition } from '../render-fixtures';
import { testServices } from '../studio-services';

type Workspace = Awaited<ReturnType<typeof testWorkspace>>;

// Main's preview uploads through its real Hub client, against a real Hub on PostgreSQL: waiting while offline
// or before the render is synced, kept across a restart, sent once it can be, dropped only when it never could be.
describe('render preview uploads from Studio to a real Hub', () => {
  let database: HubDatabase;
  let app: FastifyInstance;
  let hubUrl: string;

  beforeAll(async () => {
    database = await hubDatabases.find((d) => d.name === 'PostgreSQL')!.open();
    app = await testHub(database);
    await app.listen({ port: 0, host: '127.0.0.1' });
    hubUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  /** Main's Hub account for the workspace owner, at `url` (the Hub, or an address where nothing answers). */
  async function accountFor(ws: Workspace, url: string) {
    const dir = await tempDir('preview-uploads');
    const vault = createFileVault(join(dir, 'hub-session.json'));
    await vault.save({ version: 1, hubUrl: url, accessToken: ws.ownerToken, refreshToken: 'not-used', expiresAt: Date.now() + 3_600_000, user: { id: ws.ownerId, name: 'Olivia Owner', email: ws.ownerEmail, role: 'owner' }, workspace: { id: ws.id, name: 'Workspace', slug: ws.slug } });
    return createHubAccount({ vault, settingsFile: join(dir, 'hub-settings.json'), defaultSetting: { url }, onWarning: () => undefined });
  }

  it('waits while the Hub is out of reach or has no such render, survives a restart, then uploads the clip once', async () => {
    const ws = await testWorkspace(app, database);
    const dir = await tempDir('preview-uploads');
    const render = await makeVideo({ seconds: 4, width: 640, height: 360 });
    const clip = await makePreviewClip({ ffmpegPath: systemFfmpeg, path: render, outputPath: join(dir, 'teaser.preview.mp4') });
    const stateFile = join(dir, 'preview-uploads.json');
    const warnings: string[] = [];

    // Offline: nothing answers at that address.
    const offline = await createRenderPreviewUploads({ account: await accountFor(ws, 'http://127.0.0.1:9'), stateFile, onWarning: (m) => warnings.push(m) });
    await offline.add({ renderId: 'r-teaser', previewPath: clip.outputPath });
    expect(await offline.flush()).toEqual({ uploaded: [], waiting: ['r-teaser'], dropped: [] });
    expect(offline.pending()[0]!.lastProblem).toBe('the Hub could not be reached');

    // Studio restarts, online now, but the render record has not reached the Hub yet.
    const online = await createRenderPreviewUploads({ account: await accountFor(ws, hubUrl), stateFile, onWarning: (m) => warnings.push(m) });
    expect(online.pending().map((u) => u.renderId)).toEqual(['r-teaser']);
    expect(await online.flush()).toEqual({ uploaded: [], waiting: ['r-teaser'], dropped: [] });
    expect(online.pending()[0]!.lastProblem).toMatch(/^the Hub answered 404: No render r-teaser in this workspace/);

    // The record syncs; the next flush sends the clip, byte for byte, and forgets it. The clip stays on disk.
    const pushed = await callHub(app, 'POST', '/v1/sync/push', { deviceId: randomUUID(), mutations: [{ id: randomUUID(), recordType: 'render', recordId: 'r-teaser', op: 'create', baseRev: 0, changes: { name: 'Teaser', status: 'done' }, deviceTime: new Date().toISOString() }] }, ws.ownerToken);
    expect(pushed.statusCode, pushed.body).toBe(200);
    expect(await online.flush()).toEqual({ uploaded: ['r-teaser'], waiting: [], dropped: [] });
    const onHub = await callHub(app, 'GET', '/v1/renders/r-teaser/preview', undefined, ws.ownerToken);
    expect(onHub.rawPayload.equals(await readFile(clip.outputPath))).toBe(true);
    expect(JSON.parse(await readFile(stateFile, 'utf8'))).toEqual({ version: 1, uploads: [] });
    expect(existsSync(clip.outputPath)).toBe(true);
    expect(warnings).toEqual([]);
  }, 180_000);

  it("a finished render goes through Studio's own path: its record waits offline, reaches the Hub first, then its preview; removed, it is deleted there", async () => {
    const ws = await testWorkspace(app, database);
    const services = await testServices({ hubAccount: await accountFor(ws, hubUrl) });
    const studio = appRouter.createCaller({ services });
    // The renderer's side: its Dexie outbox and sync engine, reaching the Hub only through main's router.
    const db = await openDatabase(new KataDatabase(`render-records-${randomUUID()}`));
    const records = renderRecordRepository(db);
    // Offline until the test says: the link to the Hub fails as main's Hub client fails when nothing answers.
    let online = false;
    const throughMain: SyncTransport = {
      push: (request) => (online ? studio.hub.sync.push(request) : Promise.reject(new SyncFailure('offline', 'The Hub could not be reached (ECONNREFUSED).'))),
      pull: (input) => studio.hub.sync.pull(input),
      segments: (input) => studio.hub.sync.segments(input),
      segmentMembers: (input) => studio.hub.sync.segmentMembers(input),
    };
    const engine = createSyncEngine({ db, transport: throughMain });
    try {
      const dir = await tempDir('render-records');
      const composition = parseComposition(oneClipComposition({ name: 'Spring teaser', videoPath: await makeVideo({ seconds: 2, width: 160, height: 120 }) }));
      const queued = await studio.render.enqueue({ composition, outputPath: join(dir, 'spring-teaser.mp4') });
      expect(await records.note(queued)).toBe('created');

      // Done, and main has made its preview clip and tried it at once: the Hub has no such render yet, so it waits.
      const uploads = await services.previewUploads();
      await waitFor(async () => uploads.pending().find((u) => u.renderId === queued.id)?.lastProblem ?? null, (problem) => problem !== null, 60);
      expect(uploads.pending().find((u) => u.renderId === queued.id)?.lastProblem).toMatch(/^the Hub answered 404/);
      const done = (await studio.render.list()).find((job) => job.id === queued.id)!;
      expect(done.state).toBe('done');
      // Reported again by the list and the subscription: written once.
      expect(await records.note(done)).toBe('updated');
      expect(await records.note(done)).toBe('unchanged');
      expect((await pendingMutations(db)).map((m) => m.op)).toEqual(['create', 'update']);

      // Offline: the records wait in the outbox, nothing lost.
      expect(await engine.syncNow()).toMatchObject({ state: 'offline', pending: 2 });
      expect((await pendingMutations(db)).map((m) => m.op)).toEqual(['create', 'update']);

      // Online again, one sync: the records go, then main sends the preview after the push.
      online = true;
      expect(await engine.syncNow()).toMatchObject({ state: 'synced' });
      expect(await pendingMutations(db)).toEqual([]);
      const listed = await waitFor(
        async () => (await callHub(app, 'GET', '/v1/renders', undefined, ws.ownerToken)).json<{ renders: { id: string; fields: Record<string, unknown>; hasPreview: boolean }[] }>().renders,
        (renders) => renders.some((r) => r.id === queued.id && r.hasPreview),
        60,
      );
      const onHub = listed.find((r) => r.id === queued.id)!;
      expect(onHub.hasPreview).toBe(true);
      expect(onHub.fields).toEqual(renderRecordOf(done));
      expect(onHub.fields).toMatchObject({ status: 'done', outputFileName: 'spring-teaser.mp4', compositionName: 'Spring teaser', width: 160, height: 160 });
      expect(onHub.fields.sizeBytes).toBeGreaterThan(0);
      expect(JSON.stringify(onHub.fields)).not.toContain(dir);
      // The Hub holds the preview before its answer reaches main, which then drops the upload from its queue.
      await expect.poll(() => uploads.pending(), { timeout: 10_000 }).toEqual([]);

      // Removed from Studio's history: the record is deleted on the Hub at the next sync.
      await studio.render.remove({ jobId: queued.id });
      await records.remove(queued.id);
      expect(await engine.syncNow()).toMatchObject({ state: 'synced' });
      const after = (await callHub(app, 'GET', '/v1/renders', undefined, ws.ownerToken)).json<{ renders: { id: string; deleted: boolean; fields: object }[] }>().renders;
      expect(after.find((r) => r.id === queued.id)).toMatchObject({ deleted: true, fields: {} });
    } finally {
      engine.stop();
      await services.close();
      await db.delete();
    }
  }, 180_000);

  it('forgets the clip of a render removed from the history, across a restart', async () => {
    const dir = await tempDir('preview-uploads');
    const stateFile = join(dir, 'preview-uploads.json');
    const account = { fetch: () => Promise.reject(new Error('not called')) };
    const uploads = await createRenderPreviewUploads({ account, stateFile });
    await uploads.add({ renderId: 'r-kept', previewPath: join(dir, 'kept.preview.mp4') });
    await uploads.add({ renderId: 'r-removed', previewPath: join(dir, 'removed.preview.mp4') });
    await uploads.forget('r-removed');
    await uploads.forget('r-never-added');
    expect(uploads.pending().map((u) => u.renderId)).toEqual(['r-kept']);
    expect((await createRenderPreviewUploads({ account, stateFile })).pending().map((u) => u.renderId)).toEqual(['r-kept']);
  });

  it('drops an upload only when it can never go: its clip is gone, or the Hub refuses the clip itself', async () => {
    const ws = await testWorkspace(app, database);
    const dir = await tempDir('preview-uploads');
    await callHub(app, 'POST', '/v1/sync/push', { deviceId: randomUUID(), mutations: ['r-gone', 'r-bad'].map((recordId) => ({ id: randomUUID(), recordType: 'render', recordId, op: 'create', baseRev: 0, changes: { name: recordId }, deviceTime: new Date().toISOString() })) }, ws.ownerToken);
    const notVideo = join(dir, 'bad.preview.mp4');
    await writeFile(notVideo, 'an error page saved where the clip should be');
    const gone = join(dir, 'gone.preview.mp4');
    await writeFile(gone, 'soon deleted');
    await rm(gone);
    const warnings: string[] = [];
    const uploads = await createRenderPreviewUploads({ account: await accountFor(ws, hubUrl), stateFile: join(dir, 'preview-uploads.json'), onWarning: (m) => warnings.push(m) });
    await uploads.add({ renderId: 'r-gone', previewPath: gone });
    await uploads.add({ renderId: 'r-bad', previewPath: notVideo });
    expect(await uploads.flush()).toEqual({ uploaded: [], waiting: [], dropped: ['r-gone', 'r-bad'] });
    expect(warnings).toEqual([
      `The preview of render r-gone was not uploaded: the preview ${gone} is gone.`,
      'The preview of render r-bad was not uploaded: the Hub answered 400: body: the body is not an MP4: it does not open with an "ftyp" box.',
    ]);
    expect(uploads.pending()).toEqual([]);
  }, 120_000);
});
