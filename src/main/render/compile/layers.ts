import { isAnimated, type Animatable } from '../../../shared/composition/animation';
import type { BlendMode, ImageClip, Media, VideoClip, VisualClip } from '../../../shared/composition/schema';
import { clipDuration, clipEnd, speedRampOf } from '../../../shared/composition/timeline';
import { animatedExpr } from './expressions';
import { even, ffmpegColor, num, type FilterGraph } from './filter-graph';
import type { InputList } from './inputs';
import { lookFilters } from './looks';

export interface CompileContext {
  graph: FilterGraph;
  inputs: InputList;
  media: Map<string, Media>;
  /** The design canvas at render scale. */
  width: number;
  height: number;
  fps: number;
  /** Render size / design size: 1 for export, smaller for a preview frame. */
  scale: number;
  /** The stretch of the timeline rendered: the whole video, or one frame for a grab. */
  window: { start: number; end: number };
  /** Input index of each video clip, so its sound is taken from the same input. */
  videoInputs: Map<string, number>;
}

/** The part of a clip inside the rendered window. */
export interface Span {
  /** Where it starts in the output, in seconds. */
  outStart: number;
  duration: number;
  /** Clip seconds cut from its beginning (when the window starts inside the clip). */
  skip: number;
}

export function visibleSpan(clip: VisualClip, ctx: CompileContext): Span | null {
  const from = Math.max(clip.start, ctx.window.start);
  const to = Math.min(clipEnd(clip), ctx.window.end);
  if (to - from < 1e-6) return null;
  return { outStart: from - ctx.window.start, duration: to - from, skip: from - clip.start };
}

/** A clip made into a stream, and where the caller overlays it. */
export interface Layer {
  label: string;
  /** Overlay position of the stream's top-left corner, as expressions of output time `t`. */
  x: string;
  y: string;
  /** True when x/y change over time (overlay must evaluate per frame). */
  moving: boolean;
  blend: BlendMode;
  clipId: string;
}

/** Source seconds (from the clip's in point) played after `t` seconds of the clip on the timeline. */
export function sourceOffset(clip: VideoClip, t: number): number {
  const ramp = speedRampOf(clip);
  if (!ramp) return t * clip.speed;
  const D = clip.out - clip.in;
  if (Math.abs(ramp.to - ramp.from) < 1e-9) return t * ramp.from;
  const speed = ramp.from * Math.exp((t * (ramp.to - ramp.from)) / D);
  return ((speed - ramp.from) * D) / (ramp.to - ramp.from);
}

function timing(clip: VisualClip, span: Span): string[] {
  if (clip.kind !== 'video') return [];
  const ramp = speedRampOf(clip);
  if (!ramp) return [clip.speed === 1 ? 'setpts=PTS-STARTPTS' : `setpts=(PTS-STARTPTS)/${num(clip.speed)}`];
  // Timeline time of source time τ is D/(s1-s0)·ln(speed(τ)/s0); the stream starts at τ0.
  const D = clip.out - clip.in;
  const { from: s0, to: s1 } = ramp;
  if (Math.abs(s1 - s0) < 1e-9) return [`setpts=(PTS-STARTPTS)/${num(s0)}`];
  const tau0 = sourceOffset(clip, span.skip);
  const out = (tau: string) => `${num(D / (s1 - s0))}*log((${num(s0)}+${num((s1 - s0) / D)}*(${tau}))/${num(s0)})`;
  return [`setpts='(${out(`T-STARTT+${num(tau0)}`)}-${num(span.skip)})/TB'`];
}

function sourceAspect(clip: VisualClip, ctx: CompileContext): number | null {
  if (clip.kind === 'color' || clip.kind === 'text') return null;
  const media = ctx.media.get(clip.mediaId);
  if (!media?.width || !media.height) return null;
  const crop = clip.crop ?? { left: 0, right: 0, top: 0, bottom: 0 };
  return (media.width * (1 - crop.left - crop.right)) / (media.height * (1 - crop.top - crop.bottom));
}

/** Time-dependent option values use the stream's own time, which starts at the clip's first visible instant. */
const streamLocal = (span: Span) => (span.skip > 0 ? `(t+${num(span.skip)})` : 't');
const outputLocal = (span: Span) => {
  const shift = span.skip - span.outStart;
  return shift === 0 ? 't' : `(t${shift > 0 ? '+' : '-'}${num(Math.abs(shift))})`;
};

function constant(value: Animatable | undefined): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : value.keyframes[0]!.value;
}

/** Builds one picture clip into a stream placed on the canvas (not yet overlaid). */
export function buildLayer(clip: Exclude<VisualClip, { kind: 'text' }>, ctx: CompileContext, placement: 'timeline' | 'origin' = 'timeline'): Layer | null {
  const visible = visibleSpan(clip, ctx);
  if (!visible) return null;
  // A clip inside a transition run is built from time 0; the run is placed on the timeline as a whole.
  const span = placement === 'origin' ? { ...visible, outStart: 0 } : visible;
  const { graph, scale: k } = ctx;
  const t = clip.transform;
  const filters: string[] = [];
  const still = clip.kind === 'image' || clip.kind === 'color';
  const needsAlpha =
    clip.kind === 'image' ||
    ('chromaKey' in clip && clip.chromaKey !== undefined) ||
    constant(t.opacity) !== 1 ||
    isAnimated(t.opacity) ||
    constant(t.rotation) !== 0 ||
    isAnimated(t.rotation) ||
    clip.fadeIn > 0 ||
    clip.fadeOut > 0 ||
    (clip.style?.kind === 'pip' && clip.style.radius > 0);

  let source: string;
  if (clip.kind === 'video') {
    const media = ctx.media.get(clip.mediaId)!;
    ctx.videoInputs.set(clip.id, ctx.inputs.entries.length);
    const from = clip.in + sourceOffset(clip, span.skip);
    const seconds = sourceOffset(clip, span.skip + span.duration) - sourceOffset(clip, span.skip);
    source = `${ctx.inputs.addSpan(media.path, from, seconds + 1 / ctx.fps)}:v`;
  } else if (clip.kind === 'image') {
    source = `${ctx.inputs.addStill(ctx.media.get(clip.mediaId)!.path, ctx.fps)}:v`;
  } else {
    source = '';
  }

  // Box size at render scale; height follows the source's shape unless given.
  const aspect = sourceAspect(clip, ctx);
  const staticSize = !isAnimated(t.width) && !(t.height && isAnimated(t.height));
  const width = constant(t.width)! * k;
  const height = t.height !== undefined ? constant(t.height)! * k : aspect ? width / aspect : width;

  if (clip.kind === 'color') {
    filters.push(`color=c=${ffmpegColor(clip.color)}:s=${even(width)}x${even(height)}:r=${num(ctx.fps)}:d=${num(span.duration)}`);
  }
  filters.push(...timing(clip, span));
  if (clip.crop && (clip.crop.left || clip.crop.right || clip.crop.top || clip.crop.bottom)) {
    const c = clip.crop;
    filters.push(`crop=w=iw*${num(1 - c.left - c.right)}:h=ih*${num(1 - c.top - c.bottom)}:x=iw*${num(c.left)}:y=ih*${num(c.top)}`);
  }
  if ('chromaKey' in clip && clip.chromaKey) {
    const key = clip.chromaKey;
    filters.push('format=yuva420p', `chromakey=color=${ffmpegColor(key.color)}:similarity=${num(key.similarity)}:blend=${num(key.blend)}`);
  }
  if (staticSize) {
    const media = clip.kind === 'color' ? undefined : ctx.media.get(clip.mediaId);
    const uncropped = !clip.crop || !(clip.crop.left || clip.crop.right || clip.crop.top || clip.crop.bottom);
    const alreadyThatSize = uncropped && media?.width === even(width) && media.height === even(height);
    const placedByCorners = clip.kind === 'image' && clip.corners !== undefined;
    if (clip.kind !== 'color' && !alreadyThatSize && !placedByCorners) filters.push(`scale=w=${even(width)}:h=${even(height)}`);
  } else {
    const local = streamLocal(span);
    const w = `2*trunc(${animatedExpr(t.width, local, k)}/2)`;
    const h = t.height !== undefined ? `2*trunc(${animatedExpr(t.height, local, k)}/2)` : '-2';
    filters.push(`scale=w='${w}':h='${h}':eval=frame`);
  }
  if (needsAlpha) filters.push('format=yuva420p');

  if (clip.kind === 'image' && clip.corners) {
    // Product placement: stretch to the canvas with a transparent rim, then send its corners to the four points.
    const [tl, tr, bl, br] = clip.corners.map(([x, y]) => [x * k, y * k] as const);
    filters.push(
      `scale=w=${even(ctx.width) - 4}:h=${even(ctx.height) - 4}`,
      `pad=w=${even(ctx.width)}:h=${even(ctx.height)}:x=2:y=2:color=black@0`,
      `perspective=x0=${num(tl![0])}:y0=${num(tl![1])}:x1=${num(tr![0])}:y1=${num(tr![1])}:x2=${num(bl![0])}:y2=${num(bl![1])}:x3=${num(br![0])}:y3=${num(br![1])}:sense=destination`,
    );
  }
  if (clip.style?.kind === 'pip') {
    const style = clip.style;
    const border = Math.round(style.border * k);
    if (border > 0) filters.push(`pad=w=iw+${2 * border}:h=ih+${2 * border}:x=${border}:y=${border}:color=${ffmpegColor(style.borderColor)}`);
  }
  let label = graph.chain(source ? [source] : [], filters, graph.label(`clip-${clip.id}-picture`));
  // A still is decoded and prepared once (shadow included), then repeated for its whole time on screen.
  if (still && clip.kind === 'image') {
    if (clip.shadow) label = withShadow(label, clip, ctx);
    label = graph.chain([label], ['loop=loop=-1:size=1:start=0', `setpts=N/(${num(ctx.fps)}*TB)`, `trim=duration=${num(span.duration)}`], graph.label(`clip-${clip.id}-held`));
  }

  if (clip.style?.kind === 'pip' && clip.style.radius > 0 && staticSize) {
    label = roundCorners(label, clip, span, ctx, width + 2 * Math.round(clip.style.border * k), height + 2 * Math.round(clip.style.border * k));
  }

  const after: string[] = [];
  for (const look of clip.looks) after.push(...lookFilters(look, { width: even(width), height: even(height) }, k));
  const opacity = t.opacity;
  if (isAnimated(opacity)) {
    const local = streamLocal(span).replace(/\bt\b/g, 'T');
    after.push(`geq=lum='lum(X,Y)':cb='cb(X,Y)':cr='cr(X,Y)':a='alpha(X,Y)*(${animatedExpr(opacity, local)})'`);
  } else if (constant(opacity) !== 1) {
    after.push(`lut=a='val*${num(constant(opacity)!)}'`);
  }
  const duration = clipDuration(clip);
  if (ctx.window.end - ctx.window.start <= 1.5 / ctx.fps) {
    // A preview frame: at one instant the fades are one number, exact even halfway through a fade.
    const fadeIn = clip.fadeIn > 0 ? Math.min(1, span.skip / clip.fadeIn) : 1;
    const fadeOut = clip.fadeOut > 0 ? Math.min(1, (duration - span.skip) / clip.fadeOut) : 1;
    const alpha = Math.max(0, fadeIn * fadeOut);
    if (alpha < 1) after.push(`lut=a='val*${num(alpha)}'`);
  } else {
    if (clip.fadeIn > span.skip) after.push(`fade=t=in:st=0:d=${num(clip.fadeIn - span.skip)}:alpha=1`);
    if (clip.fadeOut > 0) {
      const start = Math.max(0, duration - clip.fadeOut - span.skip);
      after.push(`fade=t=out:st=${num(start)}:d=${num(Math.min(clip.fadeOut, duration - span.skip))}:alpha=1`);
    }
  }
  const rotation = t.rotation;
  if (isAnimated(rotation) || constant(rotation) !== 0) {
    after.push(`rotate=a='(${animatedExpr(rotation, streamLocal(span))})*PI/180':ow='hypot(iw,ih)':oh=ow:c=none`);
  }
  if (span.outStart > 0) after.push(`setpts=PTS+${num(span.outStart)}/TB`);
  label = after.length > 0 ? graph.chain([label], after, graph.label(`clip-${clip.id}`)) : label;

  const full = clip.kind === 'image' && clip.corners !== undefined;
  const local = outputLocal(span);
  const x = full ? '0' : `${animatedExpr(t.x, local, k)}-w/2`;
  const y = full ? '0' : `${animatedExpr(t.y, local, k)}-h/2`;
  const layer: Layer = { label, x, y, moving: isAnimated(t.x) || isAnimated(t.y) || !staticSize, blend: clip.blend, clipId: clip.id };
  return layer;
}

function roundCorners(label: string, clip: VisualClip, span: Span, ctx: CompileContext, width: number, height: number): string {
  const w = even(width);
  const h = even(height);
  const r = Math.min((clip.style as { radius: number }).radius * ctx.scale, w / 2, h / 2);
  const inside = `if(gt(hypot(max(0,abs(X-${num(w / 2 - 0.5)})-${num(w / 2 - r)}),max(0,abs(Y-${num(h / 2 - 0.5)})-${num(h / 2 - r)})),${num(r)}),0,255)`;
  // The mask is computed once and repeated, trimmed to the clip so both end together.
  const mask = ctx.graph.chain(
    [],
    [`color=c=black:s=${w}x${h}:r=${num(ctx.fps)}:d=${num(1 / ctx.fps)}`, 'format=gray', `geq=lum='${inside}'`, 'loop=loop=-1:size=1:start=0', `setpts=N/(${num(ctx.fps)}*TB)`, `trim=duration=${num(span.duration)}`],
    ctx.graph.label(`clip-${clip.id}-corners`),
  );
  return ctx.graph.chain([label, mask], ['alphamerge'], ctx.graph.label(`clip-${clip.id}-rounded`));
}

/**
 * Draws a soft drop shadow under a still image, into the image itself (with a
 * transparent margin so the shadow fits), once, before the still is repeated.
 */
function withShadow(label: string, clip: ImageClip, ctx: CompileContext): string {
  const { graph } = ctx;
  const shadow = clip.shadow!;
  const blur = Math.max(1, Math.round(shadow.blur * ctx.scale));
  const dx = Math.round(shadow.offsetX * ctx.scale);
  const dy = Math.round(shadow.offsetY * ctx.scale);
  // Full-canvas placements (four corners) already have room; others grow by a margin on every side, keeping their centre.
  const margin = clip.corners ? 0 : even(Math.max(Math.abs(dx), Math.abs(dy)) + 2 * blur);
  const prepared = graph.chain([label], ['format=rgba', ...(margin > 0 ? [`pad=w=iw+${2 * margin}:h=ih+${2 * margin}:x=${margin}:y=${margin}:color=black@0`] : [])], graph.label(`clip-${clip.id}-padded`));
  const [body, copy, size] = [graph.label(`clip-${clip.id}-body`), graph.label(`clip-${clip.id}-shadow-source`), graph.label(`clip-${clip.id}-size`)];
  graph.chain([prepared], ['split=3'], `${body}][${copy}][${size}`);
  const shade = graph.chain([copy], [`colorchannelmixer=rr=0:gg=0:bb=0:aa=${num(shadow.opacity)}`, `boxblur=luma_radius=${blur}:chroma_radius=${blur}:alpha_radius=${blur}`], graph.label(`clip-${clip.id}-shadow`));
  const clear = graph.chain([size], ['lutrgb=a=0'], graph.label(`clip-${clip.id}-clear`));
  const shaded = graph.chain([clear, shade], [`overlay=x=${dx}:y=${dy}:format=rgb`], graph.label(`clip-${clip.id}-shade`));
  return graph.chain([shaded, body], ['overlay=x=0:y=0:format=rgb', 'format=yuva420p'], graph.label(`clip-${clip.id}-shadowed`));
}
