import { presetById, type PresetId } from '../composition/presets';
import { COMPOSITION_VERSION, compositionSchema, type Composition, type Media } from '../composition/schema';
import type { Persona } from './persona';
import { countWords, type Script } from './script';

export interface SpokenWord {
  word: string;
  start: number;
  end: number;
}

/** Groups spoken words into short caption cues (a few words at a time, as short-form captions read). */
export function captionChunks(words: SpokenWord[], options: { maxWords?: number; maxSeconds?: number } = {}): { start: number; end: number; text: string; words: { text: string; start: number; end: number }[] }[] {
  const maxWords = options.maxWords ?? 3;
  const maxSeconds = options.maxSeconds ?? 1.6;
  const cues: { start: number; end: number; text: string; words: { text: string; start: number; end: number }[] }[] = [];
  let current: SpokenWord[] = [];
  const flush = () => {
    if (current.length === 0) return;
    cues.push({ start: current[0]!.start, end: current[current.length - 1]!.end, text: current.map((w) => w.word).join(' '), words: current.map((w) => ({ text: w.word, start: w.start, end: w.end })) });
    current = [];
  };
  for (const word of words) {
    if (current.length >= maxWords || (current.length > 0 && word.end - current[0]!.start > maxSeconds) || /[.!?]$/.test(current.at(-1)?.word ?? '')) flush();
    current.push(word);
  }
  flush();
  // Each cue stays up until the next begins, so captions do not flicker between words.
  return cues.map((cue, i) => ({ ...cue, end: Math.max(cue.end, Math.min(cues[i + 1]?.start ?? cue.end, cue.end + 0.4)) }));
}

/**
 * Turns a persona and a spoken script into a composition: the portrait with a
 * slow push-in and a breathing sway, captions in the persona's style, the
 * hook as a title, an end card with the call to action, the voice over a
 * ducked music bed, and the "AI-generated" label where the persona asks.
 */
export function influencerComposition(options: {
  id: string;
  persona: Persona;
  script: Script;
  preset: PresetId;
  portrait: Media;
  voice: { media: Media; words: SpokenWord[] };
  music?: Media;
  /** Product shots or B-roll cut in between the sections (after the hook, after the body). */
  broll?: Media[];
  /** The voice's loudness (0..1) every `step` seconds: drives the speaking cue. */
  loudness?: { step: number; values: number[] };
}): Composition {
  const { persona, script, portrait, voice } = options;
  const preset = presetById(options.preset);
  const { width: W, height: H } = preset;
  const spoken = voice.media.durationSeconds ?? Math.max(1, voice.words.at(-1)?.end ?? 1);
  const endCard = 3;
  const duration = Math.round((spoken + endCard) * 100) / 100;
  const aspect = portrait.width && portrait.height ? portrait.width / portrait.height : 3 / 4;
  // The portrait covers the frame (framing tightens it), then slowly pushes in.
  const framing = { 'close-up': 1.25, medium: 1.1, wide: 1 }[persona.look.framing];
  const baseWidth = Math.max(W, H * aspect) * framing;
  const safe = preset.safeArea;
  const style = persona.look.captionStyle;
  const broll = options.broll ?? [];
  const media = [portrait, voice.media, ...(options.music ? [options.music] : []), ...broll];
  // Where the sections meet in the speech: after the hook's last word, after the body's.
  const hookWords = countWords(script.hook.text);
  const bodyWords = countWords(script.body.text);
  const boundaries = [voice.words[hookWords - 1]?.end, voice.words[hookWords + bodyWords - 1]?.end].filter((t): t is number => t !== undefined && t < spoken - 1);
  const cutaways = boundaries.slice(0, broll.length).map((at, i) => {
    const shot = broll[i]!;
    const length = Math.min(2, spoken - at - 0.5, shot.durationSeconds ?? 2);
    const shape = shot.width && shot.height ? shot.width / shot.height : W / H;
    const cover = shape > W / H ? { width: Math.round(H * shape), height: H } : { width: W, height: Math.round(W / shape) };
    const common = { id: `cutaway-${i + 1}`, mediaId: shot.id, start: at, fadeIn: 0.2, fadeOut: 0.2, transform: { x: W / 2, y: H / 2, ...cover } };
    return shot.kind === 'video' ? { kind: 'video' as const, ...common, in: 0, out: length, volume: 0 } : { kind: 'image' as const, ...common, duration: length };
  });
  const aiLabel = persona.disclosure.aiLabel;

  return compositionSchema.parse({
    version: COMPOSITION_VERSION,
    id: options.id,
    name: `${persona.name}: ${script.title}`,
    preset: options.preset,
    canvas: { width: W, height: H, fps: preset.fps, duration, background: { kind: 'color', color: persona.look.background } },
    media,
    tracks: [
      {
        kind: 'visual',
        id: 'portrait',
        name: 'Portrait',
        clips: [
          {
            kind: 'image',
            id: 'portrait',
            mediaId: portrait.id,
            start: 0,
            duration: spoken,
            transform: {
              x: W / 2,
              y: { keyframes: [0, 1, 2, 3, 4].map((i) => ({ t: (spoken * i) / 4, value: H / 2 + (i % 2 === 0 ? 0 : -H * 0.006), easing: 'easeInOut' as const })) },
              width: { keyframes: [{ t: 0, value: Math.round(baseWidth), easing: 'easeInOut' as const }, { t: spoken, value: Math.round(baseWidth * 1.08) }] },
            },
            fadeOut: 0.3,
          },
        ],
      },
      ...(cutaways.length > 0 ? [{ kind: 'visual' as const, id: 'cutaways', name: 'Product shots', clips: cutaways }] : []),
      ...(options.loudness && options.loudness.values.length > 1
        ? [
            {
              kind: 'visual' as const,
              id: 'speaking-cue',
              name: 'Speaking cue',
              // A level bar that rises and falls with the voice, so the picture visibly speaks.
              clips: [
                {
                  kind: 'color' as const,
                  id: 'speaking-cue',
                  color: persona.look.palette[1] ?? persona.look.palette[0] ?? '#ff6bb5',
                  start: 0,
                  duration: spoken,
                  transform: {
                    x: W / 2,
                    y: safe.top + Math.round(H * 0.13),
                    width: { keyframes: options.loudness.values.map((level, i) => ({ t: Math.min(spoken, i * options.loudness!.step), value: Math.round(W * (0.04 + 0.2 * Math.min(1, Math.max(0, level)))) })).filter((k, i, all) => i === 0 || k.t > all[i - 1]!.t) },
                    height: Math.round(H * 0.008),
                  },
                },
              ],
            },
          ]
        : []),
      {
        kind: 'visual',
        id: 'end-card',
        name: 'End card',
        clips: [
          { kind: 'color', id: 'end-card', color: persona.look.palette[0] ?? '#7c6cff', start: spoken, duration: endCard, transform: { x: W / 2, y: H / 2, width: W, height: H }, fadeIn: 0.3 },
        ],
      },
      {
        kind: 'visual',
        id: 'cta',
        name: 'Call to action',
        clips: [
          { kind: 'text', id: 'cta', start: spoken + 0.2, duration: endCard - 0.2, text: script.cta.text.replace(/\s+/g, ' ').slice(0, 160), x: W / 2, y: H / 2, style: { size: Math.round(W / 16), color: '#ffffff', outline: 0, bold: true } },
        ],
      },
      {
        kind: 'visual',
        id: 'titles',
        name: 'Titles',
        clips: [
          { kind: 'text', id: 'hook', start: 0.1, duration: Math.min(2.5, spoken), text: script.hook.text.split(/(?<=[.!?])\s/)[0]!.slice(0, 90), x: W / 2, y: safe.top + H * 0.08, fadeIn: 0.2, fadeOut: 0.2, style: { size: Math.round(W / 15), color: style.highlight, outline: 4, bold: true } },
        ],
      },
      {
        kind: 'visual',
        id: 'label',
        name: 'AI label',
        clips: [
          ...(aiLabel !== 'none'
            ? [{ kind: 'text' as const, id: 'ai-label', start: 0, duration: aiLabel === 'whole-video' ? duration : Math.min(4, duration), text: 'AI-generated', x: safe.left + 20, y: safe.top + 30, align: 'left' as const, style: { size: Math.round(W / 36), color: '#ffffff', outline: 0, bold: true, background: '#000000a0' } }]
            : []),
        ],
      },
      { kind: 'audio', id: 'voice', name: 'Voice', clips: [{ kind: 'audio', id: 'voice', mediaId: voice.media.id, start: 0, in: 0, out: spoken, role: 'voice' }] },
      ...(options.music
        ? [{ kind: 'audio' as const, id: 'music', name: 'Music', clips: [{ kind: 'audio' as const, id: 'music', mediaId: options.music.id, start: 0, in: 0, out: Math.min(duration, options.music.durationSeconds ?? duration), role: 'music' as const, volume: 0.6, fadeOut: 1.5 }] }]
        : []),
    ],
    captions: {
      cues: captionChunks(voice.words),
      style: { size: style.size, color: style.color, outline: 4, bold: true },
      highlight: style.highlight,
      position: 'bottom',
    },
  });
}
