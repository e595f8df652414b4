import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileComposition } from '../src/main/render/compile/compile-composition';
import { parseComposition } from '../src/shared/composition/composition';
import type { Composition } from '../src/shared/composition/schema';

const folder = resolve(__dirname, '../examples');
const examples = readdirSync(folder)
  .filter((name) => name.endsWith('.json'))
  .map((name) => ({ name, composition: parseComposition(JSON.parse(readFileSync(resolve(folder, name), 'utf8'))) }));

function features(c: Composition): string[] {
  const found = new Set<string>();
  if (c.reframe) found.add(`reframe:${c.reframe.mode}`);
  if (c.captions) found.add('captions');
  if (c.canvas.background.kind === 'blur') found.add('background:blur');
  if (c.transitions.length > 0) found.add('transition');
  for (const look of c.looks) found.add(`look:${look.kind}`);
  for (const track of c.tracks) {
    if (track.kind === 'audio') for (const clip of track.clips) found.add(`audio:${clip.role}`);
    if (track.kind !== 'visual') continue;
    for (const clip of track.clips) {
      found.add(`clip:${clip.kind}`);
      if (clip.kind === 'text') continue;
      if (clip.style) found.add(`style:${clip.style.kind === 'split' ? `split:${clip.style.layout}` : clip.style.kind}`);
      if (clip.blend !== 'normal') found.add('blend');
      for (const look of clip.looks) found.add(`look:${look.kind}`);
      if (typeof clip.transform.width !== 'number') found.add('keyframes');
      if (clip.kind === 'image' && clip.corners) found.add('product:corners');
      if (clip.kind === 'image' && clip.shadow) found.add('product:shadow');
      if ('chromaKey' in clip && clip.chromaKey) found.add('product:chroma-key');
    }
  }
  return [...found];
}

describe('examples/', () => {
  it.each(examples.map((e) => [e.name, e.composition] as const))('%s parses and compiles to one invocation', (_name, composition) => {
    const invocation = compileComposition(composition, { kind: 'video' });
    expect(invocation.filterGraph.length).toBeGreaterThan(0);
    expect(invocation.durationSeconds).toBe(composition.canvas.duration);
    for (const input of invocation.inputs) expect(input.path).toMatch(/^media\//);
  });

  it('show every style the composition model offers', () => {
    const all = new Set(examples.flatMap((e) => features(e.composition)));
    for (const feature of [
      'style:pip', 'style:split:side-by-side', 'style:split:grid', 'style:watermark', 'transition', 'keyframes', 'blend',
      'product:corners', 'product:shadow', 'product:chroma-key', 'captions', 'clip:text', 'clip:color', 'clip:image',
      'look:grain', 'look:vignette', 'look:shake', 'look:grade', 'look:lut', 'look:speedRamp',
      'audio:music', 'reframe:blurred-pad', 'background:blur',
    ]) {
      expect(all.has(feature), feature).toBe(true);
    }
  });
});
