import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { systemFfmpeg, systemFfprobe, tempDir } from '../../../test/ffmpeg-fixtures';
import { RenderCancelledError, RenderFailedError, runFfmpeg, shellEscape, type RunFfmpegOptions } from './ffmpeg-runner';
import type { FfmpegInvocation, RenderProgress } from './invocation';

const run = promisify(execFile);

const lavfi = (source: string, options: string[] = []) => ({ path: source, options: [...options, '-f', 'lavfi'] });
const x264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'];

function invocation(parts: Partial<FfmpegInvocation>): FfmpegInvocation {
  return { inputs: [], filterGraph: '', outputOptions: [], files: [], durationSeconds: 2, ...parts };
}

/** The FFmpeg process writing into `folder`, and its working folder, read from /proc (these tests run on Linux). */
function findRender(folder: string): { pid: number; cwd: string } | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').some((arg) => arg.startsWith(folder))) {
        return { pid: Number(entry), cwd: readlinkSync(`/proc/${entry}/cwd`) };
      }
    } catch {
      // The process ended while we looked.
    }
  }
  return null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs a render into a fresh folder, recording its progress, its log and the live process. */
async function render(
  parts: Partial<FfmpegInvocation>,
  more: Pick<RunFfmpegOptions, 'signal'> & { name?: string; onProgress?: (p: RenderProgress, outputPath: string) => void } = {},
) {
  const outputFolder = await tempDir('runner-out');
  const outputPath = join(outputFolder, more.name ?? 'out.mp4');
  const progress: RenderProgress[] = [];
  const logs: string[] = [];
  let live: { pid: number; cwd: string } | null = null;
  const outcome = await runFfmpeg({
    ffmpegPath: systemFfmpeg,
    invocation: invocation(parts),
    outputPath,
    signal: more.signal,
    onLog: (line) => logs.push(line),
    onProgress: (p) => {
      if (p.state === 'starting') live = findRender(outputFolder);
      progress.push(p);
      more.onProgress?.(p, outputPath);
    },
  }).then(
    (result) => ({ result, error: null }),
    (error: unknown) => ({ result: null, error }),
  );
  return { ...outcome, outputPath, outputFolder, progress, logs, live: live as { pid: number; cwd: string } | null };
}

async function durationOf(file: string): Promise<number> {
  const { stdout } = await run(systemFfprobe, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(stdout.trim());
}

function expectSteadyProgress(progress: RenderProgress[]): void {
  expect(progress[0]?.state).toBe('starting');
  expect(progress.at(-1)).toMatchObject({ state: 'done', fraction: 1 });
  const fractions = progress.map((p) => p.fraction);
  expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
  for (const f of fractions) expect(f >= 0 && f <= 1).toBe(true);
}

describe('runFfmpeg', () => {
  it('renders a filter graph into the output file, with progress up to done', async () => {
    const r = await render({
      inputs: [lavfi('testsrc2=s=320x240:r=25:d=2')],
      filterGraph: '[0:v]hflip[v]',
      outputOptions: ['-map', '[v]', ...x264],
    });
    expect(r.error).toBeNull();
    expect(r.result?.outputPath).toBe(r.outputPath);
    expect(r.result?.seconds).toBeGreaterThan(0);
    expect(await durationOf(r.outputPath)).toBeCloseTo(2, 1);
    expectSteadyProgress(r.progress);
    expect(r.logs[0]).toMatch(/ffmpeg -f lavfi -i testsrc2=s=320x240:r=25:d=2 -y -hide_banner .*-nostdin -nostats -progress pipe:1 -filter_complex_script graph.txt -map '\[v\]' /);
    expect(r.logs.filter((line) => line.includes('-filter_complex_script'))).toHaveLength(1);
    // FFmpeg ran in its own working folder, which is gone now, and only the output is left.
    expect(r.live?.cwd).toMatch(/kata-render-/);
    expect(existsSync(r.live?.cwd ?? '/')).toBe(false);
    expect(await readdir(r.outputFolder)).toEqual(['out.mp4']);
  });

  it('leaves out -filter_complex_script when there is no graph', async () => {
    const r = await render({ inputs: [lavfi('testsrc2=s=160x120:r=25:d=1')], outputOptions: x264, durationSeconds: 1 });
    expect(r.error).toBeNull();
    expect(r.logs[0]).not.toContain('-filter_complex_script');
    expect(await durationOf(r.outputPath)).toBeCloseTo(1, 1);
  });

  it('measures progress against the composition, not the first (short) input', async () => {
    // -re paces both inputs in real time so that FFmpeg reports several times along the 3 s.
    const r = await render({
      inputs: [lavfi('testsrc2=s=160x120:r=25:d=1', ['-re']), lavfi('color=c=blue:s=320x240:r=25:d=3', ['-re'])],
      filterGraph: '[1:v][0:v]overlay=eof_action=pass[v]',
      outputOptions: ['-map', '[v]', ...x264],
      durationSeconds: 3,
    });
    expect(r.error).toBeNull();
    expectSteadyProgress(r.progress);
    const rendering = r.progress.filter((p) => p.state === 'rendering').map((p) => p.fraction);
    expect(rendering.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...rendering)).toBeLessThan(1);
    // Past the end of the 1 s input, the bar is still well short of full.
    expect(rendering.some((f) => f > 0.4 && f < 0.95)).toBe(true);
  });

  it('writes to a hidden partial file beside the output and renames it only on success', async () => {
    const seen: { outputExists: boolean; files: string[] }[] = [];
    const r = await render(
      { inputs: [lavfi('testsrc2=s=160x120:r=25:d=2', ['-re'])], outputOptions: x264 },
      {
        onProgress: (p, outputPath) => {
          if (p.state === 'rendering') seen.push({ outputExists: existsSync(outputPath), files: readdirSync(join(outputPath, '..')) });
        },
      },
    );
    expect(r.error).toBeNull();
    expect(seen.length).toBeGreaterThan(0);
    for (const moment of seen) {
      expect(moment.outputExists).toBe(false);
      expect(moment.files).toEqual([expect.stringMatching(/^\.out\.mp4\.partial-[0-9a-f]{8}\.mp4$/)]);
    }
    expect(await readdir(r.outputFolder)).toEqual(['out.mp4']);
  });

  it('writes the extra files where the graph finds them by bare name', async () => {
    const captions = [
      '[Script Info]', 'ScriptType: v4.00+', 'PlayResX: 320', 'PlayResY: 240', '',
      '[V4+ Styles]',
      'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
      'Style: Default,DejaVu Sans,96,&H00FFFFFF,&H00FFFFFF,&H00FFFFFF,&H00000000,-1,0,0,0,100,100,0,0,1,4,0,5,0,0,0,1', '',
      '[Events]', 'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
      'Dialogue: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,KATA',
    ].join('\n');
    const r = await render({
      inputs: [],
      filterGraph: 'color=c=black:s=320x240:r=25:d=1,subtitles=filename=captions.ass[v]',
      outputOptions: ['-map', '[v]', ...x264],
      files: [{ name: 'captions.ass', contents: captions }],
      durationSeconds: 1,
    });
    expect(r.error).toBeNull();
    // White text on black: the first frame has bright pixels only if libass read the file.
    const { stdout } = await run(systemFfmpeg, ['-v', 'error', '-i', r.outputPath, '-frames:v', '1', '-vf', 'format=gray', '-f', 'rawvideo', '-'], {
      encoding: 'buffer',
    });
    expect(Math.max(...stdout)).toBeGreaterThan(200);
  });

  it('fails with what FFmpeg said, keeps the log, and leaves no file behind', async () => {
    const r = await render({ filterGraph: 'testsrc2=s=320x240:d=1,nosuch[v]', outputOptions: ['-map', '[v]', ...x264] });
    expect(r.error).toBeInstanceOf(RenderFailedError);
    const error = r.error as RenderFailedError;
    expect(error.message).toBe("FFmpeg failed: No such filter: 'nosuch'");
    expect(error.log).toContain('Error initializing complex filters');
    expect(await readdir(r.outputFolder)).toEqual([]);
    expect(existsSync(r.live?.cwd ?? '/')).toBe(false);
    expect(r.progress.map((p) => p.state)).toEqual(['starting']);
  });

  it('says so when FFmpeg cannot be started', async () => {
    const outputFolder = await tempDir('runner-out');
    const attempt = runFfmpeg({
      ffmpegPath: '/nonexistent/ffmpeg',
      invocation: invocation({ inputs: [lavfi('testsrc2=d=1')] }),
      outputPath: join(outputFolder, 'out.mp4'),
    });
    await expect(attempt).rejects.toThrow('FFmpeg could not be started from "/nonexistent/ffmpeg" (ENOENT)');
    expect(await readdir(outputFolder)).toEqual([]);
  });

  it('refuses a missing output folder and file names that leave the working folder', async () => {
    const inv = invocation({ inputs: [lavfi('testsrc2=d=1')] });
    await expect(runFfmpeg({ ffmpegPath: systemFfmpeg, invocation: inv, outputPath: '/nonexistent/out.mp4' })).rejects.toThrow(
      'The output folder "/nonexistent" does not exist',
    );
    const outputPath = join(await tempDir('runner-out'), 'out.mp4');
    for (const name of ['../escape.ass', 'graph.txt']) {
      const files = [{ name, contents: '' }];
      await expect(runFfmpeg({ ffmpegPath: systemFfmpeg, invocation: { ...inv, files }, outputPath })).rejects.toThrow('must be a plain file name');
    }
  });

  it('cancels a running render: process gone, no files left, within 2 s', { timeout: 30_000 }, async () => {
    const controller = new AbortController();
    const startedAt = performance.now();
    let abortedAt = 0;
    let aliveAtAbort = false;
    const r = await render(
      { inputs: [lavfi('testsrc2=s=640x360:r=25:d=60')], outputOptions: ['-c:v', 'libx264', '-preset', 'veryslow'], durationSeconds: 60 },
      {
        signal: controller.signal,
        onProgress: (p, outputPath) => {
          // Well into the render: x264 at veryslow then needs seconds to flush, so SIGTERM alone would be too slow.
          if (p.state === 'rendering' && !abortedAt && performance.now() - startedAt > 1000) {
            aliveAtAbort = findRender(join(outputPath, '..')) !== null;
            abortedAt = performance.now();
            controller.abort();
          }
        },
      },
    );
    const settledAfterMs = performance.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    expect(aliveAtAbort).toBe(true);
    expect(r.error).toBeInstanceOf(RenderCancelledError);
    expect((r.error as Error).name).toBe('AbortError');
    expect(settledAfterMs).toBeLessThan(2000);
    expect(r.live).not.toBeNull();
    expect(isAlive(r.live?.pid ?? 0)).toBe(false);
    expect(existsSync(r.live?.cwd ?? '/')).toBe(false);
    expect(await readdir(r.outputFolder)).toEqual([]);
    expect(r.progress.at(-1)?.state).toBe('rendering');
  });

  it('does not start when the signal has already aborted', async () => {
    const r = await render({ inputs: [lavfi('testsrc2=d=1')], outputOptions: x264 }, { signal: AbortSignal.abort() });
    expect(r.error).toBeInstanceOf(RenderCancelledError);
    expect(r.progress).toEqual([]);
    expect(await readdir(r.outputFolder)).toEqual([]);
  });
});

describe('shellEscape', () => {
  it('quotes only what a POSIX shell would misread', () => {
    expect(shellEscape(['ffmpeg', '-i', '/a/b c.mp4', '-map', '[v]', "it's", '', 'x=1:y=2'])).toBe(
      `ffmpeg -i '/a/b c.mp4' -map '[v]' 'it'\\''s' '' x=1:y=2`,
    );
  });
});
