import type { Persona } from './persona';
import { defaultTargetSeconds, estimateSeconds, SCRIPT_VERSION, type Script } from './script';
import { phrasebooks } from './templates';

/** A small seeded random source (mulberry32): the same seed writes the same scripts on every machine. */
export function seededRandom(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
  let state = (h << 13) | (h >>> 19);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

export interface GenerateOptions {
  persona: Persona;
  /** Which product of the persona's brand the script sells (by name); the first one otherwise. */
  productName?: string;
  platform: keyof typeof defaultTargetSeconds;
  variants: number;
  seed: string;
  /** Ids for the new scripts, one per variant. */
  ids: string[];
}

/**
 * The offline script writer: hook, body and call to action from the persona's
 * tone, the brand's notes and the product's benefits, each variant opening
 * differently, each as long as the platform wants without running over.
 */
export function generateScripts(options: GenerateOptions): Script[] {
  const { persona } = options;
  const product = persona.brand.products.find((p) => p.name === options.productName) ?? persona.brand.products[0] ?? { name: persona.niche, benefits: [] };
  const benefits = product.benefits.length > 0 ? product.benefits : [`makes ${persona.niche} easier`, 'fits into a busy day', 'looks great'];
  const book = phrasebooks[persona.tone.style];
  const random = seededRandom(`${options.seed}:${persona.id}:${options.platform}`);
  const target = defaultTargetSeconds[options.platform];
  const rate = persona.voice.ratePercent;
  const fill = (text: string, benefit = '') =>
    text.replaceAll('{product}', product.name).replaceAll('{niche}', persona.niche).replaceAll('{brand}', persona.brand.brandName || product.name).replaceAll('{handle}', persona.handle).replaceAll('{benefit}', benefit.replace(/\.$/, ''));

  const hooks = shuffled(book.hooks, random);
  const ctas = shuffled(book.ctas, random);
  const count = Math.max(1, Math.min(options.variants, hooks.length, options.ids.length));
  const scripts: Script[] = [];
  for (let v = 0; v < count; v++) {
    const aiLine = persona.disclosure.aiLabel !== 'none' ? ' (I am an AI creator.)' : '';
    const hook = `${fill(hooks[v]!)}${v === 0 ? aiLine : ''}`.trim();
    const adLine = persona.disclosure.paidPartnership ? ` #ad Paid partnership with ${persona.brand.brandName || product.name}.` : '';
    const cta = `${fill(ctas[v % ctas.length]!)}${adLine}${v === 0 ? '' : aiLine}`.trim();
    // The body says each benefit once, with a short bridge now and then, while the whole still fits the platform's length.
    const sentences: string[] = [];
    const order = shuffled(benefits, random);
    const phrases = shuffled(book.benefits, random);
    const bridges = shuffled(book.bridges, random);
    for (let i = 0; i < order.length; i++) {
      const next = [...(i > 0 && random() < 0.5 ? [bridges[i % bridges.length]!] : []), fill(phrases[i % phrases.length]!, order[i]!)];
      if (estimateSeconds(`${hook} ${[...sentences, ...next].join(' ')} ${cta}`, rate) > target) break;
      sentences.push(...next);
    }
    if (persona.brand.notes && estimateSeconds(`${hook} ${sentences.join(' ')} ${persona.brand.notes} ${cta}`, rate) <= target) sentences.push(persona.brand.notes.trim());
    scripts.push({
      version: SCRIPT_VERSION,
      id: options.ids[v]!,
      personaId: persona.id,
      title: `${product.name} for ${options.platform} #${v + 1}`,
      hook: { text: hook },
      body: { text: sentences.join(' ') },
      cta: { text: cta },
      targets: { [options.platform]: target },
    });
  }
  return scripts;
}
