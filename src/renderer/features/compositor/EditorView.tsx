import { useEffect, useMemo, useState } from 'react';
import { useNavigation } from '../../app/navigation';
import { compositions } from '../../db';
import { createEditorStore, type EditorStore } from './editor-store';
import { useEditorShortcuts } from './editor-shortcuts';
import { EditorStage } from './EditorStage';
import { LayerList } from './LayerList';
import { MediaPanel } from './MediaPanel';
import { PropertiesPanel } from './PropertiesPanel';
import { RenderDialog } from './RenderDialog';
import { ShortcutsOverlay } from './ShortcutsOverlay';
import { Timeline } from './Timeline';
import { EditorContext, useEditor } from './use-editor';

const saveWords = { saved: 'All changes saved', pending: 'Saving…', saving: 'Saving…', failed: 'Not saved' } as const;

function Toolbar({ onRender, onHelp }: { onRender: () => void; onHelp: () => void }) {
  const { undo, redo, toggleSafeArea } = useEditor((s) => s);
  const history = useEditor((s) => s.history);
  const save = useEditor((s) => s.save);
  const showSafeArea = useEditor((s) => s.showSafeArea);
  const go = useNavigation((s) => s.go);
  return (
    <div className="editor-toolbar row">
      <button className="button small" onClick={() => go('compositor')} aria-label="All compositions">
        ←
      </button>
      <h1 className="editor-title">{history.present.name}</h1>
      <button className="button small" disabled={!history.canUndo} onClick={undo} title="Undo (Mod+Z)">
        Undo
      </button>
      <button className="button small" disabled={!history.canRedo} onClick={redo} title="Redo (Shift+Mod+Z)">
        Redo
      </button>
      <button className="button small" aria-pressed={showSafeArea} onClick={toggleSafeArea} title="Safe area (')">
        Safe area
      </button>
      <span className={`list-meta save-${save.state}`} role="status" data-testid="save-state" title={save.error ?? undefined}>
        {saveWords[save.state]}
        {save.error ? `: ${save.error}` : ''}
      </span>
      <AddText />
      <span className="spacer" />
      <button className="button small" onClick={onHelp} title="Keyboard shortcuts (?)">
        Shortcuts
      </button>
      <button className="button primary" onClick={onRender} title="Render (Mod+R)">
        Render…
      </button>
    </div>
  );
}

function AddText() {
  const { perform, playhead, select } = useEditor((s) => s);
  return (
    <button
      className="button small"
      onClick={() => {
        const clipId = `text-${crypto.randomUUID().slice(0, 8)}`;
        if (perform('addText', { clipId, start: playhead, text: 'Your title' })) select([clipId]);
      }}
    >
      Add text
    </button>
  );
}

function Editor({ store }: { store: EditorStore }) {
  const [help, setHelp] = useState(false);
  const [rendering, setRendering] = useState(false);
  const shortcutOptions = useMemo(() => ({ onHelp: () => setHelp((h) => !h), onRender: () => setRendering(true) }), []);
  useEditorShortcuts(store, shortcutOptions);
  // Nothing lost when the window closes mid-edit: pending changes are written on the way out.
  useEffect(() => {
    const flush = () => void store.getState().flush();
    window.addEventListener('pagehide', flush);
    window.addEventListener('beforeunload', flush);
    return () => {
      flush();
      window.removeEventListener('pagehide', flush);
      window.removeEventListener('beforeunload', flush);
    };
  }, [store]);
  return (
    <EditorContext.Provider value={store}>
      <div className="editor">
        <Toolbar onRender={() => setRendering(true)} onHelp={() => setHelp(true)} />
        <div className="editor-left">
          <MediaPanel />
          <LayerList />
        </div>
        <EditorStage />
        <PropertiesPanel />
        <Timeline />
      </div>
      {help && <ShortcutsOverlay onClose={() => setHelp(false)} />}
      {rendering && <RenderDialog onClose={() => setRendering(false)} />}
    </EditorContext.Provider>
  );
}

/** Opens one composition from the local database and edits it. */
export function EditorView({ compositionId }: { compositionId: string }) {
  const [store, setStore] = useState<EditorStore | null | 'missing'>(null);
  useEffect(() => {
    let live = true;
    void compositions.get(compositionId).then((record) => {
      if (live) setStore(record ? createEditorStore({ repository: compositions, record }) : 'missing');
    });
    return () => {
      live = false;
    };
  }, [compositionId]);
  if (store === null) return <div className="panel" aria-busy="true" />;
  if (store === 'missing') return <p className="panel" role="alert">This composition is not in this browser&apos;s library any more.</p>;
  return <Editor store={store} />;
}
