import type { RenderProgress } from '../render/invocation';

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** One line: `[██████░░░░░░░░░░] 37%  48 fps  2.1x  ETA 0:12`, or `finalising…` after the last frame. */
export function progressLine(progress: RenderProgress, width = 28): string {
  const filled = Math.round(progress.fraction * width);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
  const percent = `${String(Math.floor(progress.fraction * 100)).padStart(3)}%`;
  if (progress.state === 'finalising') return `${bar} ${percent}  finalising…`;
  const parts = [bar, percent];
  if (progress.fps !== null) parts.push(`${Math.round(progress.fps)} fps`);
  if (progress.speed !== null) parts.push(`${progress.speed.toFixed(1)}x`);
  if (progress.etaSeconds !== null) parts.push(`ETA ${clock(progress.etaSeconds)}`);
  return parts.join('  ');
}
