import { describe, expect, it } from 'vitest';
import { generateScripts } from './generator';
import { duplicatePersona, parsePersona, type Persona } from './persona';
import { checkScriptSafety, type SafetyRules } from './safety';
import { captionChunks, influencerComposition } from './video';
import { countWords, defaultTargetSeconds, estimateSeconds, parseScript, scriptTiming } from './script';

const persona = (tone: Persona['tone']['style'] = 'energetic'): Persona =>
  parsePersona({
    version: 1,
    id: 'maya',
    name: 'Maya',
    handle: '@maya.makes',
    niche: 'home coffee',
    tone: { style: tone },
    brand: {
      brandName: 'ThermoCo',
      products: [{ name: 'the ThermoCo bottle', benefits: ['keeps coffee hot for 12 hours', 'fits every cup holder', 'never leaks in a bag', 'cleans in a minute'] }],
      notes: 'Made from recycled steel.',
    },
  });

const rules: SafetyRules = { bannedWords: ['cheap'], competitors: ['HydroMax'], requireAdDisclosure: true, requireAiDisclosure: true };

describe('personas', () => {
  it('fill sensible defaults and refuse a bad handle, naming the field', () => {
    expect(persona().voice).toEqual({ engine: 'espeak', voiceId: 'gmw/en-US', ratePercent: 100, pitchPercent: 50 });
    expect(() => parsePersona({ version: 1, id: 'x', name: 'X', handle: 'maya makes', niche: 'coffee' })).toThrow(/handle: a handle looks like @maya.makes/);
  });
  it('duplicate into a variant that changes independently', () => {
    const original = persona();
    const copy = duplicatePersona(original, 'maya-2');
    copy.brand.products[0]!.benefits.push('new');
    expect(copy).toMatchObject({ id: 'maya-2', name: 'Maya (variant)' });
    expect(original.brand.products[0]!.benefits).toHaveLength(4);
  });
});

describe('script timing', () => {
  it('follows the voice rate and counts pauses', () => {
    expect(countWords("It's a 24-hour bottle, really.")).toBe(5);
    const normal = estimateSeconds('One two three four five. Six seven eight nine ten.', 100);
    expect(normal).toBeCloseTo(10 / 2.5 + 0.7);
    expect(estimateSeconds('One two three four five. Six seven eight nine ten.', 200)).toBeCloseTo(normal / 2);
    const timing = scriptTiming({ hook: { text: 'Hi there.' }, body: { text: '' }, cta: { text: 'Buy it.' } }, 100);
    expect(timing.total).toBeCloseTo(timing.hook + timing.cta);
  });
});

describe('the offline script writer', () => {
  for (const platform of Object.keys(defaultTargetSeconds) as (keyof typeof defaultTargetSeconds)[]) {
    it(`fits ${platform}'s length with distinct variants`, () => {
      const scripts = generateScripts({ persona: persona(), platform, variants: 3, seed: 'launch', ids: ['a', 'b', 'c'] });
      expect(scripts).toHaveLength(3);
      for (const script of scripts) {
        const seconds = scriptTiming(script, 100).total;
        expect(seconds).toBeLessThanOrEqual(defaultTargetSeconds[platform]);
        expect(seconds).toBeGreaterThan(defaultTargetSeconds[platform] * 0.4);
        expect(new Set(script.body.text.split('. ')).size).toBe(script.body.text.split('. ').length);
        expect(parseScript(script)).toEqual(script);
      }
      expect(new Set(scripts.map((s) => s.hook.text)).size).toBe(3);
      expect(new Set(scripts.map((s) => s.body.text)).size).toBeGreaterThan(1);
    });
  }

  it('is deterministic for a seed and changes with it', () => {
    const one = generateScripts({ persona: persona(), platform: 'tiktok', variants: 2, seed: 's1', ids: ['a', 'b'] });
    expect(generateScripts({ persona: persona(), platform: 'tiktok', variants: 2, seed: 's1', ids: ['a', 'b'] })).toEqual(one);
    expect(generateScripts({ persona: persona(), platform: 'tiktok', variants: 2, seed: 's2', ids: ['a', 'b'] })).not.toEqual(one);
  });

  it('writes in the persona\'s tone and passes the safety check it will face', () => {
    for (const tone of ['energetic', 'calm', 'authoritative', 'playful'] as const) {
      const [script] = generateScripts({ persona: persona(tone), platform: 'tiktok', variants: 1, seed: tone, ids: ['a'] });
      expect(`${script!.hook.text} ${script!.body.text}`).toMatch(/ThermoCo bottle|home coffee|It /);
      expect(checkScriptSafety(script!, rules)).toMatchObject({ passed: true, score: 100 });
    }
  });
});

describe('brand safety', () => {
  const clean = { hook: { text: 'I am an AI creator, and this bottle is great.' }, body: { text: 'It keeps coffee hot.' }, cta: { text: 'Link below. #ad Paid partnership with ThermoCo.' } };

  it('passes a clean script', () => {
    expect(checkScriptSafety(clean, rules)).toEqual({ score: 100, passed: true, findings: [] });
  });

  it.each([
    ['banned word', { ...clean, body: { text: 'Not cheap, but worth it.' } }, 'banned-word', 'body', 'cheap'],
    ['health claim', { ...clean, body: { text: 'It cures headaches.' } }, 'absolute-claim', 'body', 'cures'],
    ['money claim', { ...clean, hook: { text: 'AI creator here: guaranteed returns on every sip!' } }, 'absolute-claim', 'hook', 'guaranteed returns'],
    ['competitor', { ...clean, body: { text: 'Better than HydroMax.' } }, 'competitor', 'body', 'HydroMax'],
  ] as const)('blocks a %s and marks exactly where it is', (_name, script, rule, section, word) => {
    const report = checkScriptSafety(script, rules);
    expect(report.passed).toBe(false);
    expect(report.score).toBe(60);
    const [finding] = report.findings;
    expect(finding).toMatchObject({ rule, section, severity: 'block' });
    expect(script[section].text.slice(finding!.start, finding!.end)).toBe(word);
  });

  it('asks for the ad and AI disclosures when they are missing', () => {
    const report = checkScriptSafety({ hook: { text: 'Hello.' }, body: { text: 'Nice bottle.' }, cta: { text: 'Buy it.' } }, rules);
    expect(report.findings.map((f) => f.rule)).toEqual(['missing-ad-disclosure', 'missing-ai-disclosure']);
    expect(report.score).toBe(20);
  });

  it('only warns about claims that need evidence', () => {
    const report = checkScriptSafety({ ...clean, body: { text: 'Clinically proven to keep heat.' } }, rules);
    expect(report).toMatchObject({ passed: true, score: 90, findings: [{ rule: 'soft-claim', severity: 'warn' }] });
  });

  it('does not flag words that only contain a rule word', () => {
    expect(checkScriptSafety({ ...clean, body: { text: 'Procured from cheapside market, securely.' } }, rules).findings).toEqual([]);
  });
});

describe('the influencer video', () => {
  const words = 'Stop scrolling this bottle keeps coffee hot. Link below'.split(' ').map((word, i) => ({ word, start: i * 0.4, end: i * 0.4 + 0.3 }));
  const portrait = { id: 'portrait', path: '/m/maya.png', kind: 'image' as const, durationSeconds: null, width: 768, height: 1024, hasAudio: false };
  const voiceMedia = { id: 'voice', path: '/m/voice.wav', kind: 'audio' as const, durationSeconds: 4, width: null, height: null, hasAudio: true };
  const script = generateScripts({ persona: persona(), platform: 'tiktok', variants: 1, seed: 'v', ids: ['s'] })[0]!;

  it('groups words into short captions that stay up until the next one', () => {
    const cues = captionChunks(words);
    expect(cues.map((c) => c.text)).toEqual(['Stop scrolling this', 'bottle keeps coffee', 'hot.', 'Link below']);
    expect(cues[0]!.start).toBe(0);
    expect(cues[0]!.end).toBeCloseTo(1.2);
  });

  it('lays out portrait, titles, end card, voice, music and the AI label as a valid composition', async () => {
    const { validateComposition } = await import('../composition/validate');
    const music = { id: 'music', path: '/m/music.m4a', kind: 'audio' as const, durationSeconds: 60, width: null, height: null, hasAudio: true };
    const video = influencerComposition({ id: 'v1', persona: persona(), script, preset: 'tiktok', portrait, voice: { media: voiceMedia, words }, music });
    expect(validateComposition(video)).toEqual([]);
    expect(video.canvas).toMatchObject({ width: 1080, height: 1920, duration: 7 });
    expect(video.tracks.map((t) => t.id)).toEqual(['portrait', 'end-card', 'cta', 'titles', 'label', 'voice', 'music']);
    const clipsOf = (c: typeof video) => c.tracks.flatMap((t): { kind: string; id: string; text?: string }[] => t.clips);
    const labels = clipsOf(video).filter((c) => c.kind === 'text').map((c) => c.text);
    expect(labels).toContain('AI-generated');
    expect(video.captions?.cues).toHaveLength(4);
    const shot = { id: 'shot', path: '/m/shot.png', kind: 'image' as const, durationSeconds: null, width: 1000, height: 1000, hasAudio: false };
    const withShots = influencerComposition({ id: 'v3', persona: persona(), script: { ...script, hook: { text: 'Stop scrolling this bottle' }, body: { text: 'keeps coffee hot.' }, cta: { text: 'Link below' } }, preset: 'tiktok', portrait, voice: { media: voiceMedia, words }, broll: [shot] });
    expect(validateComposition(withShots)).toEqual([]);
    expect(clipsOf(withShots).find((c) => c.id === 'cutaway-1')).toMatchObject({ kind: 'image', start: expect.closeTo(1.5, 6), transform: { width: 1920, height: 1920 } });
    const quiet = influencerComposition({ id: 'v2', persona: { ...persona(), disclosure: { paidPartnership: true, aiLabel: 'none' } }, script, preset: 'youtube-shorts', portrait, voice: { media: voiceMedia, words } });
    expect(clipsOf(quiet).some((c) => c.id === 'ai-label')).toBe(false);
  });
});
