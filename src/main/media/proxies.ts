import { createHash } from 'node:crypto';
import { access, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Composition } from '../../shared/composition/schema';
import { runFfmpeg } from '../render/ffmpeg-runner';
import type { RenderProgress } from '../render/invocation';

/** Editing proxies: small, short-GOP copies of videos (sound kept, for range previews), so a preview frame decodes a few frames of 540p, not 60 of 1080p. */
export const proxyHeight = 540;

export interface ProxyStore {
  /** The ready proxy of a video, or null when none has been made yet. */
  proxyOf(source: string): Promise<string | null>;
  /** Makes the proxy if needed (once per version of the source file) and returns it. */
  ensureProxy(source: string, options?: { durationSeconds?: number; signal?: AbortSignal; onProgress?: (p: RenderProgress) => void }): Promise<string>;
}

export function createProxyStore(options: { ffmpegPath: string; dir: string }): ProxyStore {
  const pending = new Map<string, Promise<string>>();

  // A changed file (size or time) gets a new proxy; the old one is simply never asked for again.
  const proxyPathOf = async (source: string) => {
    const info = await stat(source);
    const key = createHash('sha256').update(`${source}\n${info.size}\n${info.mtimeMs}`).digest('hex').slice(0, 32);
    return join(options.dir, `${key}-${proxyHeight}p.mp4`);
  };

  return {
    async proxyOf(source) {
      try {
        const path = await proxyPathOf(source);
        await access(path);
        return path;
      } catch {
        return null;
      }
    },
    async ensureProxy(source, run = {}) {
      const path = await proxyPathOf(source);
      try {
        await access(path);
        return path;
      } catch {
        // not made yet
      }
      const already = pending.get(path);
      if (already) return already;
      const making = (async () => {
        await mkdir(options.dir, { recursive: true });
        await runFfmpeg({
          ffmpegPath: options.ffmpegPath,
          invocation: {
            inputs: [{ path: source, options: [] }],
            filterGraph: `[0:v]scale=w=-2:h='min(${proxyHeight},ih)',format=yuv420p[proxy]`,
            outputOptions: ['-map', '[proxy]', '-map', '0:a?', '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '26', '-g', '8', '-bf', '0', '-c:a', 'aac', '-b:a', '96k'],
            files: [],
            durationSeconds: run.durationSeconds ?? 1,
          },
          outputPath: path,
          signal: run.signal,
          onProgress: run.onProgress,
        });
        return path;
      })().finally(() => pending.delete(path));
      pending.set(path, making);
      return making;
    },
  };
}

/** The composition with each video that has a proxy pointing at it (sizes stay as designed: the compiler scales to the boxes). */
export async function withProxies(composition: Composition, store: ProxyStore): Promise<Composition> {
  const media = await Promise.all(
    composition.media.map(async (m) => {
      if (m.kind !== 'video') return m;
      const proxy = await store.proxyOf(m.path);
      if (!proxy || !m.width || !m.height) return m;
      // The proxy's own size, as FFmpeg's scale=-2 made it, so nothing mistakes it for the original.
      const height = Math.min(proxyHeight, m.height);
      const width = Math.round((m.width * height) / m.height / 2) * 2;
      return { ...m, path: proxy, width, height };
    }),
  );
  return { ...composition, media };
}
