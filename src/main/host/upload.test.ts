import { createReadStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { makeVideo } from '../../../test/media-fixtures';
import { testServices } from '../../../test/studio-services';
import { libraryItemSchema } from '../media/library';
import type { StudioServices } from '../services';
import { startBrowserHost, type BrowserHost } from './browser-host';

const campaignId = '0b7e4a52-9c1d-4f3a-8e6b-5d2c1a0f9e87';
const maxUploadBytes = 200_000;

let host: BrowserHost;
let services: StudioServices;
let video: string;

beforeAll(async () => {
  video = await makeVideo({ seconds: 1, width: 320, height: 240 });
  const staticDir = await tempDir('renderer');
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Kata Studio</title>');
  services = await testServices();
  host = await startBrowserHost({ services, staticDir, maxUploadBytes });
});
afterAll(() => host.close());

const libraryFolder = (campaign: string) => join(services.dataDir, 'library', campaign);
const filesIn = (campaign: string) => readdir(libraryFolder(campaign)).catch(() => []);

function uploadUrl(query: Record<string, string>): string {
  return `http://127.0.0.1:${host.port}/upload?${new URLSearchParams(query).toString()}`;
}

function upload(query: Record<string, string>, body: Buffer | Readable, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(uploadUrl(query), {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', ...headers },
    body: body instanceof Readable ? (Readable.toWeb(body) as ReadableStream) : body,
    duplex: 'half',
  });
}

async function errorOf(response: Response): Promise<string> {
  const body = (await response.json()) as { error: string };
  return body.error;
}

describe('browser host upload', () => {
  it('stores a streamed video in the campaign library and answers with its probe', async () => {
    const response = await upload({ token: host.token, campaignId, name: 'launch teaser.mp4' }, createReadStream(video));
    expect(response.status).toBe(201);
    const { item } = z.object({ item: libraryItemSchema }).parse(await response.json());
    expect(item).toMatchObject({ campaignId, originalName: 'launch teaser.mp4', info: { kind: 'video', video: { width: 320, height: 240 } } });
    expect(item.path).toBe(join(libraryFolder(campaignId), `${item.id}-launch teaser.mp4`));
    expect(await readFile(item.path)).toEqual(await readFile(video));
  });

  it('takes a page of its own origin, and no other', async () => {
    const query = { token: host.token, campaignId, name: 'clip.mp4' };
    const own = await upload(query, await readFile(video), { Origin: `http://localhost:${host.port}` });
    expect(own.status).toBe(201);
    const foreign = await upload(query, await readFile(video), { Origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await errorOf(foreign)).toMatch(/own pages/);
  });

  it('turns away an upload without the right token', async () => {
    expect((await upload({ campaignId, name: 'clip.mp4' }, await readFile(video))).status).toBe(401);
    const wrong = await upload({ token: 'x'.repeat(32), campaignId, name: 'clip.mp4' }, await readFile(video));
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toMatch(/launch token/);
  });

  it('names the query field that is missing or wrong', async () => {
    const missing = await upload({ token: host.token, name: 'clip.mp4' }, await readFile(video));
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toMatch(/^campaignId: give the id of the campaign/);
    const traversal = await upload({ token: host.token, campaignId: '../etc', name: 'clip.mp4' }, await readFile(video));
    expect(traversal.status).toBe(400);
    expect(await errorOf(traversal)).toMatch(/^campaignId: must be a campaign id/);
    const noName = await upload({ token: host.token, campaignId }, await readFile(video));
    expect(await errorOf(noName)).toMatch(/^name: give the file name/);
    expect(await readdir(join(services.dataDir, 'library'))).toEqual([campaignId]);
  });

  it('refuses a file over the limit and keeps nothing of it, whether its size is announced or not', async () => {
    const big = Buffer.alloc(maxUploadBytes + 1);
    const announced = await upload({ token: host.token, campaignId: 'too-large', name: 'big.mov' }, big);
    expect(announced.status).toBe(413);
    expect(await errorOf(announced)).toMatch(/^"big.mov" is larger than the 195.31 KiB an upload may be/);

    const streamed = await upload({ token: host.token, campaignId: 'too-large', name: 'big.mov' }, Readable.from([big.subarray(0, 150_000), big.subarray(150_000)]));
    expect(streamed.status).toBe(413);
    expect(await filesIn('too-large')).toEqual([]);
  });

  it('keeps nothing of an upload the browser gives up on', async () => {
    const controller = new AbortController();
    const body = new Readable({ read() {} });
    body.push(Buffer.alloc(50_000));
    const sent = fetch(uploadUrl({ token: host.token, campaignId: 'interrupted', name: 'clip.mp4' }), {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Readable.toWeb(body) as ReadableStream,
      duplex: 'half',
      signal: controller.signal,
    });
    while ((await filesIn('interrupted')).length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await expect(sent).rejects.toThrow(/abort/i);
    for (let tries = 0; tries < 50 && (await filesIn('interrupted')).length > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await filesIn('interrupted')).toEqual([]);
  });

  it('refuses a text file with the probe’s words, and keeps nothing of it', async () => {
    const response = await upload({ token: host.token, campaignId: 'notes', name: 'notes.txt' }, Buffer.from('Shot list: wide, close, product.\n'));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(/^"notes.txt" is not a media file Kata can read \(ffprobe: /);
    expect(await filesIn('notes')).toEqual([]);
  });

  it('answers only POST with raw bytes', async () => {
    const get = await fetch(uploadUrl({ token: host.token, campaignId, name: 'clip.mp4' }));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const form = await upload({ token: host.token, campaignId, name: 'clip.mp4' }, Buffer.from('a=1'), { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect((await fetch(`http://127.0.0.1:${host.port}/upload/elsewhere?token=${host.token}`, { method: 'POST' })).status).toBe(404);
  });
});
