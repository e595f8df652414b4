import { createReadStream } from 'node:fs';
import { copyFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemFfmpeg, systemFfprobe, tempDir } from '../../../test/ffmpeg-fixtures';
import { makeImage, makeVideo } from '../../../test/media-fixtures';
import { testServices } from '../../../test/studio-services';
import { appRouter } from '../router';
import { createMediaLibrary, libraryItemSchema, safeFileName, type MediaLibrary } from './library';
import { createProxyStore, type ProxyStore } from './proxies';

const campaignId = '7f0c2a1e-4b9d-4c55-9a8e-2f1d3c4b5a69';

let video: string;
let image: string;
let dir: string;
let proxies: ProxyStore;
let warnings: string[];
let library: MediaLibrary;

beforeAll(async () => {
  video = await makeVideo({ seconds: 1, width: 320, height: 240 });
  image = await makeImage({ width: 64, height: 48, color: 'red' });
  dir = await tempDir('library');
  proxies = createProxyStore({ ffmpegPath: systemFfmpeg, dir: await tempDir('library-proxies') });
  warnings = [];
  library = createMediaLibrary({ dir, ffprobePath: systemFfprobe, proxies, onWarning: (message) => warnings.push(message) });
});

/** What the campaign's folder holds, temporary files included. */
const filesOf = (campaign: string) => readdir(join(dir, campaign)).catch(() => []);

async function eventually<T>(look: () => Promise<T | null>, seconds: number): Promise<T | null> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const found = await look();
    if (found !== null || Date.now() > until) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('media library', () => {
  it('copies a video into the campaign folder under its content hash, probes it and makes its proxy', async () => {
    const item = await library.importFile({ campaignId, sourcePath: video });
    expect(libraryItemSchema.parse(item)).toEqual(item);
    expect(item.id).toMatch(/^[0-9a-f]{16}$/);
    expect(item.path).toBe(join(dir, campaignId, `${item.id}-${item.originalName}`));
    expect(item.originalName).toBe(video.split('/').at(-1));
    expect(item.info).toMatchObject({ path: item.path, kind: 'video', video: { width: 320, height: 240 } });
    expect(item.sizeBytes).toBe(item.info.sizeBytes);
    expect(await readFile(item.path)).toEqual(await readFile(video));

    const proxy = await eventually(() => proxies.proxyOf(item.path), 10);
    expect(proxy).not.toBeNull();
    expect(warnings).toEqual([]);
  });

  it('imports an image, and no proxy is made for it', async () => {
    const item = await library.importFile({ campaignId, sourcePath: image });
    expect(item.info).toMatchObject({ kind: 'image', video: { width: 64, height: 48 } });
    expect(await proxies.proxyOf(item.path)).toBeNull();
  });

  it('keeps one copy of the same content, whatever it is called', async () => {
    const campaign = 'same-content';
    const renamed = join(await tempDir('renamed'), 'take 2.mp4');
    await copyFile(video, renamed);
    const first = await library.importFile({ campaignId: campaign, sourcePath: video });
    const [second, third] = await Promise.all([
      library.importFile({ campaignId: campaign, sourcePath: video }),
      library.importFile({ campaignId: campaign, sourcePath: renamed }),
    ]);
    expect(second).toEqual(first);
    expect(third).toMatchObject({ id: first.id, path: first.path, originalName: first.originalName });
    expect(await filesOf(campaign)).toEqual([`${first.id}-${first.originalName}`]);
  });

  it('refuses a campaign id that is a path', async () => {
    await expect(library.importFile({ campaignId: '../x', sourcePath: video })).rejects.toThrow('"../x" is not a campaign id');
    await expect(library.importStream({ campaignId: '..', fileName: 'a.mp4', stream: createReadStream(video), maxBytes: 1e9 })).rejects.toThrow('is not a campaign id');
    expect(await readdir(dir)).not.toContain('x');
  });

  it('refuses a file that is not media, naming it, and leaves nothing behind', async () => {
    const notes = join(await tempDir('notes'), 'notes.txt');
    await writeFile(notes, 'Shot list: wide, close, product.\n');
    await expect(library.importFile({ campaignId: 'refused-file', sourcePath: notes })).rejects.toThrow(`"${notes}" is not a media file Kata can read`);
    await expect(
      library.importStream({ campaignId: 'refused-file', fileName: 'notes.txt', stream: createReadStream(notes), maxBytes: 1e6 }),
    ).rejects.toThrow(/^"notes.txt" is not a media file Kata can read/);
    expect(await filesOf('refused-file')).toEqual([]);
  });

  it('takes an upload as a stream, under a safe name', async () => {
    const item = await library.importStream({ campaignId: 'uploads', fileName: '../../.hidden/..clip:1.mp4', stream: createReadStream(video), maxBytes: 1e9 });
    expect(item).toMatchObject({ originalName: 'clip_1.mp4', path: join(dir, 'uploads', `${item.id}-clip_1.mp4`), info: { kind: 'video', path: item.path } });
    expect(await filesOf('uploads')).toEqual([`${item.id}-clip_1.mp4`]);
  });

  it('stops an upload past maxBytes and leaves nothing behind', async () => {
    const bytes = await readFile(video);
    const stream = Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]);
    await expect(library.importStream({ campaignId: 'too-large', fileName: 'big.mp4', stream, maxBytes: 1500 })).rejects.toThrow(
      '"big.mp4" is larger than the 1.46 KiB an upload may be.',
    );
    expect(stream.destroyed).toBe(true);
    expect(await filesOf('too-large')).toEqual([]);
  });

  it('finds the files that are gone', async () => {
    const item = await library.importFile({ campaignId: 'relink', sourcePath: image });
    const kept = await library.importFile({ campaignId: 'relink', sourcePath: video });
    await rm(item.path);
    expect(await library.missing([item.path, kept.path, '/nowhere/at/all.mp4'])).toEqual([item.path, '/nowhere/at/all.mp4']);
  });
});

describe('safe file names', () => {
  it('keep only a base name without leading dots or characters a file system refuses', () => {
    expect(safeFileName('C:\\Users\\ana\\clip.mov')).toBe('clip.mov');
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('...env')).toBe('env');
    expect(safeFileName('a<b>c?.png')).toBe('a_b_c_.png');
    expect(safeFileName('..')).toBe('media');
  });

  it('are at most 120 characters and keep their extension', () => {
    const name = safeFileName(`${'x'.repeat(300)}.mp4`);
    expect(name).toHaveLength(120);
    expect(name.endsWith('.mp4')).toBe(true);
    expect(Buffer.byteLength(safeFileName(`${'映'.repeat(119)}.mp4`))).toBeLessThanOrEqual(200);
  });
});

describe('media.import and media.missing', () => {
  it('import each file into the library under the data folder, and name the file that fails', async () => {
    const services = await testServices();
    const caller = appRouter.createCaller({ services });
    const items = await caller.media.import({ campaignId, paths: [video, image] });
    expect(items.map((item) => item.info.kind)).toEqual(['video', 'image']);
    expect(items[0]!.path.startsWith(join(services.dataDir, 'library', campaignId))).toBe(true);

    const notes = join(await tempDir('notes'), 'notes.txt');
    await writeFile(notes, 'not a video');
    await expect(caller.media.import({ campaignId, paths: [video, notes] })).rejects.toThrow(
      new RegExp(`^"${notes}" is not a media file Kata can read .*The 1 file before it was imported\\.$`),
    );
    await expect(caller.media.import({ campaignId: '../etc', paths: [video] })).rejects.toThrow(/campaignId/);
    await expect(caller.media.import({ campaignId, paths: [] })).rejects.toThrow(/choose at least one file/);

    await rm(items[1]!.path);
    expect(await caller.media.missing({ paths: items.map((item) => item.path) })).toEqual([items[1]!.path]);
  });
});
