import type { Composition, Media, StyleTag, VisualClip } from './schema';

type PlacedClip = Extract<VisualClip, { transform: unknown }>;
type Corner = 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

/** Returns a copy of the composition with one clip replaced. */
export function updateClip(composition: Composition, clipId: string, change: (clip: PlacedClip) => PlacedClip): Composition {
  let found = false;
  const tracks = composition.tracks.map((track) => {
    if (track.kind !== 'visual') return track;
    return {
      ...track,
      clips: track.clips.map((clip) => {
        if (clip.id !== clipId) return clip;
        if (clip.kind === 'text') throw new Error(`"${clipId}" is a text layer; layout styles place pictures`);
        found = true;
        return change(clip);
      }),
    };
  });
  if (!found) throw new Error(`No picture clip "${clipId}" in this composition`);
  return { ...composition, tracks };
}

function sourceSize(composition: Composition, clip: PlacedClip): { width: number; height: number } | null {
  if (clip.kind === 'color') return null;
  const media: Media | undefined = composition.media.find((m) => m.id === clip.mediaId);
  return media?.width && media.height ? { width: media.width, height: media.height } : null;
}

/** Fills a box without distortion: crops the source's long side evenly (CSS object-fit: cover). */
function cover(clip: PlacedClip, composition: Composition, box: { x: number; y: number; width: number; height: number }, style: StyleTag): PlacedClip {
  const size = sourceSize(composition, clip);
  let crop = { left: 0, top: 0, right: 0, bottom: 0 };
  if (size) {
    const sourceAspect = size.width / size.height;
    const boxAspect = box.width / box.height;
    if (sourceAspect > boxAspect) {
      const cut = (1 - boxAspect / sourceAspect) / 2;
      crop = { left: cut, top: 0, right: cut, bottom: 0 };
    } else if (sourceAspect < boxAspect) {
      const cut = (1 - sourceAspect / boxAspect) / 2;
      crop = { left: 0, top: cut, right: 0, bottom: cut };
    }
  }
  return {
    ...clip,
    crop,
    style,
    transform: { ...clip.transform, x: box.x + box.width / 2, y: box.y + box.height / 2, width: box.width, height: box.height, rotation: 0 },
  };
}

/** Side by side (2), stacked (2) or a 2x2 grid (up to 4): each clip fills its cell. */
export function applySplitScreen(composition: Composition, options: { clipIds: string[]; layout: 'side-by-side' | 'stacked' | 'grid'; gap?: number }): Composition {
  const { width: W, height: H } = composition.canvas;
  const gap = options.gap ?? 0;
  const most = options.layout === 'grid' ? 4 : 2;
  if (options.clipIds.length < 2 || options.clipIds.length > most) {
    throw new Error(`A ${options.layout} split takes ${options.layout === 'grid' ? '2 to 4' : '2'} clips, not ${options.clipIds.length}`);
  }
  const columns = options.layout === 'stacked' ? 1 : 2;
  const rows = options.layout === 'side-by-side' ? 1 : 2;
  const cellW = Math.round((W - gap * (columns - 1)) / columns / 2) * 2;
  const cellH = Math.round((H - gap * (rows - 1)) / rows / 2) * 2;
  return options.clipIds.reduce((doc, clipId, cell) => {
    const column = cell % columns;
    const row = Math.floor(cell / columns);
    const box = { x: column * (cellW + gap), y: row * (cellH + gap), width: cellW, height: cellH };
    return updateClip(doc, clipId, (clip) => cover(clip, doc, box, { kind: 'split', layout: options.layout, cell }));
  }, composition);
}

function cornerBox(composition: Composition, corner: Corner | 'center', width: number, height: number, margin: number) {
  const { width: W, height: H } = composition.canvas;
  const x = corner === 'center' ? (W - width) / 2 : corner.endsWith('left') ? margin : W - margin - width;
  const y = corner === 'center' ? (H - height) / 2 : corner.startsWith('top') ? margin : H - margin - height;
  return { x, y, width, height };
}

/** A small picture in a corner: `size` is its width as a share of the canvas width. */
export function applyPictureInPicture(
  composition: Composition,
  options: { clipId: string; corner: Corner; size?: number; margin?: number; border?: number; borderColor?: string; radius?: number },
): Composition {
  const size = options.size ?? 0.33;
  const margin = options.margin ?? Math.round(composition.canvas.width * 0.04);
  return updateClip(composition, options.clipId, (clip) => {
    const source = sourceSize(composition, clip);
    const width = Math.round((composition.canvas.width * size) / 2) * 2;
    const height = Math.round((source ? (width * source.height) / source.width : (width * 9) / 16) / 2) * 2;
    const style: StyleTag = {
      kind: 'pip',
      corner: options.corner,
      margin,
      size,
      border: options.border ?? 0,
      borderColor: options.borderColor ?? '#ffffff',
      radius: options.radius ?? 0,
    };
    return cover(clip, composition, cornerBox(composition, options.corner, width, height, margin), style);
  });
}

/** A logo or watermark: small, in a corner or the centre, half transparent by default. */
export function applyWatermark(composition: Composition, options: { clipId: string; corner: Corner | 'center'; size?: number; opacity?: number; margin?: number }): Composition {
  const size = options.size ?? 0.15;
  const margin = options.margin ?? Math.round(composition.canvas.width * 0.03);
  return updateClip(composition, options.clipId, (clip) => {
    const source = sourceSize(composition, clip);
    const width = Math.round(composition.canvas.width * size);
    const height = Math.round(source ? (width * source.height) / source.width : width);
    const box = cornerBox(composition, options.corner, width, height, margin);
    return {
      ...clip,
      style: { kind: 'watermark', corner: options.corner },
      transform: { ...clip.transform, x: box.x + width / 2, y: box.y + height / 2, width, height, opacity: options.opacity ?? 0.6, rotation: 0 },
    };
  });
}
