import { useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { snapClipStart, snapValue } from '../../../shared/composition/editing/snapping';
import type { Clip, Composition } from '../../../shared/composition/schema';
import { transitionKinds, type TransitionKind } from '../../../shared/composition/transitions';
import { clipDuration, clipEnd } from '../../../shared/composition/timeline';
import { studio } from '../../trpc';
import { useEditor } from './use-editor';

function clipLabel(clip: Clip, media: Composition['media']): string {
  if (clip.name) return clip.name;
  if (clip.kind === 'text') return clip.text;
  if (clip.kind === 'color') return clip.color;
  const source = media.find((m) => m.id === clip.mediaId);
  return source?.name ?? source?.path.split(/[\\/]/).pop() ?? clip.mediaId;
}

/** Drag with the pointer, calling `onMove` with the seconds moved since the press. */
function dragSeconds(event: ReactPointerEvent, pxPerSecond: number, onMove: (seconds: number) => void, onEnd: () => void) {
  event.preventDefault();
  event.stopPropagation();
  const startX = event.clientX;
  const move = (e: PointerEvent) => onMove((e.clientX - startX) / pxPerSecond);
  const up = () => {
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    onEnd();
  };
  window.addEventListener('pointermove', move);
  window.addEventListener('pointerup', up);
}

/** Plays five seconds from the playhead: the engine renders them small and fast, with sound. */
function PlayRange() {
  const composition = useEditor((s) => s.history.present);
  const playhead = useEditor((s) => s.playhead);
  const showRangePreview = useEditor((s) => s.showRangePreview);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <>
      <button
        className="button small"
        disabled={busy}
        title="Play 5 seconds from the playhead (Space)"
        data-play-range
        onClick={async () => {
          setBusy(true);
          setProblem(null);
          try {
            const preview = await studio.render.previewRange.query({ composition, start: Math.min(playhead, composition.canvas.duration - 0.1), seconds: Math.min(5, composition.canvas.duration - playhead) || 1 });
            showRangePreview({ url: preview.dataUrl, start: preview.start });
          } catch (error) {
            setProblem(error instanceof Error ? error.message : String(error));
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Preparing…' : '▶ Play 5 s'}
      </button>
      {problem && <span className="tone-bad list-meta" role="alert">{problem}</span>}
    </>
  );
}

export function Timeline() {
  const composition = useEditor((s) => s.history.present);
  const playhead = useEditor((s) => s.playhead);
  const selection = useEditor((s) => s.selection);
  const { perform, select, setPlayhead, endGesture } = useEditor((s) => s);
  const [pxPerSecond, setPxPerSecond] = useState(60);
  const [transition, setTransition] = useState<TransitionKind>('fade');
  const ruler = useRef<HTMLDivElement>(null);
  const duration = composition.canvas.duration;
  const width = duration * pxPerSecond;
  const edges = composition.tracks.flatMap((t) => t.clips.flatMap((c) => [c.start, clipEnd(c)]));
  const threshold = 8 / pxPerSecond;

  const scrubTo = (clientX: number) => {
    const rect = ruler.current!.getBoundingClientRect();
    const seconds = (clientX - rect.left) / pxPerSecond;
    setPlayhead(snapValue(seconds, edges, threshold / 2).value);
  };

  const selectedPair = (() => {
    if (selection.length !== 2) return null;
    for (const track of composition.tracks) {
      const index = track.clips.findIndex((c) => c.id === selection[0] || c.id === selection[1]);
      const next = track.clips[index + 1];
      if (index >= 0 && next && selection.includes(next.id)) return { from: track.clips[index]!.id, to: next.id };
    }
    return null;
  })();

  return (
    <section className="timeline" aria-label="Timeline">
      <div className="timeline-tools row">
        <button className="button small" disabled={selection.length !== 1} onClick={() => perform('splitClip', { clipId: selection[0]!, time: playhead })} title="Split at playhead (S)">
          Split
        </button>
        <button className="button small" disabled={selection.length !== 1} onClick={() => perform('rippleDelete', { clipId: selection[0]! })} title="Ripple delete (Shift+Delete)">
          Ripple delete
        </button>
        <select aria-label="Transition" value={transition} onChange={(e) => setTransition(e.target.value as TransitionKind)}>
          {transitionKinds.map((kind) => (
            <option key={kind}>{kind}</option>
          ))}
        </select>
        <button className="button small" disabled={!selectedPair} onClick={() => selectedPair && perform('addTransition', { ...selectedPair, kind: transition, duration: 0.5 })} title="Select two neighbouring clips">
          Add transition
        </button>
        <span
          className="chip transition-chip"
          draggable
          title="Drag onto the second of two neighbouring clips"
          onDragStart={(e) => {
            e.dataTransfer.setData('application/x-kata-transition', transition);
            e.dataTransfer.effectAllowed = 'copy';
          }}
        >
          ⇄ {transition}
        </span>
        <PlayRange />
        <span className="spacer" />
        <span className="list-meta" data-testid="playhead">{playhead.toFixed(2)} s</span>
        <label className="row list-meta">
          Zoom
          <input type="range" min={10} max={300} value={pxPerSecond} aria-label="Timeline zoom" onChange={(e) => setPxPerSecond(Number(e.target.value))} />
        </label>
      </div>
      <div className="timeline-scroll">
        <div className="timeline-body" style={{ width: width + 120 }}>
          <div
            className="ruler"
            ref={ruler}
            style={{ marginLeft: 120, width }}
            data-testid="timeline-ruler"
            onPointerDown={(e) => {
              scrubTo(e.clientX);
              const move = (ev: PointerEvent) => scrubTo(ev.clientX);
              window.addEventListener('pointermove', move);
              window.addEventListener('pointerup', () => window.removeEventListener('pointermove', move), { once: true });
            }}
          >
            {Array.from({ length: Math.floor(duration) + 1 }, (_, s) => (
              <span key={s} className="tick" style={{ left: s * pxPerSecond }}>{s}s</span>
            ))}
          </div>
          {[...composition.tracks].reverse().map((track) => (
            <div key={track.id} className={`track-row ${track.kind}`}>
              <div className="track-name">{track.name ?? track.id}</div>
              <div className="track-lane" style={{ width }}>
                {track.clips.map((clip) => {
                  const left = clip.start * pxPerSecond;
                  const clipWidth = Math.max(4, clipDuration(clip) * pxPerSecond);
                  const locked = clip.locked || track.locked;
                  return (
                    <div
                      key={clip.id}
                      className={`clip-block ${clip.kind}${selection.includes(clip.id) ? ' selected' : ''}`}
                      style={{ left, width: clipWidth }}
                      data-clip-id={clip.id}
                      title={`${clipLabel(clip, composition.media)}: ${clip.start.toFixed(2)}–${clipEnd(clip).toFixed(2)} s`}
                      onDragOver={(e) => {
                        if (e.dataTransfer.types.includes('application/x-kata-transition')) e.preventDefault();
                      }}
                      onDrop={(e) => {
                        const kind = e.dataTransfer.getData('application/x-kata-transition') as TransitionKind;
                        const index = track.clips.findIndex((c) => c.id === clip.id);
                        const previous = track.clips[index - 1];
                        if (!kind || !previous) return;
                        e.preventDefault();
                        perform('addTransition', { from: previous.id, to: clip.id, kind, duration: 0.5 });
                      }}
                      onPointerDown={(e) => {
                        select([clip.id], { add: e.shiftKey });
                        if (locked) return;
                        const start = clip.start;
                        dragSeconds(
                          e,
                          pxPerSecond,
                          (seconds) => {
                            const others = edges.filter((edge) => edge !== clip.start && edge !== clipEnd(clip));
                            const snapped = snapClipStart({ start: start + seconds, duration: clipDuration(clip), targets: [0, playhead, ...others], threshold });
                            perform('moveClip', { clipId: clip.id, start: snapped.start }, { gesture: `move-${clip.id}` });
                          },
                          endGesture,
                        );
                      }}
                    >
                      {!locked && (
                        <span className="trim start" aria-label="Trim start" onPointerDown={(e) => dragSeconds(e, pxPerSecond, (s) => perform('trimClip', { clipId: clip.id, edge: 'start', time: snapValue(clip.start + s, [playhead, ...edges], threshold).value }, { gesture: `trim-${clip.id}` }), endGesture)} />
                      )}
                      <span className="clip-label">{clipLabel(clip, composition.media)}</span>
                      {!locked && (
                        <span className="trim end" aria-label="Trim end" onPointerDown={(e) => dragSeconds(e, pxPerSecond, (s) => perform('trimClip', { clipId: clip.id, edge: 'end', time: snapValue(clipEnd(clip) + s, [playhead, ...edges], threshold).value }, { gesture: `trim-end-${clip.id}` }), endGesture)} />
                      )}
                    </div>
                  );
                })}
              </div>
            </div>
          ))}
          <div className="playhead" style={{ left: 120 + playhead * pxPerSecond }} aria-hidden="true" />
        </div>
      </div>
    </section>
  );
}
