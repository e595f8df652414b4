import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemFfmpeg } from '../../../test/ffmpeg-fixtures';
import type { RenderProgress } from './invocation';
import { feedProgress, startProgress, type ProgressState } from './progress';

/** Feeds `text` in pieces of `size` characters and collects every report, as the runner would emit them. */
function readInPieces(state: ProgressState, text: string, size: number): { state: ProgressState; reports: RenderProgress[] } {
  const reports: RenderProgress[] = [];
  for (let at = 0; at < text.length; at += size) {
    const next = feedProgress(state, text.slice(at, at + size));
    if (next.progress !== state.progress) reports.push(next.progress);
    state = next;
  }
  return { state, reports };
}

const block = (fields: Record<string, string>, progress = 'continue') =>
  Object.entries(fields).map(([key, value]) => `${key}=${value}\n`).join('') + `progress=${progress}\n`;

describe('progress from a real FFmpeg run', () => {
  let sample = '';
  // 3 s of video at 25 fps, reported every 50 ms so that the sample holds several blocks.
  beforeAll(() => {
    sample = execFileSync(
      systemFfmpeg,
      ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1', '-stats_period', '0.05',
        '-f', 'lavfi', '-i', 'testsrc2=s=640x360:r=25:d=3', '-c:v', 'libx264', '-preset', 'medium', '-f', 'null', '-'],
      { encoding: 'utf8' },
    );
  });

  it('is what the parser expects: key=value blocks closed by progress=', () => {
    expect(sample).toMatch(/^out_time_us=\d+$/m);
    expect(sample).toMatch(/^out_time_ms=\d+$/m);
    expect(sample.trimEnd().endsWith('progress=end')).toBe(true);
  });

  it('ends full and finalising, whatever the chunk size', () => {
    const whole = feedProgress(startProgress({ durationSeconds: 3 }), sample).progress;
    expect(whole).toMatchObject({ state: 'finalising', fraction: 1, etaSeconds: 0 });
    for (const size of [1, 7, 64]) {
      expect(readInPieces(startProgress({ durationSeconds: 3 }), sample, size).state.progress).toEqual(whole);
    }
  });

  it('reports fractions that only grow, between 0 and 1', () => {
    const { reports } = readInPieces(startProgress({ durationSeconds: 3 }), sample, 13);
    expect(reports.length).toBe(sample.match(/^progress=/gm)?.length);
    const fractions = reports.map((r) => r.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    for (const f of fractions) expect(f >= 0 && f <= 1).toBe(true);
  });
});

describe('progress edge cases', () => {
  const tenSeconds = () => startProgress({ durationSeconds: 10 });

  it('starts as "starting" and changes only when a block closes', () => {
    const start = tenSeconds();
    const state = feedProgress(start, 'frame=10\nout_time_us=400000\n');
    expect(state.progress).toBe(start.progress);
    expect(state.progress.state).toBe('starting');
    expect(feedProgress(state, 'progress=continue\n').progress).toMatchObject({ state: 'rendering', fraction: 0.04 });
  });

  it('reads fraction, fps, speed and ETA', () => {
    const state = feedProgress(tenSeconds(), block({ fps: '50.00', out_time_us: '4000000', speed: '2.5x' }));
    // 6 s of composition left at 2.5x realtime.
    expect(state.progress).toEqual({ state: 'rendering', fraction: 0.4, fps: 50, speed: 2.5, etaSeconds: 2.4 });
  });

  it('treats N/A and the 0 FFmpeg prints before measuring as unknown', () => {
    const state = feedProgress(
      tenSeconds(),
      block({ fps: '0.00', bitrate: 'N/A', out_time_us: 'N/A', out_time_ms: 'N/A', out_time: 'N/A', speed: 'N/A' }),
    );
    expect(state.progress).toEqual({ state: 'rendering', fraction: 0, fps: null, speed: null, etaSeconds: null });
    expect(feedProgress(tenSeconds(), block({ speed: '   0x' })).progress.speed).toBeNull();
  });

  it('reads out_time_ms as microseconds, and out_time as a clock', () => {
    expect(feedProgress(tenSeconds(), block({ out_time_ms: '2500000' })).progress.fraction).toBe(0.25);
    expect(feedProgress(tenSeconds(), block({ out_time: '00:00:07.500000' })).progress.fraction).toBe(0.75);
    expect(feedProgress(tenSeconds(), block({ out_time: '-00:00:00.040000' })).progress.fraction).toBe(0);
    expect(feedProgress(startProgress({ durationSeconds: 7200 }), block({ out_time: '01:30:00.000000' })).progress.fraction).toBe(0.75);
  });

  it('puts together a line split across chunks, key or value, and Windows line ends', () => {
    let state = tenSeconds();
    for (const chunk of ['out_ti', 'me_us=50', '00000\r', '\nspeed=1', '.0x\r\nprogr', 'ess=continue\r\n']) state = feedProgress(state, chunk);
    expect(state.progress).toMatchObject({ state: 'rendering', fraction: 0.5, speed: 1, etaSeconds: 5 });
  });

  it('clamps out_time beyond the duration to a full bar', () => {
    const state = feedProgress(startProgress({ durationSeconds: 2 }), block({ out_time_us: '2020136', speed: '32.9x' }));
    expect(state.progress).toMatchObject({ state: 'finalising', fraction: 1, etaSeconds: 0 });
  });

  it('is finalising within one frame of the end, or within 0.1 % without a frame rate', () => {
    const lastFrame = block({ out_time_us: '1960000' });
    expect(feedProgress(startProgress({ durationSeconds: 2, frameRate: 25 }), lastFrame).progress.state).toBe('finalising');
    expect(feedProgress(startProgress({ durationSeconds: 2 }), lastFrame).progress).toMatchObject({ state: 'rendering', fraction: 0.98 });
    expect(feedProgress(startProgress({ durationSeconds: 2 }), block({ out_time_us: '1999000' })).progress.state).toBe('finalising');
  });

  it('is finalising and full at progress=end, even short of the duration', () => {
    const state = feedProgress(tenSeconds(), block({ out_time_us: '9000000' }, 'end'));
    expect(state.progress).toMatchObject({ state: 'finalising', fraction: 1, etaSeconds: 0 });
  });

  it('never goes backwards', () => {
    let state = feedProgress(tenSeconds(), block({ out_time_us: '6000000' }));
    state = feedProgress(state, block({ out_time_us: '3000000' }));
    expect(state.progress.fraction).toBe(0.6);
    state = feedProgress(state, block({ out_time_us: '10000000' }));
    state = feedProgress(state, block({ out_time_us: '5000000' }));
    expect(state.progress).toMatchObject({ state: 'finalising', fraction: 1 });
  });
});
