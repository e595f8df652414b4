import { writeFile } from 'node:fs/promises';
import pRetry, { AbortError } from 'p-retry';
import { z } from 'zod';
import { parseSpeechRequest, type SpeechEngine, type SpeechVoice, type SpokenText } from './tts';

/**
 * A hosted text-to-speech service with the ElevenLabs-style HTTP API: voices
 * at GET /v1/voices, speech with character timings at
 * POST /v1/text-to-speech/{voice}/with-timestamps. Raw 16-bit PCM is asked
 * for and wrapped as WAV, so every engine hands the rest of Kata the same file.
 */
export function createHttpSpeechEngine(options: { baseUrl: string; apiKey?: string; timeoutMs?: number; retries?: number; sampleRate?: 16000 | 22050 | 24000 | 44100 }): SpeechEngine {
  const base = options.baseUrl.replace(/\/+$/, '');
  const where = new URL(base).host;
  const sampleRate = options.sampleRate ?? 24000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const headers = { 'Content-Type': 'application/json', ...(options.apiKey ? { 'xi-api-key': options.apiKey } : {}) };

  const call = async (path: string, init: RequestInit, signal?: AbortSignal): Promise<unknown> =>
    pRetry(
      async () => {
        let response: Response;
        try {
          response = await fetch(`${base}${path}`, { ...init, headers, signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])]) });
        } catch (error) {
          if (signal?.aborted) throw new AbortError('Cancelled.');
          throw new Error(`The voice service at ${where} ${(error as Error).name === 'TimeoutError' ? `did not answer within ${timeoutMs} ms` : 'could not be reached'}.`, { cause: error });
        }
        if (response.status === 401 || response.status === 403) throw new AbortError(`The voice service at ${where} refused the API key (${response.status}). Check the key in Settings.`);
        if (response.status === 429 || response.status >= 500) throw new Error(`The voice service at ${where} answered ${response.status}.`);
        if (!response.ok) throw new AbortError(`The voice service at ${where} answered ${response.status} ${response.statusText}.`);
        return response.json();
      },
      { retries: options.retries ?? 2, minTimeout: 300, signal },
    );

  const voicesReply = z.object({ voices: z.array(z.object({ voice_id: z.string(), name: z.string(), labels: z.record(z.string(), z.string()).optional() })) });
  const speechReply = z.object({
    audio_base64: z.string().min(1),
    alignment: z.object({ characters: z.array(z.string()), character_start_times_seconds: z.array(z.number()), character_end_times_seconds: z.array(z.number()) }),
  });

  return {
    id: 'http',
    async voices(): Promise<SpeechVoice[]> {
      const reply = voicesReply.parse(await call('/v1/voices', { method: 'GET' }));
      return reply.voices.map((v) => ({ id: v.voice_id, name: v.name, language: v.labels?.language ?? v.labels?.accent ?? 'en' }));
    },
    async speak(request): Promise<SpokenText> {
      const { text, voiceId, ratePercent, outputPath, signal } = parseSpeechRequest(request);
      const raw = await call(
        `/v1/text-to-speech/${encodeURIComponent(voiceId)}/with-timestamps?output_format=pcm_${sampleRate}`,
        { method: 'POST', body: JSON.stringify({ text, model_id: 'eleven_multilingual_v2', voice_settings: { speed: ratePercent / 100 } }) },
        signal,
      );
      const reply = speechReply.safeParse(raw);
      if (!reply.success) throw new Error(`The voice service at ${where} did not send audio with timings.`);
      const pcm = Buffer.from(reply.data.audio_base64, 'base64');
      await writeFile(outputPath, Buffer.concat([wavHeader(pcm.length, sampleRate), pcm]));
      return { outputPath, durationSeconds: pcm.length / 2 / sampleRate, words: wordsFromCharacters(reply.data.alignment) };
    },
  };
}

/** A 44-byte header for mono 16-bit PCM. */
export function wavHeader(dataBytes: number, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

/** Words and their times from the service's per-character timings: a word runs from its first letter's start to its last letter's end. */
export function wordsFromCharacters(alignment: { characters: string[]; character_start_times_seconds: number[]; character_end_times_seconds: number[] }) {
  const words: { word: string; start: number; end: number }[] = [];
  let current: { word: string; start: number; end: number } | null = null;
  alignment.characters.forEach((character, i) => {
    if (/\s/.test(character)) {
      if (current) words.push(current);
      current = null;
      return;
    }
    const start = alignment.character_start_times_seconds[i] ?? 0;
    const end = alignment.character_end_times_seconds[i] ?? start;
    current = current ? { ...current, word: current.word + character, end } : { word: character, start, end };
  });
  if (current) words.push(current);
  return words;
}
