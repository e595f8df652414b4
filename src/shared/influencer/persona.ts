import { z } from 'zod';
import { parseOrThrow } from '../validation';
import { upgradeDocument, type UpgradeStep } from '../versioning';

export const PERSONA_VERSION = 1;
/** Upgrade steps for stored personas; append one per version bump, never edit a released one. */
export const personaUpgradeSteps: readonly UpgradeStep[] = [];

export const personaPlatforms = ['tiktok', 'instagram-reels', 'youtube-shorts', 'linkedin-square'] as const;
export const toneStyles = ['energetic', 'calm', 'authoritative', 'playful'] as const;
export type ToneStyle = (typeof toneStyles)[number];

const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'use a colour like #1a2b3c');

export const personaSchema = z.object({
  version: z.literal(PERSONA_VERSION),
  id: z.string().min(1).max(64),
  name: z.string().trim().min(1, 'a persona needs a name').max(80),
  handle: z.string().trim().regex(/^@[A-Za-z0-9_.]{2,30}$/, 'a handle looks like @maya.makes (letters, digits, _ and .)'),
  niche: z.string().trim().min(1, 'say what the persona is about, e.g. "home coffee"').max(120),
  audience: z.string().trim().max(200).default(''),
  platforms: z.array(z.enum(personaPlatforms)).min(1, 'choose at least one platform').default(['tiktok']),
  tone: z.object({ style: z.enum(toneStyles).default('energetic'), description: z.string().max(500).default('') }).default({ style: 'energetic', description: '' }),
  voice: z
    .object({
      engine: z.enum(['espeak', 'http']).default('espeak'),
      voiceId: z.string().min(1).default('gmw/en-US'),
      ratePercent: z.number().min(50).max(200).default(100),
      pitchPercent: z.number().min(0).max(100).default(50),
    })
    .default({ engine: 'espeak', voiceId: 'gmw/en-US', ratePercent: 100, pitchPercent: 50 }),
  look: z
    .object({
      portraitMediaId: z.string().optional(),
      framing: z.enum(['close-up', 'medium', 'wide']).default('close-up'),
      background: color.default('#1b1d26'),
      palette: z.array(color).max(6).default(['#7c6cff', '#ff6bb5']),
      captionStyle: z.object({ color: color.default('#ffffff'), highlight: color.default('#ffd84a'), size: z.number().min(20).max(200).default(72) }).default({ color: '#ffffff', highlight: '#ffd84a', size: 72 }),
    })
    .default({ framing: 'close-up', background: '#1b1d26', palette: ['#7c6cff', '#ff6bb5'], captionStyle: { color: '#ffffff', highlight: '#ffd84a', size: 72 } }),
  brand: z
    .object({
      campaignId: z.string().optional(),
      brandName: z.string().max(80).default(''),
      products: z.array(z.object({ name: z.string().min(1).max(80), benefits: z.array(z.string().min(1).max(160)).max(12).default([]) })).max(10).default([]),
      notes: z.string().max(2000).default(''),
      /** The campaign's safety rules for this persona's scripts. */
      bannedWords: z.array(z.string().min(1).max(60)).max(200).default([]),
      competitors: z.array(z.string().min(1).max(60)).max(100).default([]),
    })
    .default({ brandName: '', products: [], notes: '', bannedWords: [], competitors: [] }),
  disclosure: z
    .object({
      /** The video is paid for by a brand: it must say so (#ad, "Paid partnership"). */
      paidPartnership: z.boolean().default(true),
      /** Where the "AI-generated" label shows: the whole video, the first seconds, or nowhere (not allowed where the law asks for it). */
      aiLabel: z.enum(['whole-video', 'first-seconds', 'none']).default('whole-video'),
    })
    .default({ paidPartnership: true, aiLabel: 'whole-video' }),
});
export type Persona = z.infer<typeof personaSchema>;
export type PersonaInput = z.input<typeof personaSchema>;

export function parsePersona(raw: unknown): Persona {
  return parseOrThrow(personaSchema, upgradeDocument({ kind: 'persona', doc: raw, currentVersion: PERSONA_VERSION, steps: personaUpgradeSteps }), 'persona');
}

/** A copy to try a variant: new id, "(variant)" added to the name, everything else the same. */
export function duplicatePersona(persona: Persona, newId: string): Persona {
  return { ...(JSON.parse(JSON.stringify(persona)) as Persona), id: newId, name: `${persona.name} (variant)`.slice(0, 80) };
}
