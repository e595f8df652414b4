import { spawn } from 'node:child_process';
import { parseSpeechRequest, type SpeechEngine, type SpeechVoice, type SpokenText } from './tts';
import { findSpeech, readPcmWav } from './wav';
import { placeWords, splitWords } from './word-timings';

const INSTALL_HINT = 'Install it with `apt-get install espeak-ng` (Debian, Ubuntu) or `brew install espeak-ng` (macOS)';
/** espeak-ng's own normal speed, in words per minute: ratePercent 100. */
const NORMAL_WORDS_PER_MINUTE = 175;
/**
 * At normal speed espeak-ng pauses about 0.15 s at a comma, while a stop consonant
 * ("k", "t") is silent for up to 0.06 s; pauses stretch as the speech slows down.
 */
const MIN_PAUSE_SECONDS_AT_NORMAL_SPEED = 0.1;

export class SpeechEngineError extends Error {
  override name = 'SpeechEngineError';
}

/** Offline speech with espeak-ng; word timings are read from the silences of the audio it writes. */
export function createEspeakEngine(options: { espeakPath?: string } = {}): SpeechEngine {
  const espeakPath = options.espeakPath ?? 'espeak-ng';
  let knownVoices: Promise<SpeechVoice[]> | undefined;

  const voices = (): Promise<SpeechVoice[]> => {
    knownVoices ??= runEspeak({ espeakPath, args: ['--voices'] }).then(parseVoiceList);
    // A failed listing (espeak-ng not installed yet) is retried next time.
    knownVoices.catch(() => (knownVoices = undefined));
    return knownVoices;
  };

  return {
    id: 'espeak-ng',
    voices,
    async speak(request): Promise<SpokenText> {
      const { text, voiceId, ratePercent, pitchPercent, outputPath, signal } = parseSpeechRequest(request);
      const available = await voices();
      if (!available.some((voice) => voice.id === voiceId)) throw unknownVoice(voiceId, available);

      const args = [
        ['-v', voiceId],
        ['-s', String(Math.round((NORMAL_WORDS_PER_MINUTE * ratePercent) / 100))],
        ['-p', String(Math.min(99, Math.round(pitchPercent)))], // espeak-ng's pitch runs 0..99
        ['-w', outputPath],
        ['--stdin'], // the text goes on stdin: never parsed as an option, never through a shell
      ].flat();
      await runEspeak({ espeakPath, args, input: text, signal });

      const audio = await readPcmWav(outputPath);
      const speech = findSpeech(audio, { minPauseSeconds: (MIN_PAUSE_SECONDS_AT_NORMAL_SPEED * 100) / ratePercent });
      return { outputPath, durationSeconds: audio.durationSeconds, words: placeWords({ words: splitWords(text), speech }) };
    },
  };
}

/** `espeak-ng --voices` prints a table: Pty Language Age/Gender VoiceName File Other Languages. */
export function parseVoiceList(table: string): SpeechVoice[] {
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/u))
    .flatMap(([, language, , name, file]) => {
      // MBROLA voices need the separate mbrola program and voice files, which are rarely installed.
      if (!language || !name || !file || file.startsWith('mb/')) return [];
      return [{ id: file, name: name.replaceAll('_', ' '), language }];
    });
}

function unknownVoice(voiceId: string, available: SpeechVoice[]): SpeechEngineError {
  const english = available.filter((voice) => voice.language.startsWith('en'));
  const examples = (english.length > 0 ? english : available).slice(0, 6).map((voice) => `${voice.id} (${voice.name})`);
  return new SpeechEngineError(`voiceId: espeak-ng has no voice "${voiceId}". Known voices include ${examples.join(', ')}; ${available.length} in all.`);
}

/** Runs espeak-ng without a shell; resolves with its stdout, rejects with what to do. */
function runEspeak(options: { espeakPath: string; args: string[]; input?: string; signal?: AbortSignal }): Promise<string> {
  const { espeakPath, args, input, signal } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(espeakPath, args, { signal, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.name === 'AbortError') reject(new SpeechEngineError('Speech was cancelled.'));
      else if (error.code === 'ENOENT') reject(new SpeechEngineError(`espeak-ng was not found at "${espeakPath}". ${INSTALL_HINT}.`));
      else reject(new SpeechEngineError(`espeak-ng could not start (${error.message}).`));
    });
    child.on('close', (code, signalName) => {
      if (code === 0) resolve(stdout);
      else reject(new SpeechEngineError(`espeak-ng failed (${code === null ? `stopped by ${signalName}` : `exit ${code}`}): ${stderr.trim() || 'no message'}.`));
    });
    // An early exit closes stdin; the exit code then tells the story, not EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}
