import type { Script, ScriptSection } from './script';

export interface SafetyRules {
  /** Words the campaign forbids. */
  bannedWords: string[];
  competitors: string[];
  /** The video is paid for: it must say so. */
  requireAdDisclosure: boolean;
  /** The persona is synthetic: the script must say so too. */
  requireAiDisclosure: boolean;
}

export interface SafetyFinding {
  rule: 'banned-word' | 'absolute-claim' | 'competitor' | 'missing-ad-disclosure' | 'missing-ai-disclosure' | 'soft-claim';
  severity: 'block' | 'warn';
  message: string;
  /** Where, for highlighting; missing disclosures point at the call to action as a whole. */
  section: ScriptSection;
  start: number;
  end: number;
}

export interface SafetyReport {
  /** 100 is clean; each blocking finding costs 40, each warning 10. */
  score: number;
  passed: boolean;
  findings: SafetyFinding[];
}

/** Health and money promises no ad may make. */
const absoluteClaims = [
  'cure', 'cures', 'cured', 'heals', 'guaranteed', 'guarantee', 'guaranteed returns', 'risk-free', 'risk free', '100% effective',
  'miracle', 'never get sick', 'get rich', 'double your money', 'lose weight fast', 'instant results', 'no side effects',
];
/** Claims that need evidence on file: allowed, flagged for a second look. */
const softClaims = ['clinically proven', 'doctor recommended', 'scientifically proven', 'best in the world', 'number one'];
const adMarkers = ['#ad', '#sponsored', 'paid partnership', 'sponsored', 'advertisement'];
const aiMarkers = ['ai creator', 'ai-generated', 'ai generated', '#ai', 'virtual influencer', 'synthetic influencer', 'made with ai'];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function occurrences(text: string, phrase: string): { start: number; end: number }[] {
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}])${escape(phrase)}(?![\\p{L}\\p{N}])`, 'giu');
  return [...text.matchAll(pattern)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}

/** Checks a script against the campaign's rules and the law's: score, pass/fail, and every span to highlight. */
export function checkScriptSafety(script: Pick<Script, ScriptSection>, rules: SafetyRules): SafetyReport {
  const findings: SafetyFinding[] = [];
  const sections = ['hook', 'body', 'cta'] as const;
  for (const section of sections) {
    const text = script[section].text;
    const find = (phrases: string[], rule: SafetyFinding['rule'], severity: SafetyFinding['severity'], say: (p: string) => string) => {
      for (const phrase of phrases.filter(Boolean)) {
        for (const span of occurrences(text, phrase)) findings.push({ rule, severity, message: say(text.slice(span.start, span.end)), section, ...span });
      }
    };
    find(rules.bannedWords, 'banned-word', 'block', (w) => `"${w}" is on the campaign's banned list`);
    find(absoluteClaims, 'absolute-claim', 'block', (w) => `"${w}" is an absolute health or money promise ads may not make`);
    find(rules.competitors, 'competitor', 'block', (w) => `"${w}" is a competitor's name`);
    find(softClaims, 'soft-claim', 'warn', (w) => `"${w}" needs evidence on file before it runs`);
  }
  // Longer phrases win over the words inside them ("guaranteed returns" over "guaranteed").
  const kept = findings.filter((f) => !findings.some((g) => g !== f && g.section === f.section && g.start <= f.start && g.end >= f.end && g.end - g.start > f.end - f.start));
  const all = `${script.hook.text}\n${script.body.text}\n${script.cta.text}`;
  const mentions = (markers: string[]) => markers.some((m) => occurrences(all, m).length > 0);
  const whole = { section: 'cta' as const, start: 0, end: script.cta.text.length };
  if (rules.requireAdDisclosure && !mentions(adMarkers)) kept.push({ rule: 'missing-ad-disclosure', severity: 'block', message: 'A paid post must say so: add #ad or "Paid partnership with …"', ...whole });
  if (rules.requireAiDisclosure && !mentions(aiMarkers)) kept.push({ rule: 'missing-ai-disclosure', severity: 'block', message: 'Say the creator is AI-generated (e.g. "I am an AI creator")', ...whole });
  const blocks = kept.filter((f) => f.severity === 'block').length;
  const warns = kept.length - blocks;
  return { score: Math.max(0, 100 - 40 * blocks - 10 * warns), passed: blocks === 0, findings: kept };
}
