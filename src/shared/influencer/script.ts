import { z } from 'zod';
import { parseOrThrow } from '../validation';
import { upgradeDocument, type UpgradeStep } from '../versioning';
import type { personaPlatforms } from './persona';

export const SCRIPT_VERSION = 1;
export const scriptUpgradeSteps: readonly UpgradeStep[] = [];

export const scriptSections = ['hook', 'body', 'cta'] as const;
export type ScriptSection = (typeof scriptSections)[number];

/** How long each platform's video should run, in seconds, unless the script says otherwise. */
export const defaultTargetSeconds: Record<(typeof personaPlatforms)[number], number> = {
  tiktok: 30,
  'instagram-reels': 30,
  'youtube-shorts': 40,
  'linkedin-square': 45,
};

const section = z.object({ text: z.string().max(2000).default('') });

export const scriptSchema = z.object({
  version: z.literal(SCRIPT_VERSION),
  id: z.string().min(1).max(64),
  personaId: z.string().min(1),
  title: z.string().trim().min(1).max(120),
  hook: section,
  body: section,
  cta: section,
  /** Seconds per platform, overriding the defaults. */
  targets: z.record(z.string(), z.number().min(5).max(600)).default({}),
});
export type Script = z.infer<typeof scriptSchema>;

export function parseScript(raw: unknown): Script {
  return parseOrThrow(scriptSchema, upgradeDocument({ kind: 'script', doc: raw, currentVersion: SCRIPT_VERSION, steps: scriptUpgradeSteps }), 'script');
}

/** Words a voice speaks per second at normal rate (about 150 words a minute), scaled by the voice's rate. */
export function wordsPerSecond(ratePercent: number): number {
  return 2.5 * (ratePercent / 100);
}

export function countWords(text: string): number {
  return (text.match(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu) ?? []).length;
}

/** Seconds a text takes to say: its words at the voice's pace, plus short pauses at sentence ends and commas. */
export function estimateSeconds(text: string, ratePercent: number): number {
  const words = countWords(text);
  if (words === 0) return 0;
  const stops = (text.match(/[.!?]+(\s|$)/g) ?? []).length;
  const commas = (text.match(/[,;:—–]/g) ?? []).length;
  return words / wordsPerSecond(ratePercent) + (0.35 * stops + 0.15 * commas) * (100 / ratePercent);
}

/** Each section's estimated length and the total, for the live timing panel. */
export function scriptTiming(script: Pick<Script, ScriptSection>, ratePercent: number): Record<ScriptSection | 'total', number> {
  const hook = estimateSeconds(script.hook.text, ratePercent);
  const body = estimateSeconds(script.body.text, ratePercent);
  const cta = estimateSeconds(script.cta.text, ratePercent);
  return { hook, body, cta, total: hook + body + cta };
}
