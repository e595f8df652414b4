/** Snaps a value to the nearest target within `threshold`, or leaves it. */
export function snapValue(value: number, targets: readonly number[], threshold: number): { value: number; target: number | null } {
  let best: number | null = null;
  for (const target of targets) {
    if (Math.abs(target - value) <= threshold && (best === null || Math.abs(target - value) < Math.abs(best - value))) best = target;
  }
  return { value: best ?? value, target: best };
}

/** Timeline snapping of a moved clip: either edge may land on a target (clip edges, the playhead, 0). */
export function snapClipStart(options: { start: number; duration: number; targets: readonly number[]; threshold: number }): { start: number; target: number | null } {
  const head = snapValue(options.start, options.targets, options.threshold);
  const tail = snapValue(options.start + options.duration, options.targets, options.threshold);
  const headDistance = head.target === null ? Infinity : Math.abs(head.target - options.start);
  const tailDistance = tail.target === null ? Infinity : Math.abs(tail.target - (options.start + options.duration));
  if (headDistance === Infinity && tailDistance === Infinity) return { start: options.start, target: null };
  return headDistance <= tailDistance ? { start: head.value, target: head.target } : { start: tail.value - options.duration, target: tail.target };
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SnapGuides {
  /** Vertical lines (x positions) and horizontal lines (y positions) a box may snap to. */
  x: number[];
  y: number[];
}

/** The canvas edges and centre, the safe area, and the edges and centres of other layers. */
export function canvasGuides(options: { width: number; height: number; safeArea?: { top: number; bottom: number; left: number; right: number }; others: readonly Box[] }): SnapGuides {
  const x = [0, options.width / 2, options.width];
  const y = [0, options.height / 2, options.height];
  if (options.safeArea) {
    x.push(options.safeArea.left, options.width - options.safeArea.right);
    y.push(options.safeArea.top, options.height - options.safeArea.bottom);
  }
  for (const box of options.others) {
    x.push(box.x, box.x + box.width / 2, box.x + box.width);
    y.push(box.y, box.y + box.height / 2, box.y + box.height);
  }
  return { x, y };
}

/** Snaps a dragged box so its left, centre or right (top, middle or bottom) meets a guide; returns the lines it met. */
export function snapBox(box: Box, guides: SnapGuides, threshold: number): { box: Box; lines: { x: number | null; y: number | null } } {
  const along = (start: number, size: number, targets: number[]) => {
    let best: { offset: number; line: number } | null = null;
    for (const anchor of [0, size / 2, size]) {
      const snapped = snapValue(start + anchor, targets, threshold);
      if (snapped.target !== null && (best === null || Math.abs(snapped.target - (start + anchor)) < Math.abs(best.offset))) {
        best = { offset: snapped.target - (start + anchor), line: snapped.target };
      }
    }
    return best;
  };
  const sx = along(box.x, box.width, guides.x);
  const sy = along(box.y, box.height, guides.y);
  return { box: { ...box, x: box.x + (sx?.offset ?? 0), y: box.y + (sy?.offset ?? 0) }, lines: { x: sx?.line ?? null, y: sy?.line ?? null } };
}
