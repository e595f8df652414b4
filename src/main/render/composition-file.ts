import { access, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { CompositionError, parseComposition } from '../../shared/composition/composition';
import type { Composition } from '../../shared/composition/schema';

/**
 * Reads a composition JSON file. Media paths may be relative to the file;
 * they come back absolute, and every one is checked to exist, so a render
 * never starts with missing media.
 */
export async function loadCompositionFile(path: string): Promise<Composition> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CompositionError([{ path: 'file', message: `cannot read ${path}: check the path` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CompositionError([{ path: 'file', message: `${path} is not valid JSON (${(error as Error).message})` }]);
  }
  return resolveMedia(parseComposition(raw), dirname(resolve(path)));
}

/** Makes media and LUT paths absolute against `baseDir` and checks that each file exists. */
export async function resolveMedia(composition: Composition, baseDir: string): Promise<Composition> {
  const absolute = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const resolved: Composition = {
    ...composition,
    media: composition.media.map((m) => ({ ...m, path: absolute(m.path) })),
    looks: composition.looks.map((look) => (look.kind === 'lut' ? { ...look, path: absolute(look.path) } : look)),
    tracks: composition.tracks.map((track) =>
      track.kind === 'visual'
        ? { ...track, clips: track.clips.map((clip) => (clip.kind === 'text' ? clip : { ...clip, looks: clip.looks.map((l) => (l.kind === 'lut' ? { ...l, path: absolute(l.path) } : l)) })) }
        : track,
    ),
  };
  const missing: { path: string; message: string }[] = [];
  await Promise.all(
    resolved.media.map(async (m, i) => {
      try {
        await access(m.path);
      } catch {
        missing.push({ path: `media[${i}].path`, message: `missing media: ${m.path} does not exist` });
      }
    }),
  );
  const luts = [
    ...resolved.looks.map((look, i) => ({ look, at: `looks[${i}].path` })),
    ...resolved.tracks.flatMap((track, t) =>
      track.kind === 'visual' ? track.clips.flatMap((clip, c) => (clip.kind === 'text' ? [] : clip.looks.map((look, l) => ({ look, at: `tracks[${t}].clips[${c}].looks[${l}].path` })))) : [],
    ),
  ];
  await Promise.all(
    luts.map(async ({ look, at }) => {
      if (look.kind !== 'lut') return;
      try {
        await access(look.path);
      } catch {
        missing.push({ path: at, message: `missing LUT: ${look.path} does not exist` });
      }
    }),
  );
  if (missing.length > 0) throw new CompositionError(missing.sort((a, b) => a.path.localeCompare(b.path)));
  return resolved;
}
