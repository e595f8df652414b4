import { FFmpeg } from '@ffmpeg/ffmpeg';
import { ApiError, apiUrl, describeError } from '../../api';

/**
 * Thumbnails of render previews, made in this browser: the Hub stores each
 * render's preview clip (a few seconds of MP4, uploaded by Studio) and the
 * console decodes a frame with FFmpeg compiled to WebAssembly. The FFmpeg
 * core (JS + wasm) is served by the Hub beside the console (the build copies
 * it to /console/ffmpeg/<version>/), never fetched from another origin.
 */

/** The @ffmpeg/core version the console build copied (server/console/vite.config.ts): the folder's name, which keeps caches apart. */
const ffmpegCoreVersion = String(import.meta.env.VITE_FFMPEG_CORE_VERSION);
/** A frame this far into the clip (past fades at its start); the first frame when the clip is shorter. */
const frameAtSeconds = 1;
export const thumbnailWidth = 160;

export interface PreviewRef {
  id: string;
  /** The record's version and the clip's ETag: a new upload or a changed record gets a new thumbnail. */
  version: number;
  previewEtag: string;
}

const memoryKey = (render: PreviewRef) => `${render.id}@${render.version}:${render.previewEtag}`;

/**
 * Thumbnails kept across visits in the browser's Cache Storage (a PNG per render version and clip), under
 * URLs of this origin that nothing serves: the console keeps no database of its own (eslint: no dexie here).
 */
const cacheName = 'kata-console-render-thumbnails-v1';
const cachedUrl = (render: PreviewRef) => new URL(`${import.meta.env.BASE_URL}thumbnail-cache/${encodeURIComponent(render.id)}/${render.version}/${encodeURIComponent(render.previewEtag)}.png`, window.location.origin).href;
const memory = new Map<string, Promise<string>>();
let ffmpeg: Promise<FFmpeg> | null = null;
/** One decode at a time: the single-thread core runs one command anyway, and each holds its clip in memory. */
let queue: Promise<unknown> = Promise.resolve();

function loadFfmpeg(): Promise<FFmpeg> {
  ffmpeg ??= (async () => {
    if (typeof WebAssembly !== 'object') throw new Error('this browser has no WebAssembly');
    const instance = new FFmpeg();
    const base = new URL(`${import.meta.env.BASE_URL}ffmpeg/${ffmpegCoreVersion}/`, window.location.origin);
    await instance.load({ coreURL: new URL('ffmpeg-core.js', base).href, wasmURL: new URL('ffmpeg-core.wasm', base).href });
    return instance;
  })().catch((error: unknown) => {
    ffmpeg = null;
    throw new Error(`FFmpeg could not start in this browser (${describeError(error)}).`);
  });
  return ffmpeg;
}

async function fetchPreview(renderId: string, signal?: AbortSignal): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(apiUrl(`/v1/renders/${encodeURIComponent(renderId)}/preview`), { credentials: 'same-origin', signal });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'The Hub does not answer: check your connection and try again.');
  }
  if (!response.ok) {
    const answer = (await response.json().catch(() => ({}))) as { error?: string; code?: string; requestId?: string };
    throw new ApiError(response.status, answer.error ?? `The Hub answered ${response.status} for the preview.`, answer.code, answer.requestId);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/** A PNG of one frame, `thumbnailWidth` wide, from an MP4 clip; at `frameAtSeconds`, or the first frame of a shorter clip. */
export async function thumbnailOf(clip: Uint8Array, name: string): Promise<Uint8Array> {
  const run = async () => {
    const engine = await loadFfmpeg();
    const input = `${name}.mp4`;
    const output = `${name}.png`;
    // writeFile hands the buffer to the worker (transferred): give it a copy.
    await engine.writeFile(input, clip.slice());
    try {
      for (const at of [frameAtSeconds, 0]) {
        const code = await engine.exec(['-hide_banner', '-loglevel', 'error', '-y', '-ss', String(at), '-i', input, '-frames:v', '1', '-vf', `scale=${thumbnailWidth}:-2`, '-f', 'image2', '-c:v', 'png', output]);
        const png = code === 0 ? await engine.readFile(output).catch(() => null) : null;
        if (png instanceof Uint8Array && png.length > 0) {
          await engine.deleteFile(output);
          return png;
        }
      }
      throw new Error('FFmpeg found no frame to show in the preview clip.');
    } finally {
      await engine.deleteFile(input).catch(() => undefined);
    }
  };
  const result = queue.then(run, run);
  queue = result.catch(() => undefined);
  return result;
}

function toDataUrl(png: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error ?? new Error('The thumbnail could not be read.'));
    reader.readAsDataURL(new Blob([png.slice().buffer], { type: 'image/png' }));
  });
}

/** Cache Storage is missing outside secure contexts and may be off in private windows: the thumbnail is then made again next visit. */
async function persisted<T>(work: (cache: Cache) => Promise<T>): Promise<T | undefined> {
  try {
    if (typeof caches === 'undefined') return undefined;
    return await work(await caches.open(cacheName));
  } catch {
    return undefined;
  }
}

/**
 * The thumbnail of a render's preview as a data URL: from memory, else from
 * the browser's Cache Storage, else fetched from the Hub and decoded here (and then kept in
 * both). Errors say what failed: the fetch (the Hub's words) or the decode.
 */
export function renderThumbnail(render: PreviewRef): Promise<string> {
  const key = memoryKey(render);
  let made = memory.get(key);
  if (!made) {
    made = (async () => {
      const kept = await persisted(async (cache) => {
        const response = await cache.match(cachedUrl(render));
        return response ? new Uint8Array(await response.arrayBuffer()) : undefined;
      });
      if (kept) return toDataUrl(kept);
      const clip = await fetchPreview(render.id);
      let png: Uint8Array;
      try {
        png = await thumbnailOf(clip, `render-${render.id.replace(/[^\w-]/g, '_')}`);
      } catch (error) {
        throw new Error(`The preview could not be decoded: ${describeError(error)}`, { cause: error });
      }
      await persisted(async (cache) => {
        // Older versions of this render's thumbnail go: one kept per render.
        const prefix = cachedUrl({ ...render, version: 0, previewEtag: '' }).replace(/0\/\.png$/, '');
        for (const old of await cache.keys()) if (old.url.startsWith(prefix)) await cache.delete(old);
        await cache.put(cachedUrl(render), new Response(new Blob([png.slice().buffer], { type: 'image/png' })));
      });
      return toDataUrl(png);
    })();
    memory.set(key, made);
    // A failure is not kept: "Try again" makes a new attempt.
    made.catch(() => memory.delete(key));
  }
  return made;
}
