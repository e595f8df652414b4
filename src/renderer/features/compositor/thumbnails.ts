import { useEffect, useState } from 'react';
import { studio } from '../../trpc';

const cache = new Map<string, string>();

/** A strip of frames of a library file (one frame for an image), made once per file and kept. */
export function useThumbnail(path: string, count: number): string | null {
  const key = `${path}#${count}`;
  const [url, setUrl] = useState<string | null>(cache.get(key) ?? null);
  useEffect(() => {
    if (cache.has(key)) return;
    let live = true;
    studio.media.thumbnails
      .query({ path, count, height: 40 })
      .then(({ dataUrl }) => {
        cache.set(key, dataUrl);
        if (live) setUrl(dataUrl);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [key, path, count]);
  return cache.get(key) ?? url;
}
