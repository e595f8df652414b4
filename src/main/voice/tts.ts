import { z } from 'zod';
import { parseOrThrow } from '../../shared/validation';

/** A voice an engine can speak with; `id` is what `speak` takes as `voiceId`. */
export interface SpeechVoice {
  id: string;
  name: string;
  /** BCP 47-like tag as the engine reports it, e.g. "en-us". */
  language: string;
}

/** One spoken word and when it is heard, in seconds from the start of the audio file. */
export interface SpokenWord {
  word: string;
  start: number;
  end: number;
}

export interface SpokenText {
  outputPath: string;
  durationSeconds: number;
  /** One entry per word of the text, in order, never overlapping. */
  words: SpokenWord[];
}

// Requests arrive from the UI over IPC, so they are parsed with messages a user can act on.
export const speechRequestSchema = z.object({
  text: z.string().trim().min(1, 'is empty: give the text to speak'),
  voiceId: z.string().trim().min(1, 'is empty: pick one of the engine’s voices'),
  ratePercent: z
    .number({ error: 'must be a number between 50 and 200 (100 = normal speed)' })
    .min(50, 'must be between 50 and 200 (100 = normal speed)')
    .max(200, 'must be between 50 and 200 (100 = normal speed)'),
  pitchPercent: z
    .number({ error: 'must be a number between 0 and 100 (50 = normal pitch)' })
    .min(0, 'must be between 0 and 100 (50 = normal pitch)')
    .max(100, 'must be between 0 and 100 (50 = normal pitch)'),
  outputPath: z
    .string()
    .trim()
    .regex(/\.wav$/i, 'must be the path of a .wav file'),
});

export type SpeechRequest = z.infer<typeof speechRequestSchema> & { signal?: AbortSignal };

/** Parses a request at the start of `speak`; throws a ValidationError naming each bad field. */
export function parseSpeechRequest(request: SpeechRequest): SpeechRequest {
  // The signal is a live object, not data: it stays outside the schema.
  const { signal, ...fields } = request;
  return { ...parseOrThrow(speechRequestSchema, fields, 'speech request'), signal };
}

/** A text-to-speech engine: offline, writes a WAV and says when each word is heard. */
export interface SpeechEngine {
  id: string;
  voices(): Promise<SpeechVoice[]>;
  speak(request: SpeechRequest): Promise<SpokenText>;
}
