import { useEffect, useState } from 'react';
import type { Composition } from '../../../shared/composition/schema';
import { studio } from '../../trpc';

const cache = new Map<string, string>();
const maxCached = 120;
// Documents are immutable (every edit makes a new one), so each is serialised once, not on every scrub step.
const documentKeys = new WeakMap<Composition, string>();

function documentKey(composition: Composition): string {
  let key = documentKeys.get(composition);
  if (key === undefined) documentKeys.set(composition, (key = JSON.stringify(composition)));
  return key;
}

/**
 * The composed frame at the playhead, from the render engine (the same
 * compiler as the export). Frames are cached per document and time; while a
 * new one is on its way the last one stays up, so scrubbing stays fluid.
 */
export function usePreviewFrame(composition: Composition, time: number, height: number): { url: string | null; loading: boolean; error: string | null } {
  const frameTime = Math.round(time * composition.canvas.fps) / composition.canvas.fps;
  const key = `${documentKey(composition)}@${frameTime}@${height}`;
  const [last, setLast] = useState<{ key: string; url: string | null; error: string | null }>({ key: '', url: null, error: null });

  useEffect(() => {
    if (cache.has(key)) return;
    let live = true;
    // A short pause lets a fast scrub skip the frames it has already passed.
    const timer = setTimeout(() => {
      studio.render.frame
        .query({ composition, time: frameTime, height })
        .then(({ dataUrl }) => {
          cache.set(key, dataUrl);
          if (cache.size > maxCached) cache.delete(cache.keys().next().value!);
          if (live) setLast({ key, url: dataUrl, error: null });
        })
        .catch((error: unknown) => {
          if (live) setLast((previous) => ({ key, url: previous.url, error: error instanceof Error ? error.message : String(error) }));
        });
    }, 40);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [key, composition, frameTime, height]);

  const cached = cache.get(key);
  return { url: cached ?? last.url, loading: !cached && last.key !== key, error: last.key === key ? last.error : null };
}
