import { z } from 'zod';

export type HubStatus =
  | { state: 'not-configured' }
  | { state: 'connected'; url: string }
  | { state: 'unreachable'; url: string; problem: string };

const hubUrlSchema = z.url({ protocol: /^https?$/, error: 'KATA_HUB_URL must be an http(s) URL, e.g. http://127.0.0.1:4400' });

/** The Hub's base URL from the environment, or null when none is configured. Throws naming the variable when it is malformed. */
export function hubUrlFromEnv(env: Record<string, string | undefined>): string | null {
  const raw = env.KATA_HUB_URL?.trim();
  if (!raw) return null;
  const parsed = hubUrlSchema.safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'KATA_HUB_URL is not a valid URL');
  return parsed.data.replace(/\/+$/, '');
}

/** Asks the Hub's /healthz whether it is up; Studio works the same either way. */
export async function checkHub(url: string | null, timeoutMs = 2000): Promise<HubStatus> {
  if (!url) return { state: 'not-configured' };
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    if (response.ok) return { state: 'connected', url };
    return { state: 'unreachable', url, problem: `the Hub answered ${response.status} ${response.statusText}` };
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : String((error as Error).cause ?? (error as Error).message);
    return { state: 'unreachable', url, problem: reason };
  }
}
