import { describe, expect, it } from 'vitest';
import { renderRecordOf, renderRecordSchema, withoutLocalPaths, type RenderJobFacts } from './render-record';

const job = (patch: Partial<RenderJobFacts> = {}): RenderJobFacts => ({
  id: '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f',
  batchId: null,
  state: 'queued',
  compositionId: 'comp-1',
  compositionName: 'Spring teaser',
  preset: 'tiktok',
  width: 1080,
  height: 1920,
  durationSeconds: 12.5,
  outputPath: '/home/olivia/Videos/Kata/spring-teaser-tiktok.mp4',
  logPath: '/home/olivia/.config/kata/render-logs/6f1c2d3e.log',
  outputBytes: null,
  error: null,
  createdAt: '2026-11-24T09:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  ...patch,
});

describe('render record', () => {
  it('says what was rendered and how it went, with the output file name and no path', () => {
    const record = renderRecordOf(job({ state: 'done', outputBytes: 2_345_678, startedAt: '2026-11-24T09:00:01.000Z', finishedAt: '2026-11-24T09:00:09.000Z' }));
    expect(record).toEqual({
      name: 'Spring teaser · TikTok',
      compositionId: 'comp-1',
      compositionName: 'Spring teaser',
      preset: 'tiktok',
      batchId: null,
      status: 'done',
      createdAt: '2026-11-24T09:00:00.000Z',
      startedAt: '2026-11-24T09:00:01.000Z',
      finishedAt: '2026-11-24T09:00:09.000Z',
      durationSeconds: 12.5,
      outputFileName: 'spring-teaser-tiktok.mp4',
      width: 1080,
      height: 1920,
      sizeBytes: 2_345_678,
      error: null,
    });
    expect(JSON.stringify(record)).not.toContain('/home/olivia');
  });

  it('names a free-size render by its composition alone, and takes a Windows output path to its file name', () => {
    const record = renderRecordOf(job({ preset: null, outputPath: 'C:\\Users\\Olivia\\Videos\\teaser.mp4' }));
    expect(record).toMatchObject({ name: 'Spring teaser', preset: null, outputFileName: 'teaser.mp4', sizeBytes: null });
  });

  it("keeps why a render failed, without the log's place or any other path on the computer", () => {
    const logPath = '/home/olivia/.config/kata/render-logs/6f1c2d3e.log';
    const error = `The render failed after 2 attempts: /home/olivia/Videos/clip one.mov: No such file or directory The FFmpeg log is in ${logPath}.`;
    const record = renderRecordOf(job({ state: 'failed', error, logPath, finishedAt: '2026-11-24T09:01:00.000Z' }));
    expect(record.status).toBe('failed');
    expect(record.error).toBe('The render failed after 2 attempts: clip one.mov: No such file or directory');
    expect(record.error).not.toContain('render-logs');
  });

  it('has no error unless the render failed, and no size unless it is done', () => {
    expect(renderRecordOf(job({ state: 'cancelled', error: 'stale', outputBytes: 10 }))).toMatchObject({ status: 'cancelled', error: null, sizeBytes: null });
  });

  it('reduces Unix, Windows and network paths to file names', () => {
    expect(withoutLocalPaths('Could not open /tmp/kata-x/in.mp4, D:\\media\\b-roll.mov and \\\\nas\\share\\logo.png.')).toBe('Could not open in.mp4, b-roll.mov and logo.png.');
    expect(withoutLocalPaths('Invalid data found when processing input')).toBe('Invalid data found when processing input');
  });

  it('refuses a path as the output file name', () => {
    const record = renderRecordOf(job());
    expect(renderRecordSchema.safeParse({ ...record, outputFileName: 'Videos/x.mp4' }).error?.issues[0]).toMatchObject({ path: ['outputFileName'], message: 'must be a file name, not a path' });
  });
});
