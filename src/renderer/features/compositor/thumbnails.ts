import { useEffect, useState } from 'react';
import { studio } from '../../trpc';

const cache = new Map<string, string>();

/** A strip of frames of a library file (one frame for an image), made once per file and kept. */
export function useThumbnail(path: string, count: number, height = 40): string | null {
  const key = `${path}#${count}#${height}`;
  const [url, setUrl] = useState<string | null>(cache.get(key) ?? null);
  useEffect(() => {
    if (cache.has(key)) return;
    let live = true;
    studio.media.thumbnails
      .query({ path, count, height })
      .then(({ dataUrl }) => {
        cache.set(key, dataUrl);
        if (live) setUrl(dataUrl);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [key, path, count, height]);
  return cache.get(key) ?? url;
}
