import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { EditorState, EditorStore } from './editor-store';

export const EditorContext = createContext<EditorStore | null>(null);

/** Reads from the open composition's editor store (re-renders only when the picked part changes). */
export function useEditor<T>(pick: (state: EditorState) => T): T {
  const store = useContext(EditorContext);
  if (!store) throw new Error('useEditor is used outside an open composition');
  return useStore(store, pick);
}

export function useEditorStore(): EditorStore {
  const store = useContext(EditorContext);
  if (!store) throw new Error('useEditorStore is used outside an open composition');
  return store;
}
