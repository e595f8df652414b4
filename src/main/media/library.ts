import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { MediaFileError, mediaInfoSchema, probeMedia, type MediaInfo } from './probe';
import type { ProxyStore } from './proxies';

/** A uuid in practice; anything with a dot or a slash could reach outside the library. */
export const campaignIdSchema = z
  .string({ error: 'give the id of the campaign the file belongs to' })
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a campaign id (letters, digits and dashes, at most 64), not a path');

/** A file copied into a campaign's media library; the UI keeps it with the campaign, so it has a schema. */
export const libraryItemSchema = z.object({
  /** The first 16 hex digits of the content's SHA-256: the same content has the same id. */
  id: z.string().regex(/^[0-9a-f]{16}$/),
  campaignId: campaignIdSchema,
  /** Absolute path of the library's copy. */
  path: z.string(),
  originalName: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  info: mediaInfoSchema,
  importedAt: z.iso.datetime(),
});

export type LibraryItem = z.infer<typeof libraryItemSchema>;

export interface MediaLibrary {
  /** Copies a file from disk into the campaign's folder (once per content) and probes it. */
  importFile(options: { campaignId: string; sourcePath: string }): Promise<LibraryItem>;
  /** The same for an upload; the stream is consumed, and destroyed on failure. */
  importStream(options: { campaignId: string; fileName: string; stream: Readable; maxBytes: number }): Promise<LibraryItem>;
  /** Which of these absolute paths no longer exist, so the UI can offer to relink them. */
  missing(paths: string[]): Promise<string[]>;
}

/** Bad input to the library (a campaign id that is not one): the caller's mistake, said in words. */
export class MediaLibraryError extends Error {
  override name = 'MediaLibraryError';
}

export class UploadTooLargeError extends MediaLibraryError {
  override name = 'UploadTooLargeError';
  constructor(options: { fileName: string; maxBytes: number }) {
    super(`"${options.fileName}" is larger than the ${formatBytes(options.maxBytes)} an upload may be. Make it smaller (trim it, or export it at a lower bitrate) and upload it again.`);
  }
}

const maxNameLength = 120;
/** ext4, APFS and NTFS allow 255 bytes per name; this leaves room for the id prefix. */
const maxNameBytes = 200;
const hashDigits = 16;
/** Uploads land under this prefix first: hidden, and never taken for an item. */
const partialPrefix = '.import-';

/** A base name safe on every desktop file system: no folders, no leading dots, no characters Windows refuses. */
export function safeFileName(name: string): string {
  const base = name.split(/[/\\]/).filter(Boolean).at(-1) ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const cleaned = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^[.\s]+/, '').replace(/[.\s]+$/, '') || 'media';
  if (Array.from(cleaned).length <= maxNameLength && Buffer.byteLength(cleaned) <= maxNameBytes) return cleaned;
  // Too long: keep the extension, which tells the user (and some tools) what the file is.
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 16 ? cleaned.slice(dot) : '';
  const stem = Array.from(cleaned.slice(0, cleaned.length - extension.length));
  while (stem.length > 0 && (stem.length + extension.length > maxNameLength || Buffer.byteLength(stem.join('') + extension) > maxNameBytes)) stem.pop();
  return stem.join('') + extension;
}

function campaignIdOf(campaignId: string): string {
  if (!campaignIdSchema.safeParse(campaignId).success) {
    throw new MediaLibraryError(`"${campaignId}" is not a campaign id (letters, digits and dashes, at most 64). Import into a campaign chosen in Studio.`);
  }
  return campaignId;
}

/** Streams `from` into a new file while hashing it, so even a 4 GiB video never sits in memory. */
async function writeWhileHashing(options: { from: Readable; to: string; maxBytes: number; fileName: string }): Promise<{ hash: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sizeBytes += chunk.length;
      if (sizeBytes > options.maxBytes) {
        done(new UploadTooLargeError({ fileName: options.fileName, maxBytes: options.maxBytes }));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(options.from, counter, createWriteStream(options.to, { flags: 'wx' }));
  } catch (error) {
    await rm(options.to, { force: true });
    throw error;
  }
  return { hash: hash.digest('hex'), sizeBytes };
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  const power = Math.min(units.length - 1, Math.floor(Math.log(Math.max(bytes, 1)) / Math.log(1024)));
  return `${Number((bytes / 1024 ** power).toFixed(2))} ${units[power]}`;
}

export function createMediaLibrary(options: { dir: string; ffprobePath: string; proxies?: ProxyStore; onWarning?: (message: string) => void }): MediaLibrary {
  const warn = options.onWarning ?? ((message: string) => console.warn(`[media library] ${message}`));
  // Two imports of the same content must not both decide "new" and leave two copies.
  const settling = new Map<string, Promise<unknown>>();
  const oneAtATime = <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const next = (settling.get(key) ?? Promise.resolve()).catch(() => undefined).then(work);
    settling.set(key, next);
    void next.catch(() => undefined).finally(() => settling.get(key) === next && settling.delete(key));
    return next;
  };

  const folderOf = async (campaignId: string) => {
    const folder = join(options.dir, campaignIdOf(campaignId));
    await mkdir(folder, { recursive: true });
    return folder;
  };

  const startProxy = (item: LibraryItem) => {
    if (!options.proxies || item.info.kind !== 'video') return;
    options.proxies.ensureProxy(item.path, { durationSeconds: item.info.durationSeconds ?? undefined }).catch((error: unknown) => {
      warn(`The editing proxy of "${item.originalName}" could not be made (${error instanceof Error ? error.message : String(error)}); previews read the original instead.`);
    });
  };

  /** Moves a fully written and probed copy into place (`fileName` already safe), or drops it when the campaign already holds that content. */
  const settle = (placed: { campaignId: string; folder: string; partial: string; hash: string; sizeBytes: number; fileName: string; info: MediaInfo }) =>
    oneAtATime(placed.folder, async () => {
      const id = placed.hash.slice(0, hashDigits);
      const existing = (await readdir(placed.folder)).find((name) => name.startsWith(`${id}-`));
      let path: string;
      let originalName: string;
      if (existing) {
        await rm(placed.partial, { force: true });
        path = join(placed.folder, existing);
        originalName = existing.slice(id.length + 1);
      } else {
        path = join(placed.folder, `${id}-${placed.fileName}`);
        originalName = placed.fileName;
        await rename(placed.partial, path);
      }
      // The copy's own time, so a re-import reports the same moment as the first import did.
      const importedAt = (await stat(path)).mtime.toISOString();
      const item: LibraryItem = { id, campaignId: placed.campaignId, path, originalName, sizeBytes: placed.sizeBytes, info: { ...placed.info, path }, importedAt };
      // Also for a re-import: it retries a proxy that failed or was interrupted, and costs nothing when it exists.
      startProxy(item);
      return item;
    });

  const partialIn = (folder: string) => join(folder, `${partialPrefix}${randomBytes(8).toString('hex')}.part`);

  return {
    async importFile({ campaignId, sourcePath }) {
      const folder = await folderOf(campaignId);
      // Probe the original first: a non-media file is refused by its own name, before anything is copied.
      const info = await probeMedia({ ffprobePath: options.ffprobePath, path: sourcePath });
      // The same safe name as on disk, so a re-import (which reads it back from there) answers alike.
      const fileName = safeFileName(basename(sourcePath));
      const partial = partialIn(folder);
      const { hash, sizeBytes } = await writeWhileHashing({ from: createReadStream(sourcePath), to: partial, maxBytes: Infinity, fileName });
      return settle({ campaignId, folder, partial, hash, sizeBytes, fileName, info });
    },

    async importStream({ campaignId, fileName, stream, maxBytes }) {
      let folder: string;
      try {
        folder = await folderOf(campaignId);
      } catch (error) {
        stream.destroy();
        throw error;
      }
      const originalName = safeFileName(fileName);
      const partial = partialIn(folder);
      const { hash, sizeBytes } = await writeWhileHashing({ from: stream, to: partial, maxBytes, fileName: originalName });
      let info: MediaInfo;
      try {
        info = await probeMedia({ ffprobePath: options.ffprobePath, path: partial });
      } catch (error) {
        await rm(partial, { force: true });
        // The temporary name means nothing to the user; the name they uploaded does.
        throw error instanceof MediaFileError ? new MediaFileError(originalName, error.message.replaceAll(partial, originalName)) : error;
      }
      return settle({ campaignId, folder, partial, hash, sizeBytes, fileName: originalName, info });
    },

    async missing(paths) {
      const gone = await Promise.all(
        paths.map(async (path) => {
          try {
            await stat(path);
            return null;
          } catch {
            return path;
          }
        }),
      );
      return gone.filter((path): path is string => path !== null);
    },
  };
}
