import { presetById, type PlatformPreset } from '../../../shared/composition/presets';
import { outputFormat } from '../../../shared/composition/reframe';
import type { BlendMode, Composition, TextClip, Track, Transition, VisualClip } from '../../../shared/composition/schema';
import type { FfmpegInvocation } from '../invocation';
import { buildAudioMix } from './audio-mix';
import { even, ffmpegColor, FilterGraph, num } from './filter-graph';
import { InputList } from './inputs';
import { buildLayer, visibleSpan, type CompileContext, type Layer } from './layers';
import { lookFilters } from './looks';
import { captionsAss, textLayersAss } from './subtitles-ass';
import { fullFrameBase, transitionRuns, type Run } from './full-frame';

export type CompileTarget =
  /** The finished video file. */
  | { kind: 'video'; encoder?: { preset?: string; crf?: number } }
  /** One frame of the composition at `time`, `height` pixels high, as an image (the editor's preview). */
  | { kind: 'frame'; time: number; height: number }
  /** A quick, small video of `start`..`end` with its sound, for playing a range in the editor. */
  | { kind: 'range'; start: number; end: number; height: number };

const defaults = { loudnessLufs: -14, crf: 20, preset: 'medium', audioKbps: 192 };

/** The colour that leaves the picture below unchanged under each blend mode. */
const neutralColor: Record<Exclude<BlendMode, 'normal'>, string> = {
  multiply: '0xffffff',
  darken: '0xffffff',
  screen: '0x000000',
  lighten: '0x000000',
  difference: '0x000000',
  add: '0x000000',
  overlay: '0x808080',
};
const blendFilterMode: Record<Exclude<BlendMode, 'normal'>, string> = {
  multiply: 'multiply',
  darken: 'darken',
  screen: 'screen',
  lighten: 'lighten',
  difference: 'difference',
  add: 'addition',
  overlay: 'overlay',
};

/**
 * Compiles a composition into ONE FFmpeg invocation with one filter graph.
 * Pure: no disk, no processes; media paths in the composition must already
 * be absolute. Preview frames and exports come from this same function.
 */
export function compileComposition(composition: Composition, target: CompileTarget): FfmpegInvocation {
  const output = outputFormat(composition);
  const preset: PlatformPreset | null = composition.reframe ? presetById(composition.reframe.preset) : composition.preset ? presetById(composition.preset) : null;
  const scale = target.kind === 'video' ? 1 : target.height / output.height;
  const fps = composition.canvas.fps;
  const frameLength = 1 / fps;
  const window =
    target.kind === 'frame'
      ? { start: Math.min(Math.max(0, target.time), composition.canvas.duration - frameLength), end: 0 }
      : target.kind === 'range'
        ? { start: Math.max(0, target.start), end: Math.min(composition.canvas.duration, Math.max(target.end, target.start + frameLength)) }
        : { start: 0, end: composition.canvas.duration };
  if (target.kind === 'frame') window.end = window.start + frameLength;
  const length = window.end - window.start;

  const graph = new FilterGraph();
  const ctx: CompileContext = {
    graph,
    inputs: new InputList(),
    media: new Map(composition.media.map((m) => [m.id, m])),
    width: even(composition.canvas.width * scale),
    height: even(composition.canvas.height * scale),
    fps,
    scale,
    window,
    videoInputs: new Map(),
  };
  const files: FfmpegInvocation['files'] = [];

  const base = fullFrameBase(composition, ctx);
  let canvas = base ? baseOf(base.run, ctx) : background(composition, ctx, length);
  composition.tracks.forEach((track, index) => {
    if (track.kind !== 'visual' || track.hidden) return;
    canvas = composeTrack({ track, index, composition, ctx, canvas, length, files, skip: index === base?.trackIndex ? base.run : null });
  });

  // Reframe to another platform's shape, then whole-video looks, then captions in the output's safe area.
  const outWidth = even(output.width * scale);
  const outHeight = even(output.height * scale);
  const finishing: string[] = [];
  if (composition.reframe && (outWidth !== ctx.width || outHeight !== ctx.height)) {
    canvas = reframe(canvas, composition.reframe.mode, outWidth, outHeight, ctx);
  }
  for (const look of composition.looks) finishing.push(...lookFilters(look, { width: outWidth, height: outHeight }, scale));
  if (composition.captions && composition.captions.cues.length > 0) {
    const safe = preset?.safeArea ?? { top: output.height * 0.08, bottom: output.height * 0.12, left: output.width * 0.06, right: output.width * 0.06 };
    const k = scale * (preset ? output.width / preset.width : 1);
    files.push({
      name: 'captions.ass',
      contents: captionsAss({
        cues: composition.captions.cues,
        style: composition.captions.style,
        highlight: composition.captions.highlight,
        position: composition.captions.position,
        width: outWidth,
        height: outHeight,
        scale,
        safeArea: { top: safe.top * k, bottom: safe.bottom * k, left: safe.left * k, right: safe.right * k },
        timeShift: window.start,
      }),
    });
    finishing.push('subtitles=filename=captions.ass');
  }
  finishing.push('format=yuv420p');
  const video = graph.chain([canvas], finishing, 'video');

  if (target.kind === 'frame') {
    return {
      inputs: ctx.inputs.entries,
      filterGraph: graph.toString(),
      outputOptions: ['-map', `[${video}]`, '-frames:v', '1', '-an', '-q:v', '3'],
      files,
      durationSeconds: length,
    };
  }
  const audio = buildAudioMix(composition, ctx, preset?.loudnessLufs ?? defaults.loudnessLufs);
  if (target.kind === 'range') {
    return {
      inputs: ctx.inputs.entries,
      filterGraph: graph.toString(),
      outputOptions: ['-map', `[${video}]`, '-map', `[${audio}]`, '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '96k', '-ar', '48000', '-ac', '2', '-movflags', '+faststart', '-t', num(length)],
      files,
      durationSeconds: length,
    };
  }
  return {
    inputs: ctx.inputs.entries,
    filterGraph: graph.toString(),
    outputOptions: [
      '-map', `[${video}]`, '-map', `[${audio}]`,
      '-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
      '-preset', target.encoder?.preset ?? preset?.video.preset ?? defaults.preset,
      '-crf', String(target.encoder?.crf ?? preset?.video.crf ?? defaults.crf),
      '-r', num(fps),
      '-c:a', 'aac', '-b:a', `${preset?.audio.bitrateKbps ?? defaults.audioKbps}k`, '-ar', '48000', '-ac', '2',
      '-movflags', '+faststart',
      '-t', num(length),
    ],
    files,
    durationSeconds: length,
  };
}

function background(composition: Composition, ctx: CompileContext, length: number): string {
  const { graph } = ctx;
  const bg = composition.canvas.background;
  const size = `${ctx.width}x${ctx.height}`;
  if (bg.kind === 'color') {
    return graph.chain([], [`color=c=${ffmpegColor(bg.color)}:s=${size}:r=${num(ctx.fps)}:d=${num(length)}`], graph.label('background'));
  }
  // A blurred, cropped-to-fill copy of a picture; blurred small and scaled up, which looks the same and costs far less.
  const media = ctx.media.get(bg.mediaId)!;
  const small = { w: even(ctx.width / 8), h: even(ctx.height / 8) };
  const radius = Math.max(1, Math.round((bg.strength * ctx.scale) / 8));
  if (media.kind === 'image') {
    const input = ctx.inputs.addStill(media.path, ctx.fps);
    return graph.chain(
      [`${input}:v`],
      [`scale=w=${small.w}:h=${small.h}:force_original_aspect_ratio=increase`, `crop=${small.w}:${small.h}`, `boxblur=${radius}`, `scale=${ctx.width}:${ctx.height}`, 'loop=loop=-1:size=1:start=0', `setpts=N/(${num(ctx.fps)}*TB)`, `trim=duration=${num(length)}`],
      graph.label('background'),
    );
  }
  const offset = media.durationSeconds ? ctx.window.start % media.durationSeconds : 0;
  const input = ctx.inputs.add(media.path, ['-stream_loop', '-1', ...(offset > 0 ? ['-ss', num(offset)] : []), '-t', num(length)]);
  return graph.chain(
    [`${input}:v`],
    ['setpts=PTS-STARTPTS', `fps=${num(ctx.fps)}`, `scale=w=${small.w}:h=${small.h}:force_original_aspect_ratio=increase`, `crop=${small.w}:${small.h}`, `boxblur=${radius}`, `scale=${ctx.width}:${ctx.height}`],
    graph.label('background'),
  );
}

function overlay(canvas: string, layer: Layer, ctx: CompileContext, length: number): string {
  const { graph } = ctx;
  const evaluation = layer.moving ? 'frame' : 'init';
  const base = canvas;
  if (layer.blend === 'normal') {
    return graph.chain([base, layer.label], [`overlay=x='${layer.x}':y='${layer.y}':eval=${evaluation}:eof_action=pass`], graph.label(`with-${layer.clipId}`));
  }
  // Other blend modes mix two whole frames: lay the layer on a canvas of the mode's neutral colour first.
  const neutral = graph.chain([], [`color=c=${neutralColor[layer.blend]}:s=${ctx.width}x${ctx.height}:r=${num(ctx.fps)}:d=${num(length)}`], graph.label(`${layer.clipId}-neutral`));
  const full = graph.chain([neutral, layer.label], [`overlay=x='${layer.x}':y='${layer.y}':eval=${evaluation}:eof_action=pass`, 'format=gbrp'], graph.label(`${layer.clipId}-full`));
  const under = graph.chain([base], ['format=gbrp'], graph.label(`under-${layer.clipId}`));
  return graph.chain([under, full], [`blend=all_mode=${blendFilterMode[layer.blend]}`], graph.label(`with-${layer.clipId}`));
}

/** The bottom picture when it fills the canvas by itself: used as is, at the canvas frame rate. */
function baseOf(run: Run, ctx: CompileContext): string {
  const opaque = { ...ctx };
  if (run.clips.length === 1) {
    const layer = buildLayer(run.clips[0] as Exclude<VisualClip, { kind: 'text' }>, opaque)!;
    return ctx.graph.chain([layer.label], [`fps=${num(ctx.fps)}`, 'format=yuv420p'], ctx.graph.label('base'));
  }
  return buildRun(run, opaque, { opaque: true })!.label;
}

function composeTrack(options: { track: Track & { kind: 'visual' }; index: number; composition: Composition; ctx: CompileContext; canvas: string; length: number; files: FfmpegInvocation['files']; skip: Run | null }): string {
  const { track, index, composition, ctx, length } = options;
  let canvas = options.canvas;
  for (const run of transitionRuns(track, composition.transitions)) {
    if (options.skip && run.clips[0]!.id === options.skip.clips[0]!.id) continue;
    if (run.clips.length === 1) {
      const layer = buildLayer(run.clips[0] as Exclude<VisualClip, { kind: 'text' }>, ctx);
      if (layer) canvas = overlay(canvas, layer, ctx, length);
      continue;
    }
    const joined = buildRun(run, ctx);
    if (joined) canvas = overlay(canvas, joined, ctx, length);
  }
  const texts = track.clips.filter((c): c is TextClip => c.kind === 'text' && visibleSpan(c, ctx) !== null);
  if (texts.length > 0) {
    const name = `text-${index}.ass`;
    options.files.push({ name, contents: textLayersAss({ clips: texts, width: ctx.width, height: ctx.height, scale: ctx.scale, timeShift: ctx.window.start }) });
    canvas = ctx.graph.chain([canvas], [`subtitles=filename=${name}`], ctx.graph.label(`track${index}-text`));
  }
  return canvas;
}

/**
 * Clips joined by xfade: each laid on a transparent full canvas (or, when they
 * all fill the canvas, taken as they are), crossed, then placed as one layer.
 */
function buildRun(run: Run, outer: CompileContext, options: { opaque?: boolean } = {}): Layer | null {
  const { graph } = outer;
  // A frame inside a transition is rendered from the transition's start, so xfade reaches the right mix; then cut.
  const crossing = run.joins
    .map((join) => ({ start: run.clips.find((c) => c.id === join.to)!.start, duration: join.duration }))
    .filter((j) => j.start < outer.window.start && outer.window.start < j.start + j.duration)
    .sort((a, b) => a.start - b.start)[0];
  const lead = crossing ? outer.window.start - crossing.start : 0;
  const ctx: CompileContext = crossing
    ? { ...outer, window: { start: crossing.start, end: Math.max(outer.window.end, crossing.start + crossing.duration) } }
    : outer;
  const members: { label: string; outStart: number; duration: number; join?: Transition }[] = [];
  run.clips.forEach((clip, i) => {
    const span = visibleSpan(clip, ctx);
    if (!span || clip.kind === 'text') return;
    const layer = buildLayer(clip, ctx, 'origin');
    if (!layer) return;
    const timebase = `settb=1/${Math.round(ctx.fps * 1000)}`;
    let label: string;
    if (options.opaque) {
      label = graph.chain([layer.label], [`fps=${num(ctx.fps)}`, 'format=yuv420p', timebase], graph.label(`${clip.id}-full`));
    } else {
      const sheet = graph.chain([], [`color=c=black@0:s=${ctx.width}x${ctx.height}:r=${num(ctx.fps)}:d=${num(span.duration)}`, 'format=yuva420p'], graph.label(`${clip.id}-sheet`));
      label = graph.chain([sheet, layer.label], [`overlay=x='${layer.x}':y='${layer.y}':eval=${layer.moving ? 'frame' : 'init'}:eof_action=pass`, 'format=yuva420p', timebase], graph.label(`${clip.id}-full`));
    }
    members.push({ label, outStart: span.outStart, duration: span.duration, join: i > 0 ? run.joins[i - 1] : undefined });
  });
  if (members.length === 0) return null;
  const first = members[0]!;
  let label = first.label;
  for (const member of members.slice(1)) {
    const offset = member.outStart - first.outStart;
    const previousEnd = members[members.indexOf(member) - 1]!;
    const overlap = Math.max(frameOf(ctx), Math.min(member.join?.duration ?? 0, previousEnd.outStart + previousEnd.duration - member.outStart));
    label = graph.chain([label, member.label], [`xfade=transition=${member.join?.kind ?? 'fade'}:duration=${num(overlap)}:offset=${num(offset)}`], graph.label(`${run.clips[0]!.id}-run`));
  }
  const placing = lead > 0 ? [`trim=start=${num(lead)}:duration=${num(outer.window.end - outer.window.start)}`, 'setpts=PTS-STARTPTS'] : first.outStart > 0 ? [`setpts=PTS+${num(first.outStart)}/TB`] : [];
  const placed = placing.length > 0 ? graph.chain([label], placing, graph.label(`${run.clips[0]!.id}-placed`)) : label;
  return { label: placed, x: '0', y: '0', moving: false, blend: 'normal', clipId: run.clips[0]!.id };
}

function frameOf(ctx: CompileContext): number {
  return 1 / ctx.fps;
}

function reframe(canvas: string, mode: 'fit' | 'fill' | 'blurred-pad', width: number, height: number, ctx: CompileContext): string {
  const { graph } = ctx;
  if (mode === 'fill') {
    return graph.chain([canvas], [`scale=w=${width}:h=${height}:force_original_aspect_ratio=increase`, `crop=${width}:${height}`], graph.label('reframed'));
  }
  if (mode === 'fit') {
    return graph.chain([canvas], [`scale=w=${width}:h=${height}:force_original_aspect_ratio=decrease`, `pad=w=${width}:h=${height}:x=(ow-iw)/2:y=(oh-ih)/2:color=black`], graph.label('reframed'));
  }
  const [front, back] = [graph.label('reframe-front'), graph.label('reframe-back')];
  graph.chain([canvas], ['split'], `${front}][${back}`);
  const small = { w: even(width / 8), h: even(height / 8) };
  const blurred = graph.chain([back], [`scale=w=${small.w}:h=${small.h}:force_original_aspect_ratio=increase`, `crop=${small.w}:${small.h}`, 'boxblur=4', `scale=${width}:${height}`], graph.label('reframe-blurred'));
  const fitted = graph.chain([front], [`scale=w=${width}:h=${height}:force_original_aspect_ratio=decrease`], graph.label('reframe-fitted'));
  return graph.chain([blurred, fitted], ['overlay=x=(W-w)/2:y=(H-h)/2'], graph.label('reframed'));
}
