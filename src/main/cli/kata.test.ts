import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { makeImage, makeVideo } from '../../../test/media-fixtures';
import { probeOutput } from '../../../test/pixels';
import { oneClipComposition, videoMedia } from '../../../test/render-fixtures';
import { exitCodes, runKata, type CliIo } from './kata';

function capture(overrides: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), interactive: false, env: process.env, ...overrides };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

let dir: string;
let composition: string;
let clip: string;

beforeAll(async () => {
  dir = await tempDir('cli');
  clip = await makeVideo({ seconds: 2, width: 160, height: 120, color: 'red' });
  composition = join(dir, 'short.json');
  await writeFile(
    composition,
    JSON.stringify(oneClipComposition({ name: 'CLI test', videoPath: clip })),
  );
});

describe('kata', () => {
  it('lists the presets', async () => {
    const run = capture();
    expect(await runKata(['presets'], run.io)).toBe(exitCodes.ok);
    expect(run.out()).toMatch(/tiktok\s+1080x1920\s+30 fps/);
    const json = capture();
    await runKata(['presets', '--json'], json.io);
    expect(JSON.parse(json.out()).map((p: { id: string }) => p.id)).toContain('instagram-feed-portrait');
  });

  it('renders with JSON lines of progress and a final event, to a file ffprobe accepts', async () => {
    const output = join(dir, 'out.mp4');
    const run = capture();
    expect(await runKata(['render', composition, '-o', output, '--json'], run.io)).toBe(exitCodes.ok);
    const events = run.out().trim().split('\n').map((line) => JSON.parse(line) as { event: string; fraction?: number; output?: string });
    expect(events.at(-1)).toMatchObject({ event: 'done', output });
    const fractions = events.filter((e) => e.event === 'progress').map((e) => e.fraction!);
    expect(fractions.length).toBeGreaterThan(0);
    expect(fractions.at(-1)).toBe(1);
    expect((await probeOutput(output)).durationSeconds).toBeCloseTo(1, 1);
  });

  it('reframes to a preset on the command line', async () => {
    const output = join(dir, 'x.mp4');
    const run = capture();
    expect(await runKata(['render', composition, '-o', output, '--preset', 'x', '--mode', 'fit'], run.io)).toBe(exitCodes.ok);
    expect(run.out()).toMatch(/^Rendered .*x\.mp4/);
    expect((await probeOutput(output)).video).toMatchObject({ width: 1280, height: 720 });
  });

  it('draws a progress bar on a terminal', async () => {
    const run = capture({ interactive: true });
    expect(await runKata(['render', composition, '-o', join(dir, 'bar.mp4')], run.io)).toBe(exitCodes.ok);
    expect(run.err()).toMatch(/\[█+░*\]\s+\d+%/);
  });

  it('probes a media file', async () => {
    const run = capture();
    expect(await runKata(['probe', clip, '--json'], run.io)).toBe(exitCodes.ok);
    expect(JSON.parse(run.out())).toMatchObject({ kind: 'video', video: { width: 160, height: 120 } });
  });

  it('exits 3 with every problem of a bad composition, by path', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ version: 1, id: 'x', name: 'Bad', canvas: { width: 160, height: 160, fps: 25, duration: 1 }, media: [videoMedia('gone', '/nowhere/gone.mp4', { seconds: 2, width: 160, height: 120 })], transitions: [] }));
    const run = capture();
    expect(await runKata(['render', bad, '-o', join(dir, 'bad.mp4')], run.io)).toBe(exitCodes.badComposition);
    expect(run.err()).toContain('media[0].path: missing media: /nowhere/gone.mp4 does not exist');
    const json = capture();
    await runKata(['render', bad, '-o', join(dir, 'bad.mp4'), '--json'], json.io);
    expect(JSON.parse(json.out())).toMatchObject({ event: 'error', code: 3, issues: [{ path: 'media[0].path' }] });
  });

  it('exits 2 on wrong usage and 4 without FFmpeg', async () => {
    const usage = capture();
    expect(await runKata(['render', composition], usage.io)).toBe(exitCodes.usage);
    expect(usage.err()).toContain('kata render needs a composition file and -o <output file>.');
    expect(await runKata(['render', composition, '-o', 'x.mp4', '--preset', 'myspace'], capture().io)).toBe(exitCodes.usage);
    expect(await runKata(['dance'], capture().io)).toBe(exitCodes.usage);
    const noFfmpeg = capture({ env: { PATH: dir } });
    expect(await runKata(['render', composition, '-o', join(dir, 'n.mp4')], noFfmpeg.io)).toBe(exitCodes.ffmpegMissing);
    expect(noFfmpeg.err()).toMatch(/FFmpeg was not found/);
  });

  it('renders an influencer video from a persona and a script', async () => {
    const personaFile = join(dir, 'maya.json');
    const scriptFile = join(dir, 'script.json');
    await writeFile(personaFile, JSON.stringify({ version: 1, id: 'maya', name: 'Maya', handle: '@maya.makes', niche: 'coffee', platforms: ['tiktok'] }));
    await writeFile(scriptFile, JSON.stringify({ version: 1, id: 's', personaId: 'maya', title: 'Hi', hook: { text: 'Hello there.' }, body: { text: 'Coffee stays hot.' }, cta: { text: 'Link below.' } }));
    const output = join(dir, 'maya.mp4');
    const portrait = await makeImage({ width: 300, height: 400, color: '#c08060' });
    const run = capture({ env: { ...process.env, KATA_ENCODER_PRESET: 'ultrafast', KATA_DATA_DIR: join(dir, 'data') } });
    expect(await runKata(['influencer', 'render', personaFile, scriptFile, '--portrait', portrait, '-o', output, '--json'], run.io)).toBe(exitCodes.ok);
    expect(JSON.parse(run.out().trim().split('\n').at(-1)!)).toMatchObject({ event: 'done', output });
    const probe = await probeOutput(output);
    expect(probe.video).toMatchObject({ width: 1080, height: 1920 });
    expect(probe.audio?.codec).toBe('aac');
    const bad = capture();
    await writeFile(personaFile, JSON.stringify({ version: 1, id: 'maya', name: 'Maya', handle: 'maya', niche: 'coffee' }));
    expect(await runKata(['influencer', 'render', personaFile, scriptFile, '--portrait', portrait, '-o', output], bad.io)).toBe(exitCodes.badComposition);
    expect(bad.err()).toMatch(/handle/);
  });

  it('exits 130 and leaves no file when cancelled', async () => {
    const controller = new AbortController();
    const output = join(dir, 'cancelled.mp4');
    const run = capture({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const code = await runKata(['render', composition, '-o', output], run.io);
    expect(code).toBe(exitCodes.cancelled);
    expect(existsSync(output)).toBe(false);
  });
});
