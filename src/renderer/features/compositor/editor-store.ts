import { createStore } from 'zustand/vanilla';
import { editorActions, type ActionParams, type EditorActionName } from '../../../shared/composition/editing/actions';
import { createHistory, endGesture, record, redo, undo, type HistoryState } from '../../../shared/composition/editing/history';
import type { Composition } from '../../../shared/composition/schema';
import { validateComposition, type CompositionIssue } from '../../../shared/composition/validate';
import type { CompositionRepository, StoredComposition } from '../../db/compositions';

export interface EditorState {
  compositionId: string;
  campaignId: string;
  history: HistoryState<Composition>;
  /** Selected clip ids. */
  selection: string[];
  /** Seconds on the timeline. */
  playhead: number;
  showSafeArea: boolean;
  /** What is wrong with the document now (shown, never blocking: work is saved regardless). */
  issues: CompositionIssue[];
  save: { state: 'saved' | 'pending' | 'saving' | 'failed'; error: string | null };
  /** A played range: a small video the engine made of the composition from the playhead. */
  rangePreview: { url: string; start: number } | null;
  showRangePreview(preview: { url: string; start: number } | null): void;
  /** Runs an editing action; false when it changed nothing. Edits of one drag share a `gesture`. */
  perform<N extends EditorActionName>(name: N, params: ActionParams<N>, options?: { gesture?: string }): boolean;
  /** Replaces the document (e.g. a form edit) as one undo step. */
  replace(document: Composition, options?: { gesture?: string }): void;
  endGesture(): void;
  undo(): void;
  redo(): void;
  select(clipIds: string[], options?: { add?: boolean }): void;
  setPlayhead(seconds: number): void;
  toggleSafeArea(): void;
  /** Writes any pending change now (before closing, navigating, rendering). */
  flush(): Promise<void>;
}

export type EditorStore = ReturnType<typeof createEditorStore>;

/** One open composition: its undo history, selection and playhead, saved to the local database after each edit. */
export function createEditorStore(options: { repository: CompositionRepository; record: StoredComposition; saveDelayMs?: number }) {
  const delay = options.saveDelayMs ?? 250;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let saving: Promise<void> = Promise.resolve();

  const store = createStore<EditorState>()((set, get) => {
    const saveNow = async () => {
      clearTimeout(timer);
      timer = undefined;
      const document = get().history.present;
      set({ save: { state: 'saving', error: null } });
      saving = saving
        .then(() => options.repository.save(get().compositionId, document))
        .then(
          () => {
            if (get().history.present === document && timer === undefined) set({ save: { state: 'saved', error: null } });
          },
          (error: unknown) => set({ save: { state: 'failed', error: error instanceof Error ? error.message : String(error) } }),
        );
      await saving;
    };
    const commit = (next: HistoryState<Composition>) => {
      if (next === get().history) return;
      const known = new Set(next.present.tracks.flatMap((t) => t.clips.map((c) => c.id)));
      set({ history: next, issues: validateComposition(next.present), selection: get().selection.filter((id) => known.has(id)), save: { state: 'pending', error: null } });
      clearTimeout(timer);
      timer = setTimeout(() => void saveNow(), delay);
    };

    return {
      compositionId: options.record.id,
      campaignId: options.record.campaignId,
      history: createHistory(options.record.document),
      selection: [],
      playhead: 0,
      showSafeArea: true,
      issues: validateComposition(options.record.document),
      save: { state: 'saved', error: null },
      rangePreview: null,
      showRangePreview: (rangePreview) => set({ rangePreview }),
      perform(name, params, performOptions) {
        const action = editorActions[name] as { perform: (c: Composition, p: unknown) => Composition | false };
        const next = action.perform(get().history.present, params);
        if (next === false) return false;
        commit(record(get().history, next, { gesture: performOptions?.gesture }));
        return true;
      },
      replace(document, replaceOptions) {
        commit(record(get().history, document, { gesture: replaceOptions?.gesture }));
      },
      endGesture: () => set({ history: endGesture(get().history) }),
      undo: () => commit(undo(get().history)),
      redo: () => commit(redo(get().history)),
      select(clipIds, selectOptions) {
        const selection = selectOptions?.add ? [...new Set([...get().selection, ...clipIds])] : clipIds;
        set({ selection });
      },
      setPlayhead: (seconds) => set({ playhead: Math.max(0, Math.min(seconds, get().history.present.canvas.duration)) }),
      toggleSafeArea: () => set({ showSafeArea: !get().showSafeArea }),
      async flush() {
        if (timer !== undefined) await saveNow();
        else await saving;
      },
    };
  });
  return store;
}
