import type { RenderProgress } from './invocation';

/** What has been read so far of FFmpeg's `-progress` output (key=value lines, one block per report). */
export interface ProgressState {
  durationSeconds: number;
  /** How close to the end counts as "encoded everything": one frame, or 0.1 % without a frame rate. */
  endToleranceSeconds: number;
  /** The start of a line that the next chunk finishes. */
  partialLine: string;
  /** Keys of the block being read; a `progress=` line closes it. */
  block: Record<string, string>;
  /** The latest report: a new object only when a block closed, so a caller can tell by identity. */
  progress: RenderProgress;
}

export function startProgress(options: { durationSeconds: number; frameRate?: number }): ProgressState {
  const { durationSeconds, frameRate } = options;
  return {
    durationSeconds,
    endToleranceSeconds: frameRate && frameRate > 0 ? 1 / frameRate : durationSeconds * 0.001,
    partialLine: '',
    block: {},
    progress: { state: 'starting', fraction: 0, fps: null, speed: null, etaSeconds: null },
  };
}

/** Feeds one chunk of FFmpeg's stdout (chunks may split lines anywhere) and returns the new state. */
export function feedProgress(state: ProgressState, chunk: string): ProgressState {
  const lines = (state.partialLine + chunk).split('\n');
  let next: ProgressState = { ...state, partialLine: lines.pop() ?? '' };
  for (const raw of lines) {
    const line = raw.trim();
    const equals = line.indexOf('=');
    if (equals <= 0) continue;
    const key = line.slice(0, equals);
    const value = line.slice(equals + 1).trim();
    if (key === 'progress') next = closeBlock(next, value === 'end');
    else next = { ...next, block: { ...next.block, [key]: value } };
  }
  return next;
}

function closeBlock(state: ProgressState, ended: boolean): ProgressState {
  const { block, durationSeconds, progress: previous } = state;
  const encodedSeconds = Math.max(0, outTimeSeconds(block) ?? 0);
  // Reports never go backwards: a bar that shrinks reads as a bug to the user.
  const reachedEnd =
    ended || previous.state === 'finalising' || encodedSeconds >= durationSeconds - state.endToleranceSeconds;
  // Once everything is encoded the bar is full: only the muxer's trailer is left, and "stuck at 99 %" is what users hate.
  const fraction = reachedEnd ? 1 : Math.max(previous.fraction, clamp(encodedSeconds / durationSeconds));
  // FFmpeg prints 0 for fps and speed until it has measured them, so 0 means "not known yet".
  const fps = positiveNumber(block.fps);
  const speed = positiveNumber(block.speed?.replace(/x$/, ''));
  const remainingSeconds = reachedEnd ? 0 : Math.max(0, durationSeconds - encodedSeconds);
  return {
    ...state,
    block: {},
    progress: {
      state: reachedEnd ? 'finalising' : 'rendering',
      fraction,
      fps,
      speed,
      etaSeconds: speed ? remainingSeconds / speed : reachedEnd ? 0 : null,
    },
  };
}

/** FFmpeg's `out_time_ms` is in microseconds too (a long-standing misnomer), so both read the same. */
function outTimeSeconds(block: Record<string, string>): number | null {
  for (const key of ['out_time_us', 'out_time_ms']) {
    const micros = Number(block[key]);
    if (block[key] !== undefined && block[key] !== '' && Number.isFinite(micros)) return micros / 1e6;
  }
  const clock = /^(-)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(block.out_time ?? '');
  if (!clock) return null;
  const seconds = Number(clock[2]) * 3600 + Number(clock[3]) * 60 + Number(clock[4]);
  return clock[1] ? -seconds : seconds;
}

function positiveNumber(text: string | undefined): number | null {
  const value = Number(text);
  return text !== undefined && Number.isFinite(value) && value > 0 ? value : null;
}

function clamp(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
}
