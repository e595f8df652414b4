import type { AudioClip, Composition, VideoClip } from '../../../shared/composition/schema';
import { clipDuration, clipEnd } from '../../../shared/composition/timeline';
import { num } from './filter-graph';
import type { CompileContext } from './layers';

type Role = AudioClip['role'];

/** atempo takes 0.5..2 per instance: chain them for 0.25..4. */
function tempo(speed: number): string[] {
  const filters: string[] = [];
  let rest = speed;
  while (rest > 2) {
    filters.push('atempo=2');
    rest /= 2;
  }
  while (rest < 0.5) {
    filters.push('atempo=0.5');
    rest /= 0.5;
  }
  if (Math.abs(rest - 1) > 1e-6) filters.push(`atempo=${num(rest)}`);
  return filters;
}

function mixOf(ctx: CompileContext, labels: string[], name: string): string {
  if (labels.length === 1) return labels[0]!;
  return ctx.graph.chain(labels, [`amix=inputs=${labels.length}:normalize=0:duration=longest:dropout_transition=0`], ctx.graph.label(name));
}

/**
 * Mixes every sound of the composition: per-clip gain, speed and fades,
 * music ducked under voice, then loudness-normalised to the target.
 * Returns the label of the finished stereo 48 kHz mix.
 */
export function buildAudioMix(composition: Composition, ctx: CompileContext, loudnessLufs: number): string {
  const { graph } = ctx;
  const buses: Record<Role, string[]> = { voice: [], music: [], effect: [] };
  const windowLength = ctx.window.end - ctx.window.start;

  const add = (clip: VideoClip | AudioClip, input: string, speed: number, role: Role) => {
    const from = Math.max(clip.start, ctx.window.start);
    const to = Math.min(clipEnd(clip), ctx.window.end);
    if (to - from < 1e-6) return;
    const skip = from - clip.start;
    const duration = clipDuration(clip);
    const filters = ['asetpts=PTS-STARTPTS', ...tempo(speed), 'aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo'];
    if (clip.volume !== 1) filters.push(`volume=${num(clip.volume)}`);
    if (clip.fadeIn > skip) filters.push(`afade=t=in:st=0:d=${num(clip.fadeIn - skip)}`);
    if (clip.fadeOut > 0) filters.push(`afade=t=out:st=${num(Math.max(0, duration - clip.fadeOut - skip))}:d=${num(clip.fadeOut)}`);
    const delay = Math.round((from - ctx.window.start) * 1000);
    if (delay > 0) filters.push(`adelay=delays=${delay}:all=1`);
    buses[role].push(graph.chain([input], filters, graph.label(`clip-${clip.id}-sound`)));
  };

  for (const track of composition.tracks) {
    if (track.kind === 'visual') {
      if (track.hidden) continue;
      for (const clip of track.clips) {
        if (clip.kind !== 'video' || clip.volume === 0) continue;
        const media = ctx.media.get(clip.mediaId);
        const input = ctx.videoInputs.get(clip.id);
        if (!media?.hasAudio || input === undefined) continue;
        // Speed ramps keep their sound in step at the ramp's average speed.
        const speed = (clip.out - clip.in) / clipDuration(clip);
        add(clip, `${input}:a`, speed, 'voice');
      }
    } else if (!track.muted) {
      for (const clip of track.clips) {
        if (clip.volume === 0) continue;
        const media = ctx.media.get(clip.mediaId)!;
        const from = Math.max(clip.start, ctx.window.start);
        const skip = Math.max(0, from - clip.start);
        const seconds = clip.out - clip.in - skip;
        if (seconds <= 0 || clip.start >= ctx.window.end) continue;
        const input = ctx.inputs.addSpan(media.path, clip.in + skip, Math.min(seconds, windowLength));
        add(clip, `${input}:a`, 1, clip.role);
      }
    }
  }

  const parts: string[] = [];
  const voice = buses.voice.length > 0 ? mixOf(ctx, buses.voice, 'voice') : null;
  const music = buses.music.length > 0 ? mixOf(ctx, buses.music, 'music') : null;
  if (voice && music) {
    // Music dips while someone speaks; the padded key keeps the music going after the voice ends.
    const [heard, key] = [graph.label('voice-heard'), graph.label('voice-key')];
    graph.chain([voice], ['asplit=2'], `${heard}][${key}`);
    const paddedKey = graph.chain([key], ['apad'], graph.label('voice-key-padded'));
    parts.push(heard, graph.chain([music, paddedKey], ['sidechaincompress=threshold=0.02:ratio=10:attack=15:release=350:makeup=1'], graph.label('music-ducked')));
  } else {
    if (voice) parts.push(voice);
    if (music) parts.push(music);
  }
  if (buses.effect.length > 0) parts.push(mixOf(ctx, buses.effect, 'effects'));

  if (parts.length === 0) {
    return graph.chain([], [`anullsrc=r=48000:cl=stereo`, `atrim=duration=${num(windowLength)}`], graph.label('silence'));
  }
  const mixed = mixOf(ctx, parts, 'mix');
  return graph.chain([mixed], [`loudnorm=I=${num(loudnessLufs)}:TP=-1.5:LRA=11`, 'aresample=48000', 'aformat=channel_layouts=stereo', 'apad', `atrim=duration=${num(windowLength)}`], graph.label('sound'));
}
