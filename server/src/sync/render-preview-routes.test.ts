import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutboxMutation } from '../../../src/shared/sync/mutation';
import { readAuditEvents } from '../db/audit-store';
import { hubDatabases } from '../../test/databases';
import { hubOnTestDatabase, testWorkspace } from '../../test/hub';
import { previewClip } from '../../test/preview-clip';
import { describeNotMp4 } from './render-preview-routes';

const device = randomUUID();
const mutation = (recordId: string, op: OutboxMutation['op'], changes: Record<string, unknown>, baseRev = 0, recordType: OutboxMutation['recordType'] = 'render'): OutboxMutation => ({ id: randomUUID(), recordType, recordId, op, baseRev, changes, deviceTime: '2026-11-24T08:30:00.000Z' });

let clip: Buffer;
beforeAll(async () => {
  clip = await previewClip();
});

describe('describeNotMp4', () => {
  it('accepts an MP4 FFmpeg made and names what is wrong with anything else', async () => {
    expect(describeNotMp4(clip)).toBeNull();
    expect(describeNotMp4(Buffer.from('not a video'))).toMatch(/too short/);
    expect(describeNotMp4(Buffer.from('<html><body>a proxy error page</body></html>'))).toMatch(/does not open with an "ftyp" box/);
    const lying = Buffer.from(clip);
    lying.writeUInt32BE(1_000_000, 0);
    expect(describeNotMp4(lying)).toMatch(/"ftyp" box says it is 1000000 bytes/);
  });
});

describe.each(hubDatabases)('render previews on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);
  const put = (ws: Awaited<ReturnType<typeof testWorkspace>>, id: string, payload: Buffer | string, options: { token?: string; type?: string } = {}) =>
    hub.app.inject({ method: 'PUT', url: `/v1/renders/${id}/preview`, payload, headers: { authorization: `Bearer ${options.token ?? ws.ownerToken}`, 'content-type': options.type ?? 'video/mp4' } });

  it('stores an uploaded preview, serves it back with an ETag, and lists the render as having one', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    expect((await ws.call('POST', '/v1/sync/push', { deviceId: device, mutations: [mutation('r1', 'create', { name: 'Teaser', status: 'done' }), mutation('r2', 'create', { name: 'Teaser 9:16', status: 'done' })] })).statusCode).toBe(200);
    const auditBefore = (await readAuditEvents(hub.database.db, ws.id)).length;

    const uploaded = await put(ws, 'r1', clip);
    expect(uploaded.statusCode, uploaded.body).toBe(200);
    expect(uploaded.json()).toMatchObject({ id: 'r1', size: clip.length, etag: expect.any(String) });
    const audit = await readAuditEvents(hub.database.db, ws.id);
    expect(audit).toHaveLength(auditBefore + 1);
    expect(audit.at(-1)).toMatchObject({ action: 'render.preview-uploaded', target: { kind: 'render', id: 'r1' } });

    const got = await ws.call('GET', '/v1/renders/r1/preview');
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('video/mp4');
    expect(got.headers['cache-control']).toBe('private, no-cache');
    expect(got.rawPayload.equals(clip)).toBe(true);
    const etag = got.headers.etag as string;
    expect(etag).toBe(`"${uploaded.json().etag}"`);
    const again = await hub.app.inject({ method: 'GET', url: '/v1/renders/r1/preview', headers: { authorization: `Bearer ${ws.ownerToken}`, 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);

    const listed = (await ws.call('GET', '/v1/renders')).json().renders;
    expect(listed.map((r: { id: string; hasPreview: boolean; previewEtag: string | null }) => [r.id, r.hasPreview, r.previewEtag])).toEqual([
      ['r1', true, uploaded.json().etag],
      ['r2', false, null],
    ]);

    // A new upload replaces the clip, and its ETag changes with it.
    const longer = await previewClip({ seconds: 2, width: 160, height: 90 });
    const replaced = await put(ws, 'r1', longer);
    expect(replaced.json().etag).not.toBe(uploaded.json().etag);
    expect((await hub.app.inject({ method: 'GET', url: '/v1/renders/r1/preview', headers: { authorization: `Bearer ${ws.ownerToken}`, 'if-none-match': etag } })).rawPayload.equals(longer)).toBe(true);
  });

  it('refuses what is not an MP4, too large, not a render of the workspace, or not the caller’s to send', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    await ws.call('POST', '/v1/sync/push', { deviceId: device, mutations: [mutation('r1', 'create', { name: 'Teaser' }), mutation('c1', 'create', { name: 'Spring' }, 0, 'campaign')] });
    const analyst = await ws.member('analyst');
    const auditBefore = (await readAuditEvents(hub.database.db, ws.id)).length;

    const html = await put(ws, 'r1', '<html>a proxy error page, long enough</html>');
    expect(html.statusCode).toBe(400);
    expect(html.json()).toMatchObject({ error: 'body: the body is not an MP4: it does not open with an "ftyp" box.', code: 'not-mp4' });
    const asJson = await put(ws, 'r1', JSON.stringify({ video: 'base64…' }), { type: 'application/json' });
    expect(asJson.statusCode).toBe(415);
    expect(asJson.json().error).toMatch(/Content-Type video\/mp4/);
    const tooLarge = await put(ws, 'r1', Buffer.concat([clip, Buffer.alloc(4 * 1024 * 1024)]));
    expect(tooLarge.statusCode).toBe(413);
    expect(tooLarge.json().error).toMatch(/at most 4096 KB/);
    expect((await put(ws, 'nothing-synced', clip)).statusCode).toBe(404);
    // A campaign record of that id is not a render.
    expect((await put(ws, 'c1', clip)).json()).toMatchObject({ code: 'not-found', error: expect.stringMatching(/No render c1 in this workspace/) });

    expect((await put(ws, 'r1', clip, { token: analyst.token })).statusCode).toBe(403);
    expect((await ws.call('GET', '/v1/renders/r1/preview', undefined, analyst.token)).statusCode).toBe(403);
    // Nothing was stored; only the two refusals of the analyst are in the log.
    expect((await ws.call('GET', '/v1/renders/r1/preview')).statusCode).toBe(404);
    expect((await readAuditEvents(hub.database.db, ws.id)).slice(auditBefore).map((e) => e.action)).toEqual(['access.denied', 'access.denied']);

    // Another workspace can neither read nor replace it.
    expect((await put(ws, 'r1', clip)).statusCode).toBe(200);
    const other = await testWorkspace(hub.app, hub.database);
    expect((await other.call('GET', '/v1/renders/r1/preview')).statusCode).toBe(404);
    expect((await put(other, 'r1', Buffer.from(clip))).statusCode).toBe(404);
    const creator = await ws.member('creator');
    expect((await ws.call('GET', '/v1/renders/r1/preview', undefined, creator.token)).rawPayload.equals(clip)).toBe(true);
  });

  it('deletes the preview when Studio deletes the render', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    await ws.call('POST', '/v1/sync/push', { deviceId: device, mutations: [mutation('r1', 'create', { name: 'Teaser' }), mutation('r2', 'create', { name: 'Kept' })] });
    expect((await put(ws, 'r1', clip)).statusCode).toBe(200);
    expect((await put(ws, 'r2', clip)).statusCode).toBe(200);

    const deleted = await ws.call('POST', '/v1/sync/push', { deviceId: device, mutations: [mutation('r1', 'delete', {}, 1)] });
    expect(deleted.json().results[0].status, deleted.body).toBe('applied');
    expect((await ws.call('GET', '/v1/renders/r1/preview')).statusCode).toBe(404);
    expect(await hub.database.db.selectFrom('render_previews').select('render_id').where('workspace_id', '=', ws.id).execute()).toEqual([{ render_id: 'r2' }]);
    // A deleted render takes no new preview either.
    expect((await put(ws, 'r1', clip)).statusCode).toBe(404);
    expect((await ws.call('GET', '/v1/renders')).json().renders.map((r: { id: string; hasPreview: boolean }) => [r.id, r.hasPreview])).toEqual([
      ['r2', true],
      ['r1', false],
    ]);
  });
});
