import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemFfprobe, tempDir } from '../../../test/ffmpeg-fixtures';
import { probeMedia } from '../media/probe';
import { createEspeakEngine } from './espeak';
import type { SpokenText } from './tts';
import { readPcmWav } from './wav';

const run = promisify(execFile);
const engine = createEspeakEngine();
const VOICE = 'gmw/en-US';
const TWELVE_WORDS = 'The quick brown fox jumps over the lazy dog while children watch';

let dir: string;
let count = 0;
beforeAll(async () => {
  dir = await tempDir('voice');
});

function speak(text: string, options: { ratePercent?: number } = {}): Promise<SpokenText> {
  count += 1;
  return engine.speak({ text, voiceId: VOICE, ratePercent: options.ratePercent ?? 100, pitchPercent: 50, outputPath: join(dir, `speech-${count}.wav`) });
}

/** Where sound starts after each silence of at least `minPause` s: found sample by sample, without the engine's envelope. */
async function onsetsAfterSilence(path: string, minPause: number): Promise<number[]> {
  const { amplitudes, sampleRate } = await readPcmWav(path);
  const onsets: number[] = [];
  let quietSamples = Infinity;
  amplitudes.forEach((amplitude, index) => {
    if (amplitude < 300) {
      quietSamples += 1;
      return;
    }
    if (quietSamples >= minPause * sampleRate) onsets.push(index / sampleRate);
    quietSamples = 0;
  });
  return onsets;
}

/** From the first to the last loud sample. */
async function soundSpan(path: string): Promise<{ start: number; end: number }> {
  const { amplitudes, sampleRate } = await readPcmWav(path);
  const loud = (index: number) => (amplitudes[index] ?? 0) >= 300;
  let first = 0;
  while (first < amplitudes.length && !loud(first)) first += 1;
  let last = amplitudes.length - 1;
  while (last > first && !loud(last)) last -= 1;
  return { start: first / sampleRate, end: last / sampleRate };
}

function expectWellFormed(spoken: SpokenText, words: string[]) {
  expect(spoken.words.map((word) => word.word)).toEqual(words);
  let previousEnd = 0;
  for (const word of spoken.words) {
    expect(word.start).toBeGreaterThanOrEqual(previousEnd);
    expect(word.end).toBeGreaterThan(word.start);
    expect(word.end).toBeLessThanOrEqual(spoken.durationSeconds);
    previousEnd = word.end;
  }
}

describe('espeak-ng engine', () => {
  it('lists English voices, without MBROLA voices that need extra installs', async () => {
    const voices = await engine.voices();
    expect(voices).toContainEqual({ id: 'gmw/en-US', name: 'English (America)', language: 'en-us' });
    expect(voices.filter((voice) => voice.language.startsWith('en')).length).toBeGreaterThan(3);
    expect(voices.some((voice) => voice.id.startsWith('mb/'))).toBe(false);
  });

  it('speaks 12 words as a WAV whose length fits the rate, one timing per word', async () => {
    const normal = await speak(TWELVE_WORDS);
    const fast = await speak(TWELVE_WORDS, { ratePercent: 200 });
    const probed = await probeMedia({ ffprobePath: systemFfprobe, path: normal.outputPath });

    expect(probed.durationSeconds).toBeCloseTo(normal.durationSeconds, 2);
    // 12 words at 175 words per minute is about 4 s; espeak-ng's "words" are shorter than these.
    expect(normal.durationSeconds).toBeGreaterThan(2);
    expect(normal.durationSeconds).toBeLessThan(6);
    expect(fast.durationSeconds).toBeLessThan(normal.durationSeconds * 0.7);
    expectWellFormed(normal, TWELVE_WORDS.split(' '));
    expectWellFormed(fast, TWELVE_WORDS.split(' '));
  });

  it('starts the word after a pause where the sound starts again', async () => {
    const text = 'We bought apples, pears and plums. Then we went home happily.';
    const spoken = await speak(text);
    const onsets = await onsetsAfterSilence(spoken.outputPath, 0.1);
    expectWellFormed(spoken, ['We', 'bought', 'apples', 'pears', 'and', 'plums', 'Then', 'we', 'went', 'home', 'happily']);

    const [, pears, then] = onsets;
    expect(onsets).toHaveLength(3); // the start, after the comma, after the full stop
    expect(Math.abs((spoken.words[3]?.start ?? 0) - (pears ?? 0))).toBeLessThan(0.05);
    expect(Math.abs((spoken.words[6]?.start ?? 0) - (then ?? 0))).toBeLessThan(0.05);
  });

  it('places each word of a list with long pauses within 0.25 s of where it is heard', async () => {
    const spoken = await speak('One. Two. Three. Four.', { ratePercent: 80 });
    const onsets = await onsetsAfterSilence(spoken.outputPath, 0.2);
    expect(onsets).toHaveLength(4);
    spoken.words.forEach((word, index) => expect(Math.abs(word.start - (onsets[index] ?? -1))).toBeLessThan(0.25));
  });

  it('places words of a sentence without pauses near their true onsets', async () => {
    // Ground truth: the same sentence with a 0.4 s gap after each word (-g 40) shows each word's own length in context.
    const gapped = join(dir, 'gapped.wav');
    await run('espeak-ng', ['-v', VOICE, '-g', '40', '-w', gapped, TWELVE_WORDS]);
    const gappedOnsets = await onsetsAfterSilence(gapped, 0.2);
    const gappedSound = await soundSpan(gapped);
    expect(gappedOnsets).toHaveLength(12);
    const wordLengths = gappedOnsets.map((onset, index) => (gappedOnsets[index + 1] ?? gappedSound.end + 0.4) - onset - 0.4);

    const sentence = await speak(TWELVE_WORDS);
    const sound = await soundSpan(sentence.outputPath);
    const scale = (sound.end - sound.start) / wordLengths.reduce((sum, length) => sum + length, 0);
    let trueStart = sound.start;
    const errors = sentence.words.map((word, index) => {
      const error = Math.abs(word.start - trueStart);
      trueStart += (wordLengths[index] ?? 0) * scale;
      return error;
    });
    console.info(`word onset error in a 12-word sentence: mean ${(errors.reduce((a, b) => a + b, 0) / errors.length).toFixed(3)} s, max ${Math.max(...errors).toFixed(3)} s`);
    for (const error of errors) expect(error).toBeLessThan(0.25);
  });

  it('refuses bad input, naming the field', async () => {
    const outputPath = join(dir, 'refused.wav');
    await expect(engine.speak({ text: '  ', voiceId: VOICE, ratePercent: 100, pitchPercent: 50, outputPath })).rejects.toThrow(/text: is empty/);
    await expect(engine.speak({ text: 'Hello', voiceId: VOICE, ratePercent: 500, pitchPercent: 50, outputPath })).rejects.toThrow(/ratePercent: must be between 50 and 200/);
    await expect(engine.speak({ text: 'Hello', voiceId: VOICE, ratePercent: 100, pitchPercent: 50, outputPath: join(dir, 'x.mp3') })).rejects.toThrow(/outputPath: must be the path of a \.wav file/);
  });

  it('names some known voices when the voice does not exist', async () => {
    await expect(engine.speak({ text: 'Hello', voiceId: 'klingon', ratePercent: 100, pitchPercent: 50, outputPath: join(dir, 'k.wav') })).rejects.toThrow(/voiceId: espeak-ng has no voice "klingon"\. Known voices include gmw\/en.*; \d+ in all/);
  });

  it('says how to install espeak-ng when it is missing', async () => {
    const missing = createEspeakEngine({ espeakPath: join(dir, 'no-espeak-here') });
    await expect(missing.voices()).rejects.toThrow(/apt-get install espeak-ng.*brew install espeak-ng/);
  });

  it('passes text that looks like an option as words to speak', async () => {
    const spoken = await speak('--version -w /tmp/evil.wav');
    expect(spoken.words.map((word) => word.word)).toEqual(['version', 'w', 'tmp/evil.wav']);
    expect(spoken.durationSeconds).toBeGreaterThan(0.5);
  });
});
