import type { Composition } from '../../../shared/composition/schema';
import { useEditor } from './use-editor';

type Captions = NonNullable<Composition['captions']>;

/** Timed captions: add one at the playhead, edit its words and times; they stay inside the platform's safe area. */
export function CaptionsEditor() {
  const composition = useEditor((s) => s.history.present);
  const playhead = useEditor((s) => s.playhead);
  const replace = useEditor((s) => s.replace);
  const captions: Captions = composition.captions ?? { cues: [], style: { font: 'DejaVu Sans', size: Math.round(composition.canvas.width / 17), color: '#ffffff', outlineColor: '#000000', outline: 4, bold: true, italic: false }, position: 'bottom' };
  const set = (next: Captions, gesture?: string) => replace({ ...composition, captions: next.cues.length > 0 ? next : undefined }, gesture ? { gesture } : undefined);
  const cues = captions.cues;
  return (
    <fieldset className="field channels" aria-label="Captions">
      <legend>Captions</legend>
      {cues.map((cue, i) => (
        <div key={i} className="cue">
          <input aria-label={`Caption ${i + 1}`} value={cue.text} onChange={(e) => e.target.value && set({ ...captions, cues: cues.map((c, j) => (j === i ? { ...c, text: e.target.value } : c)) }, `cue-${i}`)} />
          <div className="row">
            <input type="number" step={0.1} min={0} aria-label={`Caption ${i + 1} start`} value={cue.start} onChange={(e) => set({ ...captions, cues: cues.map((c, j) => (j === i ? { ...c, start: Number(e.target.value) } : c)) }, `cue-${i}`)} />
            <input type="number" step={0.1} min={0} aria-label={`Caption ${i + 1} end`} value={cue.end} onChange={(e) => set({ ...captions, cues: cues.map((c, j) => (j === i ? { ...c, end: Math.max(c.start + 0.1, Number(e.target.value)) } : c)) }, `cue-${i}`)} />
            <button className="layer-button" aria-label={`Remove caption ${i + 1}`} onClick={() => set({ ...captions, cues: cues.filter((_, j) => j !== i) })}>
              Remove
            </button>
          </div>
        </div>
      ))}
      <div className="row">
        <button className="button small" onClick={() => set({ ...captions, cues: [...cues, { start: playhead, end: Math.min(composition.canvas.duration, playhead + 2), text: 'New caption' }].sort((a, b) => a.start - b.start) })}>
          Add caption at playhead
        </button>
        {cues.length > 0 && (
          <select aria-label="Caption position" value={captions.position} onChange={(e) => set({ ...captions, position: e.target.value as Captions['position'] })}>
            <option value="bottom">Bottom</option>
            <option value="middle">Middle</option>
            <option value="top">Top</option>
          </select>
        )}
      </div>
    </fieldset>
  );
}
