import { useEffect } from 'react';
import type { EditorStore } from './editor-store';

const typing = (target: EventTarget | null) => (target as HTMLElement | null)?.closest?.('input, textarea, select, [contenteditable="true"]') != null;

/** The editor's keys: undo/redo, delete, split, nudge, frame steps, safe area, help. */
export function useEditorShortcuts(store: EditorStore, options: { onHelp: () => void; onRender: () => void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const state = store.getState();
      const frame = 1 / state.history.present.canvas.fps;
      if (mod && event.key.toLowerCase() === 'z') {
        event.preventDefault();
        if (event.shiftKey) state.redo();
        else state.undo();
        return;
      }
      if (mod && event.key.toLowerCase() === 'y') {
        event.preventDefault();
        state.redo();
        return;
      }
      if (mod && event.key.toLowerCase() === 'r') {
        event.preventDefault();
        options.onRender();
        return;
      }
      if (mod || event.altKey || typing(event.target)) return;
      const selected = state.selection;
      const step = event.shiftKey ? 10 : 1;
      const moves: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      const move = moves[event.key];
      if (move && selected.length > 0) {
        event.preventDefault();
        state.perform('nudge', { clipIds: selected, dx: move[0], dy: move[1] }, { gesture: 'nudge' });
        return;
      }
      switch (event.key) {
        case 'Delete':
        case 'Backspace':
          if (selected.length === 0) return;
          event.preventDefault();
          if (event.shiftKey && selected.length === 1) state.perform('rippleDelete', { clipId: selected[0]! });
          else state.perform('deleteClips', { clipIds: selected });
          return;
        case 's':
        case 'S':
          if (selected.length === 1) state.perform('splitClip', { clipId: selected[0]!, time: state.playhead });
          return;
        case 'k':
        case 'K':
          if (selected.length === 1) state.perform('toggleKeyframe', { clipId: selected[0]!, property: 'x', time: state.playhead });
          return;
        case ',':
          state.setPlayhead(state.playhead - frame);
          return;
        case '.':
          state.setPlayhead(state.playhead + frame);
          return;
        case ' ':
          event.preventDefault();
          if (state.rangePreview) state.showRangePreview(null);
          else document.querySelector<HTMLButtonElement>('[data-play-range]')?.click();
          return;
        case "'":
          state.toggleSafeArea();
          return;
        case '?':
          options.onHelp();
          return;
        case 'Escape':
          state.select([]);
          return;
      }
    };
    const onKeyUp = (event: KeyboardEvent) => {
      if (event.key.startsWith('Arrow')) store.getState().endGesture();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onKeyUp);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onKeyUp);
    };
  }, [store, options]);
}
