import type { Look, Transform, VisualClip } from '../../../shared/composition/schema';
import { useEditor } from './use-editor';

type Placed = Extract<VisualClip, { transform: Transform }>;

/** One-click UGC looks; each button adds or removes one. */
const lookPresets: { label: string; look: Look; videoOnly?: boolean }[] = [
  { label: 'Grain', look: { kind: 'grain', strength: 0.3 } },
  { label: 'Vignette', look: { kind: 'vignette', strength: 0.5 } },
  { label: 'Handheld', look: { kind: 'shake', amount: 8, frequency: 1.5 } },
  { label: 'Warm', look: { kind: 'grade', warmth: 0.4, saturation: 1.1, contrast: 1 } },
  { label: 'Cool', look: { kind: 'grade', warmth: -0.4, saturation: 1, contrast: 1.05 } },
  { label: 'Speed ramp', look: { kind: 'speedRamp', from: 1, to: 2 }, videoOnly: true },
];

const sameLook = (a: Look, b: Look) => JSON.stringify(a) === JSON.stringify(b);

export function LooksPicker({ looks, onChange, allowSpeed }: { looks: Look[]; onChange: (looks: Look[]) => void; allowSpeed: boolean }) {
  return (
    <div className="field">
      <span className="list-meta">Looks</span>
      <div className="chips">
        {lookPresets
          .filter((p) => allowSpeed || !p.videoOnly)
          .map((preset) => {
            const on = looks.some((l) => sameLook(l, preset.look));
            return (
              <button key={preset.label} className={on ? 'chip on' : 'chip'} aria-pressed={on} onClick={() => onChange(on ? looks.filter((l) => !sameLook(l, preset.look)) : [...looks.filter((l) => l.kind !== preset.look.kind || l.kind !== 'grade'), preset.look])}>
                {preset.label}
              </button>
            );
          })}
      </div>
    </div>
  );
}

/** Crop, fades, looks and (for images) product placement of the selected picture layer. */
export function LayerStyles({ clip }: { clip: Placed }) {
  const perform = useEditor((s) => s.perform);
  const change = (patch: Record<string, unknown>, gesture?: string) => perform('changeClip', { clipId: clip.id, patch }, gesture ? { gesture } : undefined);
  const crop = clip.crop ?? { left: 0, top: 0, right: 0, bottom: 0 };
  const box = (() => {
    const t = clip.transform;
    const n = (v: unknown) => (typeof v === 'number' ? v : 0);
    const w = n(t.width);
    const h = t.height === undefined ? w : n(t.height);
    return { x: n(t.x) - w / 2, y: n(t.y) - h / 2, w, h };
  })();
  return (
    <>
      <fieldset className="field channels">
        <legend>Crop (% of each side)</legend>
        <div className="crop-grid">
          {(['left', 'top', 'right', 'bottom'] as const).map((side) => (
            <label key={side} className="field">
              <span>{side}</span>
              <input type="number" min={0} max={90} step={1} aria-label={`Crop ${side}`} value={Math.round(crop[side] * 100)} onChange={(e) => change({ crop: { ...crop, [side]: Math.max(0, Number(e.target.value)) / 100 } }, `crop-${clip.id}`)} />
            </label>
          ))}
        </div>
      </fieldset>
      <div className="field-row">
        <label className="field">
          <span>Fade in (s)</span>
          <input type="number" min={0} step={0.1} value={clip.fadeIn} onChange={(e) => change({ fadeIn: Math.max(0, Number(e.target.value)) }, `fade-${clip.id}`)} />
        </label>
        <label className="field">
          <span>Fade out (s)</span>
          <input type="number" min={0} step={0.1} value={clip.fadeOut} onChange={(e) => change({ fadeOut: Math.max(0, Number(e.target.value)) }, `fade-${clip.id}`)} />
        </label>
      </div>
      <LooksPicker looks={clip.looks} allowSpeed={clip.kind === 'video'} onChange={(looks) => change({ looks })} />
      {clip.kind === 'image' && (
        <div className="field">
          <span className="list-meta">Product placement</span>
          <div className="chips">
            <button
              className={clip.corners ? 'chip on' : 'chip'}
              aria-pressed={Boolean(clip.corners)}
              onClick={() =>
                change({
                  corners: clip.corners
                    ? undefined
                    : [
                        [box.x, box.y],
                        [box.x + box.w, box.y],
                        [box.x, box.y + box.h],
                        [box.x + box.w, box.y + box.h],
                      ],
                })
              }
            >
              Four corners
            </button>
            <button className={clip.shadow ? 'chip on' : 'chip'} aria-pressed={Boolean(clip.shadow)} onClick={() => change({ shadow: clip.shadow ? undefined : { offsetX: 12, offsetY: 12, blur: 12, opacity: 0.5 } })}>
              Shadow
            </button>
            <button className={clip.chromaKey ? 'chip on' : 'chip'} aria-pressed={Boolean(clip.chromaKey)} onClick={() => change({ chromaKey: clip.chromaKey ? undefined : { color: '#00ff00', similarity: 0.2, blend: 0.05 } })}>
              Remove green
            </button>
          </div>
          {clip.corners && <p className="hint">Drag the four round handles on the canvas onto the surface.</p>}
        </div>
      )}
    </>
  );
}
