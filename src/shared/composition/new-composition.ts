import { presetById, type PresetId } from './presets';
import { COMPOSITION_VERSION, compositionSchema, type Composition } from './schema';

/** A blank composition for a platform: its size and frame rate, 15 seconds, one picture layer and one sound track. */
export function newComposition(options: { id: string; name: string; preset: PresetId; durationSeconds?: number }): Composition {
  const preset = presetById(options.preset);
  return compositionSchema.parse({
    version: COMPOSITION_VERSION,
    id: options.id,
    name: options.name,
    preset: options.preset,
    canvas: { width: preset.width, height: preset.height, fps: preset.fps, duration: options.durationSeconds ?? 15 },
    tracks: [
      { kind: 'visual', id: 'layer-1', name: 'Layer 1', clips: [] },
      { kind: 'audio', id: 'sound-1', name: 'Sound', clips: [] },
    ],
  });
}
