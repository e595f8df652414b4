import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PresetId } from '../../shared/composition/presets';
import type { Composition, Media } from '../../shared/composition/schema';
import type { Persona } from '../../shared/influencer/persona';
import type { Script } from '../../shared/influencer/script';
import { influencerComposition } from '../../shared/influencer/video';
import { probeMedia, type MediaInfo } from '../media/probe';
import type { StudioServices } from '../services';
import { createEspeakEngine } from '../voice/espeak';
import { createHttpSpeechEngine } from '../voice/http-engine';
import type { SpeechEngine } from '../voice/tts';
import { readPcmWav } from '../voice/wav';

function mediaOf(id: string, info: MediaInfo): Media {
  return { id, path: info.path, kind: info.kind, durationSeconds: info.durationSeconds, width: info.video?.width ?? null, height: info.video?.height ?? null, hasAudio: info.audio.length > 0 };
}

/** The persona's voice engine: espeak-ng offline, or the hosted service configured in main. */
export function speechEngineFor(persona: Persona, services: StudioServices): SpeechEngine {
  if (persona.voice.engine === 'espeak') return createEspeakEngine();
  if (!services.speechService) throw new Error('This persona speaks through a voice service, but none is set up: set KATA_TTS_URL (and KATA_TTS_API_KEY), or switch the persona to the offline voice.');
  return createHttpSpeechEngine(services.speechService);
}

/** The voice's loudness every `step` seconds (root mean square, 1 = its loudest moment). */
export async function loudnessEnvelope(wavPath: string, step: number): Promise<{ step: number; values: number[] }> {
  const audio = await readPcmWav(wavPath);
  const window = Math.max(1, Math.round(audio.sampleRate * step));
  const values: number[] = [];
  for (let start = 0; start < audio.amplitudes.length; start += window) {
    let sum = 0;
    const end = Math.min(audio.amplitudes.length, start + window);
    for (let i = start; i < end; i++) sum += audio.amplitudes[i]! * audio.amplitudes[i]!;
    values.push(Math.sqrt(sum / (end - start)));
  }
  const loudest = Math.max(...values, 1);
  return { step, values: values.map((v) => Math.round((v / loudest) * 100) / 100) };
}

/** The script as one spoken text: hook, body, call to action. */
export function spokenText(script: Script): string {
  return [script.hook.text, script.body.text, script.cta.text].map((t) => t.trim()).filter(Boolean).join(' ');
}

/**
 * Speaks the script in the persona's voice (offline, espeak-ng) and builds
 * the composition for one platform; the same voice file serves every
 * platform, so it is made once per script text and voice.
 */
export async function makeInfluencerVideo(options: {
  services: StudioServices;
  persona: Persona;
  script: Script;
  presets: PresetId[];
  portraitPath: string;
  musicPath?: string;
  /** Product shots or B-roll to cut in between the sections. */
  brollPaths?: string[];
  signal?: AbortSignal;
}): Promise<{ compositions: Composition[]; voicePath: string; words: { word: string; start: number; end: number }[] }> {
  const { persona, script, services } = options;
  const { ffprobePath } = await services.ffmpegBinaries();
  const text = spokenText(script);
  const key = createHash('sha256').update(JSON.stringify([text, persona.voice])).digest('hex').slice(0, 16);
  const folder = join(services.dataDir, 'voice');
  await mkdir(folder, { recursive: true });
  const spoken = await speechEngineFor(persona, services).speak({ text, voiceId: persona.voice.voiceId, ratePercent: persona.voice.ratePercent, pitchPercent: persona.voice.pitchPercent, outputPath: join(folder, `${key}.wav`), signal: options.signal });
  const broll = await Promise.all((options.brollPaths ?? []).map((path) => probeMedia({ ffprobePath, path })));
  const [portrait, voice, music] = await Promise.all([
    probeMedia({ ffprobePath, path: options.portraitPath }),
    probeMedia({ ffprobePath, path: spoken.outputPath }),
    options.musicPath ? probeMedia({ ffprobePath, path: options.musicPath }) : Promise.resolve(null),
  ]);
  const loudness = await loudnessEnvelope(spoken.outputPath, 0.25);
  const compositions = options.presets.map((preset) =>
    influencerComposition({
      id: `${script.id}-${preset}`,
      persona,
      script,
      preset,
      portrait: mediaOf('portrait', portrait),
      voice: { media: mediaOf('voice', voice), words: spoken.words },
      music: music ? mediaOf('music', music) : undefined,
      broll: broll.map((info, i) => mediaOf(`broll-${i + 1}`, info)),
      loudness,
    }),
  );
  return { compositions, voicePath: spoken.outputPath, words: spoken.words };
}
