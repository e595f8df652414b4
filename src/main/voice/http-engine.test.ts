import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemFfprobe, tempDir } from '../../../test/ffmpeg-fixtures';
import { fakeVoiceService } from '../../../test/fake-voice-server';
import { probeMedia } from '../media/probe';
import { createHttpSpeechEngine, wordsFromCharacters } from './http-engine';
import { readPcmWav } from './wav';

let service: Awaited<ReturnType<typeof fakeVoiceService>> | null = null;
afterEach(async () => {
  await service?.close();
  service = null;
});

describe('the HTTP speech engine', () => {
  it('lists voices and speaks with word timings (retrying a busy service), writing a WAV FFmpeg reads', async () => {
    service = await fakeVoiceService({ key: 'xi-test', failFirst: 1 });
    const engine = createHttpSpeechEngine({ baseUrl: service.baseUrl, apiKey: 'xi-test' });
    expect(await engine.voices()).toEqual([{ id: 'rachel', name: 'Rachel', language: 'american' }]);
    const outputPath = join(await tempDir('http-voice'), 'voice.wav');
    const spoken = await engine.speak({ text: 'Hot coffee all day', voiceId: 'rachel', ratePercent: 100, pitchPercent: 50, outputPath });
    expect(spoken.words.map((w) => w.word)).toEqual(['Hot', 'coffee', 'all', 'day']);
    expect(spoken.words[1]).toEqual({ word: 'coffee', start: expect.closeTo(0.24, 5), end: expect.closeTo(0.6, 5) });
    expect(spoken.durationSeconds).toBeCloseTo(18 * 0.06, 2);
    expect((await readPcmWav(outputPath)).durationSeconds).toBeCloseTo(spoken.durationSeconds, 2);
    const probed = await probeMedia({ ffprobePath: systemFfprobe, path: outputPath });
    expect(probed).toMatchObject({ kind: 'audio', audio: [{ sampleRate: 24000, channels: 1 }] });
    expect(probed.durationSeconds).toBeCloseTo(spoken.durationSeconds, 2);
  });

  it('refuses a wrong key at once, without retrying', async () => {
    service = await fakeVoiceService({ key: 'right' });
    const engine = createHttpSpeechEngine({ baseUrl: service.baseUrl, apiKey: 'wrong' });
    await expect(engine.voices()).rejects.toThrow(/refused the API key \(401\)/);
    expect(service.calls()).toBe(1);
  });

  it('joins characters into words across spaces', () => {
    expect(wordsFromCharacters({ characters: [...'a bc'], character_start_times_seconds: [0, 0.1, 0.2, 0.3], character_end_times_seconds: [0.1, 0.2, 0.3, 0.4] })).toEqual([
      { word: 'a', start: 0, end: 0.1 },
      { word: 'bc', start: 0.2, end: 0.4 },
    ]);
  });
});
