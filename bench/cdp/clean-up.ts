/**
 * What the bench made and must undo (databases, Hubs, temporary folders,
 * runner processes): each registered as it is made, undone once, either where
 * it is no longer needed or all together at the end and on Ctrl+C.
 */
const registered = new Set<() => Promise<void>>();

/** Registers `undo` and returns it, to call where the thing is no longer needed; it runs once however often it is called. */
export function undoLater(undo: () => Promise<unknown>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = () =>
    (running ??= undo().then(
      () => void registered.delete(once),
      (error: unknown) => {
        registered.delete(once);
        throw error;
      },
    ));
  registered.add(once);
  return once;
}

/**
 * Undoes everything still registered, newest first, and waits for undoing
 * already under way, so that the process may exit once it returns, whoever
 * calls it (the end of the bench, Ctrl+C, or both). A step that fails is
 * reported and the others still run.
 */
export async function undoAll(): Promise<void> {
  for (const undo of [...registered].reverse()) await undo().catch((error: unknown) => console.error('Cleaning up failed:', error));
}
