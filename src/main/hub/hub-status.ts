import { z } from 'zod';

export type HubStatus =
  | { state: 'not-configured' }
  | { state: 'misconfigured'; problem: string }
  | { state: 'connected'; url: string }
  | { state: 'unreachable'; url: string; problem: string };

/** A Hub address: an http(s) URL without trailing slashes; `field` is named in the error (a variable, a setting). */
export const hubUrlSchema = (field: string) =>
  z
    .url({ protocol: /^https?$/, error: `${field} must be an http(s) URL, e.g. http://127.0.0.1:4400` })
    .transform((url) => url.replace(/\/+$/, ''));

/** The Hub's base URL from the environment, or null when none is configured. Throws naming the variable when it is malformed. */
export function hubUrlFromEnv(env: Record<string, string | undefined>): string | null {
  const raw = env.KATA_HUB_URL?.trim();
  if (!raw) return null;
  const parsed = hubUrlSchema('KATA_HUB_URL').safeParse(raw);
  if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'KATA_HUB_URL is not a valid URL');
  return parsed.data;
}

/** Where the Hub is, as configured: a URL, none, or a setting that is wrong (shown to the user, never fatal). */
export type HubSetting = { url: string | null } | { problem: string };

export function hubSettingFromEnv(env: Record<string, string | undefined>): HubSetting {
  try {
    return { url: hubUrlFromEnv(env) };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

/** Asks the Hub's /healthz whether it is up; Studio works the same either way. */
export async function checkHub(setting: HubSetting, timeoutMs = 2000): Promise<HubStatus> {
  if ('problem' in setting) return { state: 'misconfigured', problem: setting.problem };
  const { url } = setting;
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
