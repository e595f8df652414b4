import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parsePersona } from '../../shared/influencer/persona';
import { parseScript } from '../../shared/influencer/script';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { makeAudio, makeImage } from '../../../test/media-fixtures';
import { colors, frameAt, near, probeOutput } from '../../../test/pixels';
import { testServices } from '../../../test/studio-services';
import { compileComposition } from '../render/compile/compile-composition';
import { runFfmpeg } from '../render/ffmpeg-runner';
import { appRouter } from '../router';
import type { StudioServices } from '../services';

const persona = parsePersona({ version: 1, id: 'maya', name: 'Maya', handle: '@maya.makes', niche: 'home coffee', platforms: ['tiktok', 'youtube-shorts'], look: { background: '#203040', palette: ['#7c6cff'] } });
const script = parseScript({ version: 1, id: 'script-1', personaId: 'maya', title: 'Bottle', hook: { text: 'Stop scrolling.' }, body: { text: 'This bottle keeps coffee hot all day.' }, cta: { text: 'Link below. #ad' } });
let services: StudioServices;
let portrait: string;
let music: string;
let shot: string;

beforeAll(async () => {
  services = await testServices();
  [portrait, music, shot] = await Promise.all([makeImage({ width: 384, height: 512, color: '#c08060' }), makeAudio({ seconds: 12, hz: 220 }), makeImage({ width: 400, height: 400, color: '#00ff00' })]);
});

describe('an influencer video from persona and script', () => {
  it('speaks the script and builds a composition per platform that renders with captions and the AI label', async () => {
    const [tiktok, shorts] = await appRouter.createCaller({ services }).influencer.createVideo({ persona, script, presets: ['tiktok', 'youtube-shorts'], portraitPath: portrait, musicPath: music, brollPaths: [shot] });
    expect(tiktok!.preset).toBe('tiktok');
    expect(shorts!.preset).toBe('youtube-shorts');
    const voice = tiktok!.media.find((m) => m.id === 'voice')!;
    expect(voice.durationSeconds).toBeGreaterThan(2);
    expect(tiktok!.canvas.duration).toBeCloseTo(voice.durationSeconds! + 3, 1);
    const cues = tiktok!.captions!.cues;
    const words = (text: string) => text.toLowerCase().replace(/[^a-z\s]/g, '').split(/\s+/).filter(Boolean);
    expect(words(cues.map((c) => c.text).join(' '))).toEqual(words('Stop scrolling. This bottle keeps coffee hot all day. Link below. #ad'));

    const output = join(await tempDir('influencer'), 'maya.mp4');
    const { ffmpegPath } = await services.ffmpegBinaries();
    await runFfmpeg({ ffmpegPath, invocation: compileComposition(tiktok!, { kind: 'video', encoder: { preset: 'ultrafast' } }), outputPath: output });
    const probe = await probeOutput(output);
    expect(probe.video).toMatchObject({ width: 1080, height: 1920 });
    expect(probe.audio?.codec).toBe('aac');
    expect(Math.abs(probe.durationSeconds - tiktok!.canvas.duration)).toBeLessThan(0.1);

    // During speech: a caption in the lower safe area, and the AI label's dark box at the top left.
    const during = await frameAt(output, cues[1]!.start + 0.1);
    let captionPixels = 0;
    let spokenPixels = 0;
    for (let y = 1000; y < 1920 - 480; y += 6) {
      for (let x = 100; x < 940; x += 6) {
        if (near(during.at(x, y, 0), colors.white, 40)) captionPixels++;
        if (near(during.at(x, y, 0), [255, 216, 74], 40)) spokenPixels++;
      }
    }
    // Words not yet spoken are white; the word being spoken lights up in the persona's highlight colour.
    expect(captionPixels).toBeGreaterThan(30);
    expect(spokenPixels).toBeGreaterThan(10);
    // The label's box (black at 63 %) darkens the portrait just left of the text.
    expect(Math.max(...during.at(74, 190, 1))).toBeLessThan(110);
    expect(Math.max(...during.at(40, 190, 1))).toBeGreaterThan(150);
    // The speaking cue follows the voice: widest where it is loudest, narrow in silence.
    const cue = tiktok!.tracks.flatMap((t): unknown[] => t.clips).find((c) => (c as { id: string }).id === 'speaking-cue') as { transform: { width: { keyframes: { value: number }[] } } };
    const widths = cue.transform.width.keyframes.map((k) => k.value);
    expect(Math.max(...widths)).toBeGreaterThan(Math.min(...widths) * 3);
    // The product shot cuts in when the hook ends.
    const cutaway = tiktok!.tracks.flatMap((t): { id: string; start: number }[] => t.clips).find((c) => c.id === 'cutaway-1')!;
    expect(near((await frameAt(output, cutaway.start + 0.6)).at(540, 700, 3), colors.green)).toBe(true);
    // The end card takes over after the voice.
    const end = await frameAt(output, tiktok!.canvas.duration - 1);
    expect(near(end.at(100, 1700, 4), [124, 108, 255], 45)).toBe(true);
  });
});
