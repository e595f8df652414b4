import { useEffect, useState } from 'react';
import type { Composition } from '../../../shared/composition/schema';
import { clipEnd } from '../../../shared/composition/timeline';
import { studio } from '../../trpc';

const cache = new Map<string, HTMLImageElement>();
const pending = new Set<string>();

function keyOf(path: string, time: number, still: boolean): string {
  return still ? `${path}#still` : `${path}#${time.toFixed(2)}`;
}

/**
 * Each picture layer's own frame at the playhead (video at its source time,
 * images as they are), fetched once and cached: what the canvas draws while
 * a layer is being dragged, before the composed frame catches up.
 */
export function useSourceImages(composition: Composition, playhead: number): Map<string, HTMLImageElement> {
  const [, setVersion] = useState(0);
  const wanted: { clipId: string; key: string; path: string; time: number; still: boolean }[] = [];
  for (const track of composition.tracks) {
    if (track.kind !== 'visual' || track.hidden) continue;
    for (const clip of track.clips) {
      if ((clip.kind !== 'video' && clip.kind !== 'image') || playhead < clip.start || playhead >= clipEnd(clip)) continue;
      const media = composition.media.find((m) => m.id === clip.mediaId);
      if (!media) continue;
      const still = clip.kind === 'image';
      const time = still ? 0 : clip.in + (playhead - clip.start) * clip.speed;
      wanted.push({ clipId: clip.id, key: keyOf(media.path, time, still), path: media.path, time, still });
    }
  }
  const signature = wanted.map((w) => w.key).join('|');
  useEffect(() => {
    for (const item of signature ? wanted : []) {
      if (cache.has(item.key) || pending.has(item.key)) continue;
      pending.add(item.key);
      studio.media.sourceFrame
        .query({ path: item.path, time: item.time, height: 360, still: item.still })
        .then(({ dataUrl }) => {
          const image = new window.Image();
          image.onload = () => {
            cache.set(item.key, image);
            pending.delete(item.key);
            setVersion((v) => v + 1);
          };
          image.src = dataUrl;
        })
        .catch(() => pending.delete(item.key));
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `signature` stands for `wanted`
  }, [signature]);
  const images = new Map<string, HTMLImageElement>();
  for (const item of wanted) {
    const image = cache.get(item.key);
    if (image) images.set(item.clipId, image);
  }
  return images;
}
