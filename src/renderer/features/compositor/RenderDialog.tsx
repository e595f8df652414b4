import { useState } from 'react';
import { platformPresets, type PresetId } from '../../../shared/composition/presets';
import { errorText, useNotices } from '../../app/notices';
import { useNavigation } from '../../app/navigation';
import { studio } from '../../trpc';
import { useEditor, useEditorStore } from './use-editor';

/** Pick one or more platforms and where the files go; the jobs then run on the Renders page. */
export function RenderDialog({ onClose }: { onClose: () => void }) {
  const composition = useEditor((s) => s.history.present);
  const issues = useEditor((s) => s.issues);
  const store = useEditorStore();
  const go = useNavigation((s) => s.go);
  const show = useNotices((s) => s.show);
  const [chosen, setChosen] = useState<PresetId[]>([composition.preset ?? 'tiktok']);
  const [folder, setFolder] = useState(localStorage.getItem('kata.renderFolder') ?? '/tmp');
  const [mode, setMode] = useState<'fill' | 'fit' | 'blurred-pad'>('blurred-pad');
  const [busy, setBusy] = useState(false);
  const safeName = composition.name.replace(/[^\w.-]+/g, '-').replace(/^-|-$/g, '') || 'render';

  async function start() {
    setBusy(true);
    try {
      await store.getState().flush();
      localStorage.setItem('kata.renderFolder', folder);
      await studio.render.enqueueBatch.mutate({
        composition,
        outputs: chosen.map((preset) => ({ preset, mode, outputPath: `${folder.replace(/\/+$/, '')}/${safeName}-${preset}.mp4` })),
      });
      show({ tone: 'info', text: `${chosen.length === 1 ? 'Render' : `${chosen.length} renders`} queued` });
      onClose();
      go('renders');
    } catch (error) {
      show({ tone: 'error', text: errorText(error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-label="Render" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="panel overlay-card">
        <h2>Render “{composition.name}”</h2>
        {issues.length > 0 && (
          <p className="tone-bad" role="alert">
            Fix these first: {issues.map((i) => `${i.path}: ${i.message}`).join('; ')}
          </p>
        )}
        <fieldset className="field channels">
          <legend>Platforms</legend>
          <div className="chips">
            {platformPresets.map((preset) => {
              const on = chosen.includes(preset.id);
              return (
                <label key={preset.id} className={on ? 'chip on' : 'chip'}>
                  <input type="checkbox" checked={on} onChange={() => setChosen(on ? chosen.filter((p) => p !== preset.id) : [...chosen, preset.id])} />
                  {preset.label} <span className="list-meta">{preset.width}x{preset.height}</span>
                </label>
              );
            })}
          </div>
        </fieldset>
        <label className="field">
          <span>Other shapes</span>
          <select value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
            <option value="blurred-pad">Fit with a blurred background</option>
            <option value="fit">Fit with bars</option>
            <option value="fill">Fill (crop the edges)</option>
          </select>
        </label>
        <label className="field">
          <span>Save to folder</span>
          <input value={folder} onChange={(e) => setFolder(e.target.value)} aria-label="Output folder" />
        </label>
        <div className="row form-actions">
          <button className="button primary" disabled={busy || chosen.length === 0 || issues.length > 0 || !/^([A-Za-z]:[\\/]|\/)/.test(folder)} onClick={() => void start()}>
            {busy ? 'Queuing…' : `Render ${chosen.length}`}
          </button>
          <button className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
