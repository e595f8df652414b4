import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { systemFfmpeg } from '../../../test/ffmpeg-fixtures';
import { checkCapabilities, parseEncoderNames, parseFfmpegVersion, parseFilterNames, requiredCapabilities } from './ffmpeg-capabilities';

const ffmpeg = (arg: string) => execFileSync(systemFfmpeg, ['-hide_banner', arg], { encoding: 'utf8' });

describe('parsing what the real FFmpeg prints', () => {
  it('reads the version', () => {
    const version = parseFfmpegVersion(ffmpeg('-version'));
    expect(version).toMatch(/^\d+\.\d+/);
    expect(parseFfmpegVersion('not ffmpeg at all')).toBeNull();
  });

  it('reads encoder names but not the legend above the rule', () => {
    const encoders = parseEncoderNames(ffmpeg('-encoders'));
    expect(encoders.has('libx264')).toBe(true);
    expect(encoders.has('aac')).toBe(true);
    expect(encoders.has('=')).toBe(false);
    expect(encoders.size).toBeGreaterThan(50);
  });

  it('reads filter names, source filters included, but not the legend', () => {
    const filters = parseFilterNames(ffmpeg('-filters'));
    for (const name of ['overlay', 'xfade', 'hstack', 'vstack', 'lut3d', 'subtitles', 'drawtext', 'color']) {
      expect(filters.has(name), name).toBe(true);
    }
    expect(filters.has('=')).toBe(false);
  });
});

describe('checkCapabilities', () => {
  it('marks each required capability present or missing', () => {
    const result = checkCapabilities({ encoders: new Set(['aac']), filters: new Set(['xfade']) });
    expect(result).toHaveLength(requiredCapabilities.length);
    expect(result.filter((c) => c.present).map((c) => c.name)).toEqual(['aac', 'xfade']);
  });
});
