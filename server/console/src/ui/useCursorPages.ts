import { useCallback, useState } from 'react';

/**
 * Pages the Hub hands out by cursor: the cursors of the pages seen before this
 * one, so "Newer" goes back without the Hub keeping any state.
 */
export function useCursorPages() {
  const [trail, setTrail] = useState<string[]>([]);
  const older = useCallback((nextCursor: string) => setTrail((seen) => [...seen, nextCursor]), []);
  const newer = useCallback(() => setTrail((seen) => seen.slice(0, -1)), []);
  const reset = useCallback(() => setTrail([]), []);
  return { cursor: trail.at(-1), isFirst: trail.length === 0, older, newer, reset };
}
