import { presetById, type PresetId } from './presets';
import type { Composition } from './schema';

/**
 * Renders the same composition for another platform: `fill` crops to the new
 * shape, `fit` letterboxes, `blurred-pad` fills the bars with a blurred copy.
 * The layers stay as designed; captions follow the new preset's safe area.
 */
export function reframeComposition(composition: Composition, preset: PresetId, mode: 'fit' | 'fill' | 'blurred-pad'): Composition {
  const { canvas } = composition;
  const target = presetById(preset);
  if (target.width === canvas.width && target.height === canvas.height) {
    return { ...composition, preset, reframe: undefined };
  }
  return { ...composition, preset, reframe: { preset, mode } };
}

/** The size and frame rate a composition renders at. */
export function outputFormat(composition: Composition): { width: number; height: number; fps: number } {
  if (!composition.reframe) return { width: composition.canvas.width, height: composition.canvas.height, fps: composition.canvas.fps };
  const target = presetById(composition.reframe.preset);
  return { width: target.width, height: target.height, fps: composition.canvas.fps };
}
