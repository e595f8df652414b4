import { isAnimated, valueAt } from '../../../shared/composition/animation';
import { hasKeyframeAt } from '../../../shared/composition/editing/keyframes';
import type { TransformProperty } from '../../../shared/composition/editing/clip-operations';
import { blendModes, type BlendMode, type Composition, type Transform, type VisualClip } from '../../../shared/composition/schema';
import { CaptionsEditor } from './CaptionsEditor';
import { LayerStyles, LooksPicker } from './LayerStyles';
import { useEditor } from './use-editor';

type Placed = Extract<VisualClip, { transform: Transform }>;

const fields: { property: TransformProperty; label: string; step: number }[] = [
  { property: 'x', label: 'X', step: 1 },
  { property: 'y', label: 'Y', step: 1 },
  { property: 'width', label: 'Width', step: 1 },
  { property: 'height', label: 'Height', step: 1 },
  { property: 'rotation', label: 'Rotation °', step: 1 },
  { property: 'opacity', label: 'Opacity', step: 0.05 },
];

/** Transform, opacity, blend mode and one-click styles of the selected layer, with a keyframe toggle per value. */
export function PropertiesPanel() {
  const composition = useEditor((s) => s.history.present);
  const selection = useEditor((s) => s.selection);
  const playhead = useEditor((s) => s.playhead);
  const { perform, replace } = useEditor((s) => s);
  const clip = composition.tracks.flatMap((t) => (t.kind === 'visual' ? t.clips : [])).find((c) => c.id === selection[0]);

  if (selection.length === 0 || !clip) return <CompositionSettings />;
  if (clip.kind === 'text') {
    return (
      <aside className="panel properties" aria-label="Properties">
        <h2>Text</h2>
        <label className="field">
          <span>Text</span>
          <input
            value={clip.text}
            onChange={(e) => {
              const text = e.target.value;
              if (!text) return;
              replace({ ...composition, tracks: composition.tracks.map((t) => (t.kind === 'visual' ? { ...t, clips: t.clips.map((c) => (c.id === clip.id ? { ...clip, text } : c)) } : t)) }, { gesture: `text-${clip.id}` });
            }}
          />
        </label>
        <div className="field-row">
          {(['x', 'y'] as const).map((axis) => (
            <label key={axis} className="field">
              <span>{axis.toUpperCase()}</span>
              <input type="number" aria-label={axis.toUpperCase()} value={clip[axis]} onChange={(e) => perform('changeClip', { clipId: clip.id, patch: { [axis]: Number(e.target.value) } }, { gesture: `text-${axis}-${clip.id}` })} />
            </label>
          ))}
        </div>
        <label className="field">
          <span>Size</span>
          <input type="number" min={4} max={600} value={clip.style.size} onChange={(e) => perform('changeClip', { clipId: clip.id, patch: { style: { ...clip.style, size: Number(e.target.value) } } }, { gesture: `text-size-${clip.id}` })} />
        </label>
      </aside>
    );
  }
  const placed = clip as Placed;
  const local = playhead - placed.start;

  return (
    <aside className="panel properties" aria-label="Properties">
      <h2>{placed.name ?? ('mediaId' in placed ? (composition.media.find((m) => m.id === placed.mediaId)?.name ?? placed.id) : placed.id)}</h2>
      {fields.map(({ property, label, step }) => {
        const value = placed.transform[property];
        if (value === undefined) return null;
        const keyed = hasKeyframeAt(value, local);
        return (
          <div className="prop-row" key={property}>
            <label className="field">
              <span>{label}</span>
              <input
                type="number"
                step={step}
                aria-label={label}
                value={Number(valueAt(value, local).toFixed(3))}
                onChange={(e) => {
                  const n = Number(e.target.value);
                  if (Number.isFinite(n)) perform('setTransform', { clipId: placed.id, values: { [property]: n }, time: playhead }, { gesture: `prop-${placed.id}-${property}` });
                }}
              />
            </label>
            <button
              className={`keyframe${keyed ? ' on' : isAnimated(value) ? ' animated' : ''}`}
              aria-label={`${keyed ? 'Remove' : 'Add'} ${label} keyframe`}
              aria-pressed={keyed}
              title={keyed ? 'Remove the keyframe here' : 'Add a keyframe here (K)'}
              onClick={() => perform('toggleKeyframe', { clipId: placed.id, property, time: playhead })}
            >
              ◆
            </button>
          </div>
        );
      })}
      <label className="field">
        <span>Blend mode</span>
        <select value={placed.blend} onChange={(e) => {
            const changed: Placed = { ...placed, blend: e.target.value as BlendMode };
            replace(withClip(composition, changed));
          }}>
          {blendModes.map((mode) => (
            <option key={mode}>{mode}</option>
          ))}
        </select>
      </label>
      {placed.style?.kind === 'pip' && <PipSettings clip={placed} style={placed.style} />}
      <LayerStyles clip={placed} />
      <div className="field">
        <span className="list-meta">Styles</span>
        <div className="chips">
          {(['top-left', 'top-right', 'bottom-left', 'bottom-right'] as const).map((corner) => (
            <button key={corner} className="button small" onClick={() => perform('pictureInPicture', { clipId: placed.id, corner, size: 0.33, border: 6, radius: 24 })}>
              PiP {corner}
            </button>
          ))}
          <button className="button small" disabled={selection.length < 2 || selection.length > 4} onClick={() => perform('splitScreen', { clipIds: selection, layout: selection.length === 2 ? 'side-by-side' : 'grid' })}>
            Split screen
          </button>
          <button className="button small" onClick={() => perform('watermark', { clipId: placed.id, corner: 'top-right' })}>
            Watermark
          </button>
        </div>
      </div>
    </aside>
  );
}

function withClip(composition: Composition, clip: Placed): Composition {
  return { ...composition, tracks: composition.tracks.map((t) => (t.kind === 'visual' ? { ...t, clips: t.clips.map((c) => (c.id === clip.id ? clip : c)) } : t)) };
}

/** With nothing selected: the composition's own name, length and background. */
function CompositionSettings() {
  const composition = useEditor((s) => s.history.present);
  const replace = useEditor((s) => s.replace);
  const background = composition.canvas.background;
  return (
    <aside className="panel properties" aria-label="Composition settings">
      <h2>Composition</h2>
      <label className="field">
        <span>Name</span>
        <input value={composition.name} onChange={(e) => e.target.value.trim() && replace({ ...composition, name: e.target.value }, { gesture: 'name' })} />
      </label>
      <label className="field">
        <span>Length (seconds)</span>
        <input
          type="number"
          min={1}
          max={3600}
          step={0.5}
          aria-label="Length in seconds"
          value={composition.canvas.duration}
          onChange={(e) => {
            const duration = Number(e.target.value);
            if (Number.isFinite(duration) && duration >= 1) replace({ ...composition, canvas: { ...composition.canvas, duration } }, { gesture: 'duration' });
          }}
        />
      </label>
      {background.kind === 'color' && (
        <label className="field">
          <span>Background</span>
          <input type="color" value={background.color.slice(0, 7)} onChange={(e) => replace({ ...composition, canvas: { ...composition.canvas, background: { kind: 'color', color: e.target.value } } }, { gesture: 'background' })} />
        </label>
      )}
      <LooksPicker looks={composition.looks} allowSpeed={false} onChange={(looks) => replace({ ...composition, looks })} />
      <CaptionsEditor />
      <p className="hint">
        {composition.canvas.width}x{composition.canvas.height} at {composition.canvas.fps} fps. Select a layer to change it.
      </p>
    </aside>
  );
}

/** The picture-in-picture's own settings, re-applied as they change. */
function PipSettings({ clip, style }: { clip: Placed; style: Extract<NonNullable<Placed['style']>, { kind: 'pip' }> }) {
  const perform = useEditor((s) => s.perform);
  const apply = (change: Partial<typeof style>) => perform('pictureInPicture', { clipId: clip.id, corner: style.corner, size: style.size, margin: style.margin, border: style.border, borderColor: style.borderColor, radius: style.radius, ...change }, { gesture: `pip-${clip.id}` });
  return (
    <fieldset className="field channels">
      <legend>Picture in picture</legend>
      <div className="crop-grid">
        <label className="field">
          <span>Size %</span>
          <input type="number" min={5} max={100} value={Math.round(style.size * 100)} onChange={(e) => apply({ size: Math.min(1, Math.max(0.05, Number(e.target.value) / 100)) })} />
        </label>
        <label className="field">
          <span>Margin</span>
          <input type="number" min={0} value={style.margin} onChange={(e) => apply({ margin: Math.max(0, Number(e.target.value)) })} />
        </label>
        <label className="field">
          <span>Border</span>
          <input type="number" min={0} value={style.border} onChange={(e) => apply({ border: Math.max(0, Number(e.target.value)) })} />
        </label>
        <label className="field">
          <span>Corners</span>
          <input type="number" min={0} value={style.radius} onChange={(e) => apply({ radius: Math.max(0, Number(e.target.value)) })} />
        </label>
      </div>
      <label className="field">
        <span>Border colour</span>
        <input type="color" value={style.borderColor.slice(0, 7)} onChange={(e) => apply({ borderColor: e.target.value })} />
      </label>
    </fieldset>
  );
}
