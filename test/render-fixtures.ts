import { join } from 'node:path';
import { parseComposition } from '../src/shared/composition/composition';
import type { Composition, CompositionInput } from '../src/shared/composition/schema';
import { compileComposition, type CompileTarget } from '../src/main/render/compile/compile-composition';
import { runFfmpeg } from '../src/main/render/ffmpeg-runner';
import { systemFfmpeg, tempDir } from './ffmpeg-fixtures';

/** Parses, compiles and renders with the real runner; fast encoder settings unless the test gives its own. */
export async function render(input: CompositionInput | Composition, target: CompileTarget = { kind: 'video', encoder: { preset: 'superfast', crf: 18 } }): Promise<string> {
  const composition = parseComposition(input);
  const invocation = compileComposition(composition, target);
  const outputPath = join(await tempDir('render'), target.kind === 'frame' ? 'frame.png' : 'out.mp4');
  await runFfmpeg({ ffmpegPath: systemFfmpeg, invocation, outputPath });
  return outputPath;
}

export function videoMedia(id: string, path: string, info: { seconds: number; width: number; height: number; audio?: boolean }) {
  return { id, path, kind: 'video' as const, durationSeconds: info.seconds, width: info.width, height: info.height, hasAudio: info.audio ?? true };
}

export function imageMedia(id: string, path: string, info: { width: number; height: number }) {
  return { id, path, kind: 'image' as const, durationSeconds: null, width: info.width, height: info.height, hasAudio: false };
}

export function audioMedia(id: string, path: string, seconds: number) {
  return { id, path, kind: 'audio' as const, durationSeconds: seconds, width: null, height: null, hasAudio: true };
}

/** The smallest real composition: one second of a 160x120 video filling a 160x160 canvas. */
export function oneClipComposition(options: { name: string; videoPath: string }) {
  return {
    version: 1,
    id: options.name.toLowerCase().replace(/\W+/g, '-'),
    name: options.name,
    canvas: { width: 160, height: 160, fps: 25, duration: 1 },
    media: [videoMedia('clip', options.videoPath, { seconds: 2, width: 160, height: 120 })],
    tracks: [{ kind: 'visual' as const, id: 't', clips: [{ kind: 'video' as const, id: 'c', mediaId: 'clip', start: 0, out: 1, transform: { x: 80, y: 80, width: 160, height: 160 } }] }],
  };
}
