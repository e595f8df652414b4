import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { z } from 'zod';
import { describeIssues } from '../../shared/validation';

/** Studio's client at the Hub: a public native app (RFC 8252), no secret. */
export const studioClientId = 'kata-studio';
export const signInTimeoutMs = 5 * 60_000;

/** 'oauth2' for the Hub (RFC 8414 metadata); 'oidc' lets tests use an OpenID Provider's discovery instead. */
export type DiscoveryAlgorithm = 'oauth2' | 'oidc';

/** The Hub's OAuth metadata, found from its URL (plain http allowed, for a Hub on this computer or the LAN). */
export function discoverHub(hubUrl: string, algorithm: DiscoveryAlgorithm = 'oauth2'): Promise<client.Configuration> {
  const insecure = new URL(hubUrl).protocol === 'http:';
  return client.discovery(new URL(hubUrl), studioClientId, undefined, client.None(), {
    algorithm,
    ...(insecure && { execute: [client.allowInsecureRequests] }),
  });
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().int().positive(),
});

export interface HubTokens {
  accessToken: string;
  refreshToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/** The tokens of a Hub token answer, checked: a missing refresh token or lifetime is the Hub's fault, named as such. */
export function tokensFrom(response: unknown, now: number): HubTokens {
  const parsed = tokenResponseSchema.safeParse(response);
  if (!parsed.success) throw new SignInError('refused', `The Hub's token answer is not what Studio expects (${describeIssues(parsed.error).replaceAll('\n', '; ')}).`);
  return { accessToken: parsed.data.access_token, refreshToken: parsed.data.refresh_token, expiresAt: now + parsed.data.expires_in * 1000 };
}

export type SignInFailure = 'cancelled' | 'timed-out' | 'refused' | 'state-mismatch';

/** Why a sign-in ended without tokens, in words for the person. */
export class SignInError extends Error {
  override name = 'SignInError';
  constructor(
    readonly failure: SignInFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface NativeSignInOptions {
  config: client.Configuration;
  /** Shows the Hub's sign-in page: the system browser in Electron; in the browser host, the renderer opens it. */
  openBrowser(authorizationUrl: string): void | Promise<void>;
  signal?: AbortSignal;
  timeoutMs?: number;
  now?: () => number;
}

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font-family:system-ui,sans-serif;margin:4em auto;max-width:32em"><h1>${title}</h1><p>${text}</p></body>`;
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Resolves once the page is sent, so closing the server afterwards cuts nothing off. */
function answer(res: ServerResponse, status: number, title: string, text: string): Promise<void> {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" });
  return new Promise((resolve) => res.end(page(escapeHtml(title), escapeHtml(text)), resolve));
}

const inWords = (ms: number) => (ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : `${Math.round(ms / 1000)} seconds`);

const stateMismatch = () => new SignInError('state-mismatch', 'This answer does not belong to the sign-in Studio started (the state differs). Start again from Studio.');

/** The reason a redirect or token exchange failed, in plain words (never a token). */
function describeFailure(error: unknown): SignInError {
  if (error instanceof SignInError) return error;
  if (error instanceof client.AuthorizationResponseError) {
    if (error.error === 'access_denied') return new SignInError('refused', 'Sign-in was cancelled at the Hub.');
    return new SignInError('refused', `The Hub refused the sign-in: ${error.error_description ?? error.error}.`);
  }
  if (error instanceof client.ResponseBodyError) return new SignInError('refused', `The Hub refused the sign-in: ${error.error_description ?? error.error}.`);
  const message = error instanceof Error ? error.message : String(error);
  return new SignInError('refused', `Sign-in failed: ${message}.`);
}

/**
 * One native sign-in (RFC 8252): a loopback server on 127.0.0.1 (any port),
 * PKCE S256 and state, the Hub's page in a browser, the code exchanged for
 * tokens. Ends on success, on any failure, on cancel (the signal) or after
 * the timeout; in every case the loopback port is closed.
 */
export async function signInWithBrowser(options: NativeSignInOptions): Promise<HubTokens> {
  const { config, signal, timeoutMs = signInTimeoutMs, now = Date.now } = options;
  if (signal?.aborted) throw new SignInError('cancelled', 'Sign-in was cancelled.');
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const callbackPath = '/kata-studio/signed-in';

  let finish!: (outcome: { tokens: HubTokens } | { error: SignInError }) => void;
  const outcome = new Promise<{ tokens: HubTokens } | { error: SignInError }>((resolve) => (finish = resolve));
  let redirectUri = '';
  let handled = false;

  const exchange = async (url: URL): Promise<{ tokens: HubTokens } | { error: SignInError }> => {
    // openid-client checks state too; checked first here so the person is told plainly.
    if (url.searchParams.get('state') !== state) return { error: stateMismatch() };
    try {
      const response = await client.authorizationCodeGrant(config, url, { pkceCodeVerifier: verifier, expectedState: state });
      return { tokens: tokensFrom(response, now()) };
    } catch (error) {
      return { error: describeFailure(error) };
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', redirectUri);
    if (url.pathname !== callbackPath || req.method !== 'GET' || handled) return void answer(res, 404, 'Not found', 'This page belongs to a Kata Studio sign-in that has ended.');
    handled = true;
    void exchange(url).then(async (result) => {
      if ('tokens' in result) await answer(res, 200, 'Signed in to Kata Studio', 'Signed in to Kata Studio — you can close this tab.');
      else await answer(res, 400, 'Kata Studio could not sign in', result.error.message);
      finish(result);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}${callbackPath}`;

  const onAbort = () => finish({ error: new SignInError('cancelled', 'Sign-in was cancelled.') });
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => finish({ error: new SignInError('timed-out', `Sign-in was not finished within ${inWords(timeoutMs)}; start again from Studio.`) }), timeoutMs);
  timer.unref();

  try {
    const authorizationUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'studio',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    await options.openBrowser(authorizationUrl.href);
    const result = await outcome;
    if ('error' in result) throw result.error;
    return result.tokens;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    // The page has its answer by now (or the sign-in was given up): nothing may come in after this.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
