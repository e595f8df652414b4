import { readFile } from 'node:fs/promises';

/** A 16-bit PCM WAV file, channels mixed down to the loudest sample of each frame. */
export interface PcmAudio {
  sampleRate: number;
  durationSeconds: number;
  /** Absolute amplitude per sample frame, 0..32768. */
  amplitudes: Int32Array;
}

/** A stretch of sound between silences, in seconds from the start of the file. */
export interface SpeechSegment {
  start: number;
  end: number;
}

/** Reads a 16-bit PCM WAV (what speech engines write); other encodings are refused by name. */
export async function readPcmWav(path: string): Promise<PcmAudio> {
  const file = await readFile(path);
  const fail = (why: string) => new Error(`"${path}" is not a WAV file Kata can read: ${why}.`);
  if (file.length < 12 || file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') {
    throw fail('no RIFF/WAVE header');
  }
  let format: { channels: number; sampleRate: number; bitsPerSample: number; audioFormat: number } | undefined;
  let offset = 12;
  while (offset + 8 <= file.length) {
    const chunkId = file.toString('latin1', offset, offset + 4);
    const chunkSize = file.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (chunkId === 'fmt ') {
      format = {
        audioFormat: file.readUInt16LE(body),
        channels: file.readUInt16LE(body + 2),
        sampleRate: file.readUInt32LE(body + 4),
        bitsPerSample: file.readUInt16LE(body + 14),
      };
    } else if (chunkId === 'data') {
      if (!format) throw fail('the data chunk comes before the format chunk');
      if (format.audioFormat !== 1 || format.bitsPerSample !== 16) {
        throw fail(`it holds format ${format.audioFormat} at ${format.bitsPerSample} bits, not 16-bit PCM`);
      }
      // A WAV written to a pipe declares a huge size it never filled: trust the file's end.
      const end = Math.min(file.length, body + chunkSize);
      return mixDown(file.subarray(body, end), format.channels, format.sampleRate);
    }
    offset = body + chunkSize + (chunkSize % 2); // chunks are padded to an even size
  }
  throw fail('no data chunk');
}

function mixDown(data: Buffer, channels: number, sampleRate: number): PcmAudio {
  const frameBytes = 2 * channels;
  const frames = Math.floor(data.length / frameBytes);
  const amplitudes = new Int32Array(frames);
  for (let frame = 0; frame < frames; frame++) {
    let loudest = 0;
    for (let channel = 0; channel < channels; channel++) {
      loudest = Math.max(loudest, Math.abs(data.readInt16LE(frame * frameBytes + channel * 2)));
    }
    amplitudes[frame] = loudest;
  }
  return { sampleRate, durationSeconds: frames / sampleRate, amplitudes };
}

/** Window of the energy envelope: short enough to see a pause, long enough to ride over one pitch period. */
const WINDOW_SECONDS = 0.01;
/** A window quieter than this share of the loudest one is silence (-40 dB). */
const SILENCE_SHARE = 0.01;

/**
 * The stretches of sound in `audio`, split at every silence at least `minPauseSeconds` long.
 * Shorter silences (the closure of a "t" or "k") stay inside their segment.
 */
export function findSpeech(audio: PcmAudio, options: { minPauseSeconds: number }): SpeechSegment[] {
  const windowSize = Math.max(1, Math.round(audio.sampleRate * WINDOW_SECONDS));
  const windowPeaks: number[] = [];
  for (let start = 0; start < audio.amplitudes.length; start += windowSize) {
    let peak = 0;
    for (let i = start; i < Math.min(start + windowSize, audio.amplitudes.length); i++) peak = Math.max(peak, audio.amplitudes[i] ?? 0);
    windowPeaks.push(peak);
  }
  const loudest = windowPeaks.reduce((max, peak) => Math.max(max, peak), 0);
  const threshold = Math.max(1, loudest * SILENCE_SHARE);
  const windowSeconds = windowSize / audio.sampleRate;
  const segments: SpeechSegment[] = [];
  windowPeaks.forEach((peak, index) => {
    if (peak < threshold) return;
    const start = index * windowSeconds;
    const end = Math.min(audio.durationSeconds, start + windowSeconds);
    const last = segments.at(-1);
    if (last && start - last.end < options.minPauseSeconds) last.end = end;
    else segments.push({ start, end });
  });
  return segments;
}
