import { editorActions, editorShortcuts } from '../../../shared/composition/editing/actions';

const mod = navigator.platform.startsWith('Mac') ? '⌘' : 'Ctrl';

/** Every shortcut, from the same list the editor runs on. */
export function ShortcutsOverlay({ onClose }: { onClose: () => void }) {
  const rows = [...Object.values(editorActions).filter((a) => 'keys' in a && a.keys), ...editorShortcuts] as { label: string; keys: string }[];
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-label="Keyboard shortcuts" onClick={onClose} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="panel overlay-card" onClick={(e) => e.stopPropagation()}>
        <div className="row">
          <h2>Keyboard shortcuts</h2>
          <span className="spacer" />
          <button className="button small" autoFocus onClick={onClose}>
            Close
          </button>
        </div>
        <dl className="facts">
          {rows.map((row) => (
            <div key={row.label} style={{ display: 'contents' }}>
              <dt>{row.label}</dt>
              <dd>
                <kbd>{row.keys.replace(/Mod/g, mod)}</kbd>
              </dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  );
}
