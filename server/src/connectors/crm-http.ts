import pRetry, { AbortError } from 'p-retry';
import type { RateWindow } from './rate-window';

/** A CRM's answer the connector did not expect: the status and what the CRM said. */
export class CrmHttpError extends Error {
  override name = 'CrmHttpError';
  constructor(
    readonly status: number,
    readonly body: unknown,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** What a run counts about its calls, for the run history and the benchmark. */
export interface CallStats {
  requests: number;
  /** Answers 429 (each was retried, unless retries ran out). */
  rateLimited: number;
  retries: number;
}

export interface CrmHttpOptions {
  baseUrl: string;
  /** The Authorization header for the next call. */
  authorization(): Promise<string>;
  /** Whether an answer means the access token expired (then `refresh` runs once and the call is sent again). */
  expired?(status: number, body: unknown): boolean;
  refresh?(): Promise<void>;
  window: RateWindow;
  /** Reads the CRM's rate-limit headers after each answer. */
  observe?(headers: Headers): void;
  stats: CallStats;
  /** Retries of one call after a 429, a 5xx or a network failure (default 6). */
  retries?: number;
  /** First back-off in ms (default 500); each later one about doubles, with jitter. */
  minDelayMs?: number;
  maxDelayMs?: number;
  describe(status: number, body: unknown): string;
}

export interface CrmAnswer<T> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * One call to a CRM with the documented back-off: 429 and 5xx answers and
 * network failures are retried with exponential back-off and full jitter
 * (p-retry), a Retry-After is waited out first, and an expired token is
 * refreshed once. Statuses in `accept` are answers, anything else throws.
 */
export function crmClient(options: CrmHttpOptions) {
  return async function call<T>(method: string, path: string, body?: unknown, extra: { accept?: number[]; headers?: Record<string, string> } = {}): Promise<CrmAnswer<T>> {
    const accept = extra.accept ?? [];
    const url = path.startsWith('http') ? path : `${options.baseUrl.replace(/\/$/, '')}${path}`;
    const send = async () => {
      await options.window.take();
      options.stats.requests += 1;
      const response = await fetch(url, {
        method,
        headers: { authorization: await options.authorization(), accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }), ...extra.headers },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      options.observe?.(response.headers);
      const text = await response.text();
      const parsed: unknown = text ? safeJson(text) : null;
      return { status: response.status, body: parsed, headers: response.headers };
    };
    let refreshed = false;
    return pRetry(
      async () => {
        let answer = await send();
        if (answer.status === 401 && !refreshed && options.refresh && options.expired?.(answer.status, answer.body)) {
          refreshed = true;
          await options.refresh();
          answer = await send();
        }
        if ((answer.status >= 200 && answer.status < 300) || accept.includes(answer.status)) return answer as CrmAnswer<T>;
        const message = options.describe(answer.status, answer.body);
        if (answer.status === 429 || answer.status >= 500) {
          if (answer.status === 429) options.stats.rateLimited += 1;
          const retryAfter = Number(answer.headers.get('retry-after'));
          throw new CrmHttpError(answer.status, answer.body, message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
        }
        throw new AbortError(new CrmHttpError(answer.status, answer.body, message));
      },
      {
        retries: options.retries ?? 6,
        factor: 2,
        minTimeout: options.minDelayMs ?? 500,
        maxTimeout: options.maxDelayMs ?? 30_000,
        randomize: true,
        onFailedAttempt: (error) => {
          options.stats.retries += 1;
          if (error instanceof CrmHttpError && error.retryAfterMs) options.window.pause(error.retryAfterMs);
        },
      },
    );
  };
}
export type CrmCall = ReturnType<typeof crmClient>;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Error messages from a CRM may repeat the values sent (an email): those are masked before they are stored. */
export function maskPersonalValues(message: string): string {
  return message.replace(/[^\s"'<>@,;:]+@[^\s"'<>@,;:]+/g, '[email]').replace(/\+?\d[\d ().-]{6,}\d/g, '[number]').slice(0, 500);
}
