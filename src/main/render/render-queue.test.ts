import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseComposition } from '../../shared/composition/composition';
import type { Composition } from '../../shared/composition/schema';
import { systemFfmpeg, tempDir } from '../../../test/ffmpeg-fixtures';
import { makeVideo } from '../../../test/media-fixtures';
import { probeOutput } from '../../../test/pixels';
import { videoMedia } from '../../../test/render-fixtures';
import { makePreviewClip, previewPathOf } from '../media/preview-clip';
import { renderJobSchema } from './render-jobs';
import { createRenderQueue, type RenderJob, type RenderQueue, type RenderQueueOptions } from './render-queue';

// Small real renders: 160x160 at the fastest x264 preset.
const size = 160;
let pattern: string;

beforeAll(async () => {
  pattern = await makeVideo({ seconds: 2, width: size, height: size });
});

function composition(seconds: number, mediaPath = pattern): Composition {
  return parseComposition({
    version: 1,
    id: 'queue-test',
    name: 'Queue test',
    canvas: { width: size, height: size, fps: 25, duration: seconds },
    media: [videoMedia('pattern', mediaPath, { seconds: 2, width: size, height: size })],
    tracks: [
      {
        kind: 'visual',
        id: 'main',
        // The clip repeats to fill long compositions, used where a render must still be running when we act on it.
        clips: Array.from({ length: Math.ceil(seconds / 2) }, (_, i) => ({
          kind: 'video' as const,
          id: `clip${i}`,
          mediaId: 'pattern',
          start: i * 2,
          out: Math.min(2, seconds - i * 2),
          transform: { x: size / 2, y: size / 2, width: size, height: size },
        })),
      },
    ],
  });
}

const openQueues: RenderQueue[] = [];
afterEach(async () => {
  await Promise.all(openQueues.splice(0).map((queue) => queue.close()));
});

interface TestQueue {
  queue: RenderQueue;
  dir: string;
  stateFile: string;
  warnings: string[];
  /** Every change the queue reported, in order. */
  changes: RenderJob[];
}

async function startQueue(more: Partial<RenderQueueOptions> & { dir?: string } = {}): Promise<TestQueue> {
  const dir = more.dir ?? (await tempDir('queue'));
  const stateFile = join(dir, 'render-queue.json');
  const warnings: string[] = [];
  const queue = createRenderQueue({
    stateFile,
    logDir: join(dir, 'logs'),
    ffmpegPath: systemFfmpeg,
    encoder: { preset: 'ultrafast' },
    onWarning: (message) => warnings.push(message),
    ...more,
  });
  openQueues.push(queue);
  const changes: RenderJob[] = [];
  queue.onChange((job) => changes.push(job));
  await queue.start();
  return { queue, dir, stateFile, warnings, changes };
}

/** Settles when the job reaches one of `states` (at once if it already has). */
function reaches(queue: RenderQueue, jobId: string, ...states: RenderJob['state'][]): Promise<RenderJob> {
  return new Promise((resolve) => {
    const current = queue.get(jobId);
    if (current && states.includes(current.state)) return resolve(current);
    const stop = queue.onChange((job) => {
      if (job.id !== jobId || !states.includes(job.state)) return;
      stop();
      resolve(job);
    });
  });
}

const finished = (queue: RenderQueue, jobId: string) => reaches(queue, jobId, 'done', 'failed', 'cancelled');

function mostRunningAtOnce(changes: RenderJob[]): number {
  const running = new Set<string>();
  let most = 0;
  for (const change of changes) {
    if (change.state === 'running') running.add(change.id);
    else running.delete(change.id);
    most = Math.max(most, running.size);
  }
  return most;
}

async function readState(stateFile: string): Promise<{ version: number; jobs: RenderJob[] }> {
  return JSON.parse(await readFile(stateFile, 'utf8')) as { version: number; jobs: RenderJob[] };
}

describe('render queue', () => {
  it('renders a job from queued to done, reporting progress, and saves it', async () => {
    const { queue, dir, stateFile, changes, warnings } = await startQueue();
    const outputPath = join(dir, 'out.mp4');
    const job = await queue.enqueue({ composition: composition(1), outputPath });
    expect(job).toMatchObject({ state: 'queued', attempts: 0, batchId: null, priority: 'normal', outputPath, logPath: join(dir, 'logs', `${job.id}.log`) });

    const done = await finished(queue, job.id);
    expect(done).toMatchObject({ state: 'done', attempts: 1, error: null, progress: { state: 'done', fraction: 1 } });
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();

    const mine = changes.filter((c) => c.id === job.id);
    expect([...new Set(mine.map((c) => c.state))]).toEqual(['queued', 'running', 'done']);
    expect(mine.filter((c) => c.state === 'running' && c.progress).length).toBeGreaterThan(0);
    expect((await probeOutput(outputPath)).durationSeconds).toBeCloseTo(1, 1);

    // The state file is written on every state change and reads back through the schema.
    const saved = await readState(stateFile);
    expect(saved.version).toBe(1);
    expect(saved.jobs.map((j) => renderJobSchema.parse(j).state)).toEqual(['done']);
    const log = await readFile(done.logPath, 'utf8');
    expect(log).toMatch(/^=== Attempt 1 of 2/);
    expect(log).toContain(systemFfmpeg);
    expect(warnings).toEqual([]);
  });

  it('runs one render at a time by default, high priority before earlier normal ones', async () => {
    const { queue, dir, changes } = await startQueue();
    const first = await queue.enqueue({ composition: composition(1), outputPath: join(dir, 'first.mp4') });
    const second = await queue.enqueue({ composition: composition(1), outputPath: join(dir, 'second.mp4') });
    const third = await queue.enqueue({ composition: composition(1), outputPath: join(dir, 'third.mp4'), priority: 'low' });
    const urgent = await queue.enqueue({ composition: composition(1), outputPath: join(dir, 'urgent.mp4'), priority: 'high' });
    await Promise.all([first, second, third, urgent].map((job) => finished(queue, job.id)));

    const starts = changes.filter((c, i) => c.state === 'running' && changes.findIndex((d) => d.id === c.id && d.state === 'running') === i);
    expect(starts.map((c) => c.id)).toEqual([first.id, urgent.id, second.id, third.id]);
    expect(mostRunningAtOnce(changes)).toBe(1);
    expect(queue.list().map((j) => j.state)).toEqual(['done', 'done', 'done', 'done']);
  });

  it('runs several renders at once after setConcurrency', async () => {
    const { queue, dir, changes } = await startQueue();
    queue.setConcurrency(2);
    const jobs = [
      await queue.enqueue({ composition: composition(10), outputPath: join(dir, 'a.mp4') }),
      await queue.enqueue({ composition: composition(10), outputPath: join(dir, 'b.mp4') }),
      await queue.enqueue({ composition: composition(10), outputPath: join(dir, 'c.mp4') }),
    ];
    await Promise.all(jobs.map((job) => finished(queue, job.id)));
    expect(mostRunningAtOnce(changes)).toBe(2);
    expect(() => queue.setConcurrency(0)).toThrow(/at least 1/);
  });

  it('cancels a running render: no output file, no retry', async () => {
    const { queue, dir } = await startQueue();
    const outputPath = join(dir, 'cancelled.mp4');
    const job = await queue.enqueue({ composition: composition(60), outputPath });
    await reaches(queue, job.id, 'running');
    const cancelled = await queue.cancel(job.id);
    expect(cancelled).toMatchObject({ state: 'cancelled', attempts: 1, error: null });
    expect(existsSync(outputPath)).toBe(false);
    expect((await readdir(dir)).filter((name) => name.includes('partial'))).toEqual([]);
    expect((await readState(join(dir, 'render-queue.json'))).jobs[0]?.state).toBe('cancelled');
    expect(await readFile(cancelled.logPath, 'utf8')).toMatch(/Attempt 1 cancelled/);

    // A waiting job is cancelled without ever running; then both can be removed.
    const blocker = await queue.enqueue({ composition: composition(60), outputPath: join(dir, 'blocker.mp4') });
    const waiting = await queue.enqueue({ composition: composition(1), outputPath: join(dir, 'waiting.mp4') });
    await expect(queue.remove(waiting.id)).rejects.toThrow(/cancel it before removing it/);
    expect(await queue.cancel(waiting.id)).toMatchObject({ state: 'cancelled', attempts: 0 });
    await queue.cancel(blocker.id);
    await queue.remove(job.id);
    await queue.remove(waiting.id);
    expect(queue.list().map((j) => j.id)).toEqual([blocker.id]);
    expect(existsSync(cancelled.logPath)).toBe(false);
  });

  it('tries a failing render twice, then fails it with the reason and both attempts in its log', async () => {
    const { queue, dir } = await startQueue();
    const missing = join(dir, 'missing.mp4');
    const job = await queue.enqueue({ composition: composition(1, missing), outputPath: join(dir, 'never.mp4') });
    const failed = await finished(queue, job.id);
    expect(failed.state).toBe('failed');
    expect(failed.attempts).toBe(2);
    expect(failed.error).toContain('failed after 2 attempts');
    expect(failed.error).toContain(missing);
    expect(failed.error).toContain(failed.logPath);
    const log = await readFile(failed.logPath, 'utf8');
    expect(log.match(/^=== Attempt \d of 2/gm)).toEqual(['=== Attempt 1 of 2', '=== Attempt 2 of 2']);
    expect(log.match(/^=== Attempt \d failed/gm)).toEqual(['=== Attempt 1 failed', '=== Attempt 2 failed']);
    expect(existsSync(join(dir, 'never.mp4'))).toBe(false);
  });

  it('fails a job whose FFmpeg exits with an error', async () => {
    const dir = await tempDir('queue');
    const broken = join(dir, 'ffmpeg');
    await writeFile(broken, '#!/bin/sh\necho "[error] this FFmpeg is broken" >&2\nexit 1\n');
    await chmod(broken, 0o755);
    const { queue } = await startQueue({ dir, ffmpegPath: broken });
    const job = await queue.enqueue({ composition: composition(1), outputPath: join(dir, 'out.mp4') });
    const failed = await finished(queue, job.id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 2 });
    expect(failed.error).toContain('this FFmpeg is broken');
  });

  it('after a crash, starts again the job that was running, from scratch', async () => {
    const dir = await tempDir('queue');
    const stateFile = join(dir, 'render-queue.json');
    const outputPath = join(dir, 'resumed.mp4');
    // What a crash mid-render leaves: the job saved as running, and the runner's unfinished file.
    const stale = join(dir, '.resumed.mp4.partial-0123abcd.mp4');
    const unrelated = join(dir, '.resumed.mp4.partial-notmine.mp4');
    await writeFile(stale, 'half a video');
    await writeFile(unrelated, 'someone else');
    const id = randomUUID();
    // Saved by a Studio from before the finished file's size was kept.
    const crashed: Omit<RenderJob, 'outputBytes'> = {
      id,
      batchId: null,
      composition: composition(1),
      outputPath,
      priority: 'normal',
      state: 'running',
      attempts: 1,
      progress: { state: 'rendering', fraction: 0.4, fps: 100, speed: 4, etaSeconds: 1 },
      error: null,
      logPath: join(dir, 'logs', `${id}.log`),
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    await writeFile(stateFile, JSON.stringify({ version: 1, jobs: [crashed] }));

    const { queue, warnings } = await startQueue({ dir });
    const done = await finished(queue, id);
    expect(done).toMatchObject({ state: 'done', attempts: 1, outputBytes: (await stat(outputPath)).size });
    expect((await probeOutput(outputPath)).durationSeconds).toBeCloseTo(1, 1);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(unrelated)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('keeps running and waiting jobs queued across close and start', async () => {
    const first = await startQueue();
    const running = await first.queue.enqueue({ composition: composition(20), outputPath: join(first.dir, 'running.mp4') });
    const waiting = await first.queue.enqueue({ composition: composition(1), outputPath: join(first.dir, 'waiting.mp4') });
    await reaches(first.queue, running.id, 'running');
    await first.queue.close();
    await expect(first.queue.enqueue({ composition: composition(1), outputPath: join(first.dir, 'late.mp4') })).rejects.toThrow(/closed/);
    expect((await readState(first.stateFile)).jobs.map((j) => [j.state, j.attempts])).toEqual([
      ['queued', 0],
      ['queued', 0],
    ]);
    expect(existsSync(join(first.dir, 'running.mp4'))).toBe(false);

    const second = await startQueue({ dir: first.dir });
    await Promise.all([finished(second.queue, running.id), finished(second.queue, waiting.id)]);
    expect(second.queue.list().map((j) => [j.state, j.attempts])).toEqual([
      ['done', 1],
      ['done', 1],
    ]);
    expect((await probeOutput(join(first.dir, 'running.mp4'))).durationSeconds).toBeCloseTo(20, 0);
  }, 60_000);

  it('starts empty from a damaged state file and keeps a copy of it', async () => {
    const dir = await tempDir('queue');
    const stateFile = join(dir, 'render-queue.json');
    await writeFile(stateFile, '{"version": 1, "jobs": [');
    const { queue, warnings } = await startQueue({ dir, now: () => new Date('2026-01-02T03:04:05.678Z') });
    expect(queue.list()).toEqual([]);
    const copy = `${stateFile}.corrupt-2026-01-02T03-04-05-678Z`;
    expect(await readFile(copy, 'utf8')).toBe('{"version": 1, "jobs": [');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('damaged');
    expect(warnings[0]).toContain(copy);

    // The queue works, and the next save replaces the damaged file.
    const job = await queue.enqueue({ composition: composition(1), outputPath: join(dir, 'out.mp4') });
    expect((await finished(queue, job.id)).state).toBe('done');
    expect((await readState(stateFile)).jobs).toHaveLength(1);
  });

  it('keeps the readable jobs of a state file with one bad job', async () => {
    const first = await startQueue();
    const job = await first.queue.enqueue({ composition: composition(1), outputPath: join(first.dir, 'good.mp4') });
    await finished(first.queue, job.id);
    await first.queue.close();
    const saved = await readState(first.stateFile);
    await writeFile(first.stateFile, JSON.stringify({ version: 1, jobs: [...saved.jobs, { ...saved.jobs[0], id: 'not-a-uuid' }] }));

    const second = await startQueue({ dir: first.dir });
    expect(second.queue.list().map((j) => j.id)).toEqual([job.id]);
    expect(second.warnings[0]).toMatch(/1 render job\(s\).*jobs\[1\]: id/);
  });

  it('renders one composition for two platforms as one batch', async () => {
    const { queue, dir } = await startQueue();
    const jobs = await queue.enqueueBatch({
      composition: composition(0.5),
      outputs: [
        { preset: 'instagram-feed-square', mode: 'fit', outputPath: join(dir, 'square.mp4') },
        { preset: 'x', mode: 'blurred-pad', outputPath: join(dir, 'x.mp4') },
      ],
    });
    expect(jobs).toHaveLength(2);
    expect(jobs[0]?.batchId).toBeTruthy();
    expect(jobs[1]?.batchId).toBe(jobs[0]?.batchId);
    expect(jobs.map((j) => j.composition.reframe)).toEqual([
      { preset: 'instagram-feed-square', mode: 'fit' },
      { preset: 'x', mode: 'blurred-pad' },
    ]);
    await Promise.all(jobs.map((job) => finished(queue, job.id)));
    expect(queue.list().map((j) => j.state)).toEqual(['done', 'done']);
    const [square, x] = await Promise.all([probeOutput(join(dir, 'square.mp4')), probeOutput(join(dir, 'x.mp4'))]);
    expect([square.video.width, square.video.height]).toEqual([1080, 1080]);
    expect([x.video.width, x.video.height]).toEqual([1280, 720]);
  });

  it('refuses work it cannot do, saying what to do', async () => {
    const notStarted = createRenderQueue({ stateFile: '/nonexistent/q.json', logDir: '/nonexistent/logs', ffmpegPath: systemFfmpeg });
    await expect(notStarted.enqueue({ composition: composition(1), outputPath: '/tmp/x.mp4' })).rejects.toThrow(/call start\(\)/);
    const { queue } = await startQueue();
    const relative = { ...composition(1), media: [{ ...composition(1).media[0]!, path: 'media/pattern.mp4' }] };
    await expect(queue.enqueue({ composition: relative, outputPath: '/tmp/x.mp4' })).rejects.toThrow(/media\[0\]\.path .* is relative/);
    await expect(queue.cancel('nope')).rejects.toThrow(/no render job "nope"/);
    await expect(queue.enqueueBatch({ composition: composition(1), outputs: [] })).rejects.toThrow(/at least one output/);
  });

  it('hands each finished job to onDone (its preview clip made there), and a failure there is a warning, not a failed render', async () => {
    const madeFor: string[] = [];
    const { queue, dir, warnings } = await startQueue({
      onDone: async (job) => {
        madeFor.push(job.outputPath);
        await makePreviewClip({ ffmpegPath: systemFfmpeg, path: job.outputPath, outputPath: previewPathOf(job.outputPath) });
        throw new Error('the Hub is not set up');
      },
    });
    const job = await queue.enqueue({ composition: composition(1), outputPath: join(dir, 'out.mp4') });
    expect((await finished(queue, job.id)).state).toBe('done');
    await expect.poll(() => warnings, { timeout: 60_000 }).toEqual([`After render ${job.id} (${join(dir, 'out.mp4')}): the Hub is not set up`]);
    expect(madeFor).toEqual([join(dir, 'out.mp4')]);
    expect(existsSync(join(dir, 'out.preview.mp4'))).toBe(true);
    expect(queue.get(job.id)!.state).toBe('done');
  }, 120_000);
});
