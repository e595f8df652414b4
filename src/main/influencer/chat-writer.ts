import pRetry, { AbortError } from 'p-retry';
import { z } from 'zod';
import type { Persona } from '../../shared/influencer/persona';
import { defaultTargetSeconds, SCRIPT_VERSION, wordsPerSecond, type Script } from '../../shared/influencer/script';

export interface ChatEndpoint {
  /** e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (any OpenAI-compatible server). */
  baseUrl: string;
  model: string;
  /** Kept in main; never sent to the renderer or written to logs. */
  apiKey?: string;
  timeoutMs?: number;
  /** Attempts after the first, for timeouts and 5xx/429 answers. */
  retries?: number;
}

export class ScriptWriterError extends Error {
  override name = 'ScriptWriterError';
}

const reply = z.object({ choices: z.array(z.object({ message: z.object({ content: z.string() }) })).min(1) });
const variantsSchema = z.object({
  variants: z.array(z.object({ hook: z.string().min(1), body: z.string().min(1), cta: z.string().min(1) })).min(1),
});

function prompt(persona: Persona, platform: keyof typeof defaultTargetSeconds, variants: number, productName?: string): { role: string; content: string }[] {
  const product = persona.brand.products.find((p) => p.name === productName) ?? persona.brand.products[0];
  const seconds = defaultTargetSeconds[platform];
  const words = Math.floor(seconds * wordsPerSecond(persona.voice.ratePercent) * 0.9);
  return [
    {
      role: 'system',
      content:
        'You write short-form video scripts for a synthetic influencer. Each script has a hook, a body and a call to action. ' +
        'Never promise health cures or financial returns, never name competitors. ' +
        'Answer only with JSON: {"variants":[{"hook":"…","body":"…","cta":"…"}]}.',
    },
    {
      role: 'user',
      content: [
        `Persona: ${persona.name} (${persona.handle}), niche: ${persona.niche}, audience: ${persona.audience || 'general'}.`,
        `Tone: ${persona.tone.style}. ${persona.tone.description}`,
        product ? `Product: ${product.name}. Benefits: ${product.benefits.join('; ') || 'none given'}.` : '',
        persona.brand.notes ? `Brand notes: ${persona.brand.notes}` : '',
        `Platform: ${platform}; at most ${words} words in all.`,
        persona.disclosure.paidPartnership ? `End the call to action with "#ad Paid partnership with ${persona.brand.brandName || product?.name || 'the brand'}."` : '',
        persona.disclosure.aiLabel !== 'none' ? 'Say once that the creator is an AI creator.' : '',
        `Write ${variants} distinct variants.`,
      ]
        .filter(Boolean)
        .join('\n'),
    },
  ];
}

/** Scripts from any OpenAI-compatible chat endpoint, with a timeout per attempt, retries, and errors a user can act on. */
export async function writeScriptsWithChat(options: {
  endpoint: ChatEndpoint;
  persona: Persona;
  platform: keyof typeof defaultTargetSeconds;
  variants: number;
  ids: string[];
  productName?: string;
  signal?: AbortSignal;
}): Promise<Script[]> {
  const { endpoint } = options;
  const url = `${endpoint.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  const timeoutMs = endpoint.timeoutMs ?? 30_000;
  const where = new URL(url).host;

  const attempt = async () => {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(endpoint.apiKey ? { Authorization: `Bearer ${endpoint.apiKey}` } : {}) },
        body: JSON.stringify({ model: endpoint.model, messages: prompt(options.persona, options.platform, options.variants, options.productName), temperature: 0.9, response_format: { type: 'json_object' } }),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])]),
      });
    } catch (error) {
      if (options.signal?.aborted) throw new AbortError('Cancelled.');
      const reason = (error as Error).name === 'TimeoutError' ? `did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}` : `could not be reached (${String((error as Error).cause ?? (error as Error).message)})`;
      throw new ScriptWriterError(`The AI service at ${where} ${reason}.`);
    }
    if (response.status === 401 || response.status === 403) throw new AbortError(new ScriptWriterError(`The AI service at ${where} refused the API key (${response.status}). Check the key in Settings.`));
    if (response.status === 404) throw new AbortError(new ScriptWriterError(`The AI service at ${where} has no model "${endpoint.model}" or no chat endpoint (404). Check the base URL and model.`));
    if (!response.ok) {
      const error = new ScriptWriterError(`The AI service at ${where} answered ${response.status} ${response.statusText}.`);
      if (response.status === 429 || response.status >= 500) throw error;
      throw new AbortError(error);
    }
    const body = reply.safeParse(await response.json().catch(() => null));
    if (!body.success) throw new AbortError(new ScriptWriterError(`The AI service at ${where} did not answer like an OpenAI-compatible chat endpoint.`));
    const content = body.data.choices[0]!.message.content.replace(/^```(?:json)?\s*|\s*```$/g, '');
    let parsed: z.infer<typeof variantsSchema>;
    try {
      parsed = variantsSchema.parse(JSON.parse(content));
    } catch {
      throw new ScriptWriterError(`The AI service at ${where} answered with something that is not a script; trying again.`);
    }
    return parsed.variants;
  };

  const variants = await pRetry(attempt, { retries: endpoint.retries ?? 2, minTimeout: 300, factor: 2, signal: options.signal }).catch((error: unknown) => {
    throw error instanceof ScriptWriterError ? error : new ScriptWriterError((error as Error).message);
  });
  return variants.slice(0, Math.min(options.variants, options.ids.length)).map((v, i) => ({
    version: SCRIPT_VERSION,
    id: options.ids[i]!,
    personaId: options.persona.id,
    title: `${options.persona.brand.products[0]?.name ?? options.persona.niche} for ${options.platform} #${i + 1}`,
    hook: { text: v.hook.trim() },
    body: { text: v.body.trim() },
    cta: { text: v.cta.trim() },
    targets: { [options.platform]: defaultTargetSeconds[options.platform] },
  }));
}
