/**
 * Undo history of a document. Each edit is one step, except that edits made
 * under the same `gesture` key in a row (the moves of one drag) merge into a
 * single step, so one Ctrl+Z undoes the whole drag.
 */
export interface History<T> {
  readonly present: T;
  readonly canUndo: boolean;
  readonly canRedo: boolean;
}

interface State<T> extends History<T> {
  past: T[];
  future: T[];
  gesture: string | null;
}

export function createHistory<T>(present: T): State<T> {
  return { present, past: [], future: [], gesture: null, canUndo: false, canRedo: false };
}

const withFlags = <T>(state: Omit<State<T>, 'canUndo' | 'canRedo'>): State<T> => ({ ...state, canUndo: state.past.length > 0, canRedo: state.future.length > 0 });

/** Records an edit. `gesture` merges it with the previous edit of the same gesture; `limit` caps the steps kept. */
export function record<T>(state: State<T>, next: T, options: { gesture?: string; limit?: number } = {}): State<T> {
  if (next === state.present) return state;
  const limit = options.limit ?? 200;
  const continuing = options.gesture !== undefined && options.gesture === state.gesture;
  const past = continuing ? state.past : [...state.past, state.present].slice(-limit);
  return withFlags({ present: next, past, future: [], gesture: options.gesture ?? null });
}

/** Ends the current gesture, so the next edit is a step of its own even under the same key. */
export function endGesture<T>(state: State<T>): State<T> {
  return state.gesture === null ? state : { ...state, gesture: null };
}

export function undo<T>(state: State<T>): State<T> {
  const previous = state.past[state.past.length - 1];
  if (previous === undefined) return state;
  return withFlags({ present: previous, past: state.past.slice(0, -1), future: [state.present, ...state.future], gesture: null });
}

export function redo<T>(state: State<T>): State<T> {
  const [next, ...rest] = state.future;
  if (next === undefined) return state;
  return withFlags({ present: next, past: [...state.past, state.present], future: rest, gesture: null });
}

export type HistoryState<T> = State<T>;
