/**
 * The console's one way to the Hub: its public API on this origin, with the
 * session cookie. Errors carry the Hub's message (it names the field) and
 * code; a 401 outside sign-in tells the app the session is over.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

const sessionEnded = new Set<() => void>();
/** Called when the Hub answers 401 to a signed-in call: the session expired or was ended elsewhere. */
export function onSessionEnded(listener: () => void): () => void {
  sessionEnded.add(listener);
  return () => sessionEnded.delete(listener);
}

export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export async function api<T>(path: string, request: ApiRequest = {}): Promise<T> {
  const init: RequestInit = { method: request.method ?? 'GET', credentials: 'same-origin', headers: { accept: 'application/json' }, signal: request.signal };
  if (request.body !== undefined) {
    init.body = JSON.stringify(request.body);
    init.headers = { ...init.headers, 'content-type': 'application/json' };
  }
  let response: Response;
  try {
    response = await fetch(apiUrl(path, request.query), init);
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new ApiError(0, 'The Hub does not answer: check your connection and try again.');
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const body = text ? safeJson(text) : undefined;
  if (!response.ok) {
    const answer = (body ?? {}) as { error?: string; code?: string; requestId?: string };
    const error = new ApiError(response.status, answer.error ?? `The Hub answered ${response.status}.`, answer.code, answer.requestId);
    if (response.status === 401 && !path.startsWith('/v1/auth/login')) for (const listener of sessionEnded) listener();
    throw error;
  }
  return body as T;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: text.slice(0, 300) };
  }
}

/** The message to show for an error: the Hub's words, with the request id for the administrator. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.requestId ? `${error.message} (request ${error.requestId})` : error.message;
  return error instanceof Error ? error.message : String(error);
}
