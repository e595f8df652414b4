import type Konva from 'konva';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Circle, Image as KonvaImage, Layer, Line, Rect, Stage, Transformer } from 'react-konva';
import { valueAt } from '../../../shared/composition/animation';
import { canvasGuides, snapBox, type Box } from '../../../shared/composition/editing/snapping';
import { presetById } from '../../../shared/composition/presets';
import type { Composition, Transform, VisualClip } from '../../../shared/composition/schema';
import { clipEnd } from '../../../shared/composition/timeline';
import { MissingMedia } from './MissingMedia';
import { usePreviewFrame } from './preview-frame';
import { useSourceImages } from './source-images';
import { useEditor } from './use-editor';

type Placed = Extract<VisualClip, { transform: Transform }>;

interface LayerBox extends Box {
  clipId: string;
  rotation: number;
  locked: boolean;
}

/** Boxes of the picture layers visible at `time`, in canvas pixels, bottom first. */
export function layerBoxes(composition: Composition, time: number): LayerBox[] {
  const boxes: LayerBox[] = [];
  for (const track of composition.tracks) {
    if (track.kind !== 'visual' || track.hidden) continue;
    for (const clip of track.clips) {
      if (clip.kind === 'text' || time < clip.start || time >= clipEnd(clip)) continue;
      const placed = clip as Placed;
      const local = time - clip.start;
      const media = 'mediaId' in placed ? composition.media.find((m) => m.id === placed.mediaId) : undefined;
      const width = valueAt(placed.transform.width, local);
      const height = placed.transform.height !== undefined ? valueAt(placed.transform.height, local) : media?.width && media.height ? (width * media.height) / media.width : width;
      const x = valueAt(placed.transform.x, local);
      const y = valueAt(placed.transform.y, local);
      boxes.push({ clipId: clip.id, x: x - width / 2, y: y - height / 2, width, height, rotation: valueAt(placed.transform.rotation, local), locked: clip.locked || track.locked });
    }
  }
  return boxes;
}

function useSize(ref: React.RefObject<HTMLDivElement | null>) {
  const [size, setSize] = useState({ width: 800, height: 600 });
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setSize({ width: element.clientWidth, height: element.clientHeight }));
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/** The canvas at the playhead: the composed frame from the engine, with the layers' boxes to select, drag, resize and rotate. */
export function EditorStage() {
  const composition = useEditor((s) => s.history.present);
  const playhead = useEditor((s) => s.playhead);
  const selection = useEditor((s) => s.selection);
  const showSafeArea = useEditor((s) => s.showSafeArea);
  const perform = useEditor((s) => s.perform);
  const select = useEditor((s) => s.select);
  const endGesture = useEditor((s) => s.endGesture);
  const rangePreview = useEditor((s) => s.rangePreview);
  const showRangePreview = useEditor((s) => s.showRangePreview);
  const holder = useRef<HTMLDivElement>(null);
  const size = useSize(holder);
  const { width: W, height: H } = composition.canvas;
  // Zoom 1 fits the canvas in the window; pan moves it while zoomed in.
  const [zoom, setZoom] = useState(1);
  const [pan, setPan] = useState({ x: 0, y: 0 });
  const fit = Math.min((size.width - 32) / W, (size.height - 32) / H);
  const scale = fit * zoom;
  const offset = { x: (size.width - W * scale) / 2 + pan.x, y: (size.height - H * scale) / 2 + pan.y };
  const zoomTo = (next: number) => {
    setZoom(Math.min(8, Math.max(0.25, next)));
    if (next <= 1) setPan({ x: 0, y: 0 });
  };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.target as HTMLElement | null)?.closest?.('input, textarea, select')) return;
      if (event.shiftKey && (event.key === '!' || event.code === 'Digit1')) {
        setZoom(1);
        setPan({ x: 0, y: 0 });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const previewHeight = Math.min(540, Math.max(180, Math.round((H * scale) / 2) * 2));
  const frame = usePreviewFrame(composition, playhead, previewHeight);
  const [image, setImage] = useState<HTMLImageElement | null>(null);
  const [guides, setGuides] = useState<{ x: number | null; y: number | null }>({ x: null, y: null });
  const transformer = useRef<Konva.Transformer>(null);
  const stage = useRef<Konva.Stage>(null);
  const boxes = useMemo(() => layerBoxes(composition, playhead), [composition, playhead]);
  // While a layer moves, the canvas draws each layer from its own source frame (instant);
  // at rest it shows the engine's composed frame (exact: blend modes, looks, captions).
  const sources = useSourceImages(composition, playhead);
  const [moving, setMoving] = useState(false);
  const composedIsCurrent = !frame.loading;
  const safe = composition.preset ? presetById(composition.preset).safeArea : null;
  // Product placement: the selected image's four corners, dragged one by one onto a surface.
  const cornered = (() => {
    if (selection.length !== 1) return null;
    for (const track of composition.tracks) {
      const clip = track.clips.find((c) => c.id === selection[0]);
      if (clip?.kind === 'image' && clip.corners) return { id: clip.id, corners: clip.corners };
    }
    return null;
  })();

  useEffect(() => {
    if (!frame.url) return;
    const img = new window.Image();
    img.onload = () => setImage(img);
    img.src = frame.url;
  }, [frame.url]);

  useEffect(() => {
    const nodes = selection.map((id) => stage.current?.findOne(`#layer-${id}`)).filter((n): n is Konva.Node => Boolean(n));
    transformer.current?.nodes(nodes);
  }, [selection, boxes]);

  const snap = (box: Box, clipId: string) =>
    snapBox(box, canvasGuides({ width: W, height: H, safeArea: showSafeArea && safe ? safe : undefined, others: boxes.filter((b) => b.clipId !== clipId) }), 8 / scale);

  return (
    <div className="stage-holder" ref={holder} data-testid="editor-stage" aria-busy={frame.loading}>
      <Stage
        ref={stage}
        width={size.width}
        height={size.height}
        onMouseDown={(e) => e.target === e.target.getStage() && select([])}
        onWheel={(e) => {
          if (!e.evt.ctrlKey && !e.evt.metaKey) {
            if (zoom > 1) setPan((p) => ({ x: p.x - e.evt.deltaX, y: p.y - e.evt.deltaY }));
            return;
          }
          e.evt.preventDefault();
          zoomTo(zoom * (e.evt.deltaY < 0 ? 1.1 : 1 / 1.1));
        }}
      >
        <Layer x={offset.x} y={offset.y} scaleX={scale} scaleY={scale}>
          <Rect width={W} height={H} fill={composition.canvas.background.kind === 'color' ? composition.canvas.background.color.slice(0, 7) : '#000'} listening={false} />
          {image && !(moving || !composedIsCurrent) && <KonvaImage image={image} width={W} height={H} listening={false} />}
          {(moving || !composedIsCurrent) &&
            boxes.map((box) => {
              const source = sources.get(box.clipId);
              return source ? (
                <KonvaImage key={`source-${box.clipId}`} image={source} x={box.x + box.width / 2} y={box.y + box.height / 2} offsetX={box.width / 2} offsetY={box.height / 2} width={box.width} height={box.height} rotation={box.rotation} listening={false} />
              ) : null;
            })}
          {boxes.map((box) => (
            <Rect
              key={box.clipId}
              id={`layer-${box.clipId}`}
              name="layer"
              x={box.x + box.width / 2}
              y={box.y + box.height / 2}
              offsetX={box.width / 2}
              offsetY={box.height / 2}
              width={box.width}
              height={box.height}
              rotation={box.rotation}
              stroke={selection.includes(box.clipId) ? '#9d90ff' : 'rgba(255,255,255,0.35)'}
              strokeWidth={1.5 / scale}
              dash={[6 / scale, 4 / scale]}
              fill="rgba(0,0,0,0.001)"
              draggable={!box.locked}
              onMouseDown={(e) => select([box.clipId], { add: e.evt.shiftKey })}
              onDragStart={() => setMoving(true)}
              onTransformStart={() => setMoving(true)}
              onDragMove={(e) => {
                const node = e.target;
                const moved = { x: node.x() - box.width / 2, y: node.y() - box.height / 2, width: box.width, height: box.height };
                const snapped = snap(moved, box.clipId);
                node.position({ x: snapped.box.x + box.width / 2, y: snapped.box.y + box.height / 2 });
                setGuides(snapped.lines);
                perform('setTransform', { clipId: box.clipId, values: { x: Math.round(snapped.box.x + box.width / 2), y: Math.round(snapped.box.y + box.height / 2) }, time: playhead }, { gesture: `drag-${box.clipId}` });
              }}
              onDragEnd={() => {
                setGuides({ x: null, y: null });
                setMoving(false);
                endGesture();
              }}
              onTransformEnd={(e) => {
                setMoving(false);
                const node = e.target;
                const width = Math.max(2, box.width * node.scaleX());
                const height = Math.max(2, box.height * node.scaleY());
                node.scale({ x: 1, y: 1 });
                perform('setTransform', { clipId: box.clipId, values: { x: Math.round(node.x()), y: Math.round(node.y()), width: Math.round(width), height: Math.round(height), rotation: Math.round(node.rotation() * 10) / 10 }, time: playhead });
              }}
            />
          ))}
          {showSafeArea && safe && (
            <Rect x={safe.left} y={safe.top} width={W - safe.left - safe.right} height={H - safe.top - safe.bottom} stroke="#f5b94a" strokeWidth={1 / scale} dash={[10 / scale, 6 / scale]} listening={false} />
          )}
          {guides.x !== null && <Line points={[guides.x, 0, guides.x, H]} stroke="#ff6bb5" strokeWidth={1 / scale} listening={false} />}
          {guides.y !== null && <Line points={[0, guides.y, W, guides.y]} stroke="#ff6bb5" strokeWidth={1 / scale} listening={false} />}
          <Transformer ref={transformer} rotateEnabled keepRatio={false} ignoreStroke />
          {cornered &&
            cornered.corners.map(([cx, cy], i) => (
              <Circle
                key={i}
                name="corner"
                x={cx}
                y={cy}
                radius={9 / scale}
                fill="#ff6bb5"
                stroke="#fff"
                strokeWidth={2 / scale}
                draggable
                onDragMove={(e) => {
                  const corners = cornered.corners.map((c, j) => (j === i ? [Math.round(e.target.x()), Math.round(e.target.y())] : c));
                  perform('changeClip', { clipId: cornered.id, patch: { corners } }, { gesture: `corner-${cornered.id}-${i}` });
                }}
                onDragEnd={endGesture}
              />
            ))}
        </Layer>
      </Stage>
      <div className="zoom-controls row">
        <button className="layer-button" aria-label="Zoom out" onClick={() => zoomTo(zoom / 1.25)}>
          −
        </button>
        <span className="list-meta" data-testid="zoom">{Math.round(scale * 100)}%</span>
        <button className="layer-button" aria-label="Zoom in" onClick={() => zoomTo(zoom * 1.25)}>
          +
        </button>
        <button className="layer-button" onClick={() => zoomTo(1)} title="Fit to window (Shift+1)">
          Fit
        </button>
      </div>
      {frame.error && <p className="stage-error" role="alert">Preview: {frame.error}</p>}
      <MissingMedia />
      {rangePreview && (
        <div className="range-preview">
          <video src={rangePreview.url} autoPlay controls aria-label="Range preview" onEnded={() => showRangePreview(null)} />
          <button className="button small" onClick={() => showRangePreview(null)}>
            Close preview
          </button>
        </div>
      )}
    </div>
  );
}
