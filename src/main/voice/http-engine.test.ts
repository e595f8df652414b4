import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemFfprobe, tempDir } from '../../../test/ffmpeg-fixtures';
import { probeMedia } from '../media/probe';
import { createHttpSpeechEngine, wordsFromCharacters } from './http-engine';
import { readPcmWav } from './wav';

/** A local stand-in for an ElevenLabs-style service: a sine tone for the text, with one timing per character. */
async function fakeVoiceService(options: { failFirst?: number; key?: string } = {}) {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls++;
      res.setHeader('Content-Type', 'application/json');
      if (options.key && req.headers['xi-api-key'] !== options.key) return void ((res.statusCode = 401), res.end('{}'));
      if (calls <= (options.failFirst ?? 0)) return void ((res.statusCode = 503), res.end('{}'));
      if (req.method === 'GET' && req.url === '/v1/voices') return void res.end(JSON.stringify({ voices: [{ voice_id: 'rachel', name: 'Rachel', labels: { accent: 'american' } }] }));
      const match = /^\/v1\/text-to-speech\/([^/]+)\/with-timestamps\?output_format=pcm_(\d+)$/.exec(req.url ?? '');
      if (!match) return void ((res.statusCode = 404), res.end('{}'));
      const rate = Number(match[2]);
      const { text } = JSON.parse(body) as { text: string };
      const perCharacter = 0.06;
      const samples = Buffer.alloc(Math.round(text.length * perCharacter * rate) * 2);
      for (let i = 0; i < samples.length / 2; i++) samples.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate)), i * 2);
      const characters = [...text];
      res.end(JSON.stringify({
        audio_base64: samples.toString('base64'),
        alignment: { characters, character_start_times_seconds: characters.map((_, i) => i * perCharacter), character_end_times_seconds: characters.map((_, i) => (i + 1) * perCharacter) },
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

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
