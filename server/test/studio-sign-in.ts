import type { FastifyInstance } from 'fastify';
import * as client from 'openid-client';

/** testHub's public address: the issuer Studio is given. */
export const hubUrl = 'http://127.0.0.1:4400';
/** Studio's loopback address for these tests (nothing listens: the browser stops when it is sent there). */
export const loopback = 'http://127.0.0.1:53123/callback';

/** fetch for the Hub in `app` (by inject) and the real network for everything else, as openid-client's customFetch. */
export function hubFetch(app: FastifyInstance): client.CustomFetch {
  return async (url, options) => {
    const target = new URL(url);
    if (target.origin !== hubUrl) return fetch(url, options as RequestInit);
    const headers: Record<string, string> = {};
    new Headers(options.headers as HeadersInit).forEach((value, name) => (headers[name] = value));
    const body = options.body instanceof URLSearchParams ? options.body.toString() : (options.body as string | undefined);
    const answer = await app.inject({ method: options.method as 'GET', url: `${target.pathname}${target.search}`, headers, ...(body !== undefined && { payload: body }) });
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) for (const one of [value ?? []].flat()) responseHeaders.append(name, String(one));
    return new Response([204, 304].includes(answer.statusCode) ? null : new Uint8Array(answer.rawPayload), { status: answer.statusCode, headers: responseHeaders });
  };
}

/** Studio's side, as src/main does it: discovery (RFC 8414) of the Hub as a plain OAuth 2.0 server, a public client. */
export async function discoverHub(app: FastifyInstance): Promise<client.Configuration> {
  const configuration = await client.discovery(new URL(hubUrl), 'kata-studio', undefined, client.None(), { algorithm: 'oauth2', execute: [client.allowInsecureRequests], [client.customFetch]: hubFetch(app) });
  configuration[client.customFetch] = hubFetch(app);
  return configuration;
}

/** A fresh authorization request: its URL, the PKCE verifier and the state. */
export async function startAuthorization(configuration: client.Configuration, redirectUri = loopback) {
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(configuration, { redirect_uri: redirectUri, scope: 'studio', code_challenge: await client.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256', state });
  return { url, codeVerifier, state };
}

export interface Page {
  status: number;
  url: string;
  html: string;
  headers: Headers;
}

/**
 * A browser by hand: a cookie jar per origin, following redirects, until a
 * page is shown or it is sent to Studio's loopback address (`loopbackUrl`).
 */
export function testBrowser(app: FastifyInstance) {
  const jars = new Map<string, Map<string, string>>();
  const send = hubFetch(app);
  async function go(url: string, init: { method: string; form?: Record<string, string> }): Promise<Page & { loopbackUrl?: string }> {
    let current = url;
    let request = init;
    for (let hop = 0; hop < 15; hop++) {
      const target = new URL(current);
      if (target.hostname === '127.0.0.1' && target.port === new URL(loopback).port) return { status: 0, url: current, html: '', headers: new Headers(), loopbackUrl: current };
      const jar = jars.get(target.origin) ?? new Map<string, string>();
      jars.set(target.origin, jar);
      const headers: Record<string, string> = { accept: 'text/html', cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') };
      if (request.form) headers['content-type'] = 'application/x-www-form-urlencoded';
      const response = await send(current, { method: request.method, headers, body: request.form ? new URLSearchParams(request.form).toString() : undefined, redirect: 'manual' } as never);
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        current = new URL(location, current).href;
        // 302 and 303 after a form post: the browser follows with GET.
        request = { method: 'GET' };
        continue;
      }
      return { status: response.status, url: current, html: await response.text(), headers: response.headers };
    }
    throw new Error(`More than 15 redirects from ${url}`);
  }
  return {
    get: (url: string) => go(url, { method: 'GET' }),
    /** Submits the form on `page` whose action ends with `action`, with these fields (and its hidden ones). */
    submit(page: Page, action: string, fields: Record<string, string>) {
      const form = [...page.html.matchAll(/<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/g)].find((match) => match[1]!.endsWith(action));
      if (!form) throw new Error(`No form for ${action} on ${page.url}: ${page.html}`);
      const hidden = Object.fromEntries([...form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
      return go(new URL(form[1]!.replace(/&amp;/g, '&'), page.url).href, { method: 'POST', form: { ...hidden, ...fields } });
    },
    /** The Hub session cookie of this browser, if signed in. */
    hubSession: () => jars.get(hubUrl)?.get('kata_session'),
  };
}

/** Exchanges the code Studio's loopback address received for tokens, as Studio would. */
export function exchange(configuration: client.Configuration, loopbackUrl: string, started: { codeVerifier: string; state: string }): Promise<client.TokenEndpointResponse> {
  return client.authorizationCodeGrant(configuration, new URL(loopbackUrl), { pkceCodeVerifier: started.codeVerifier, expectedState: started.state });
}

/** An authorization request from Studio, as the Hub stores it, for a single sign-on to return to: its id. */
export async function pendingAuthorizationRequest(app: FastifyInstance): Promise<string> {
  const query = new URLSearchParams({ response_type: 'code', client_id: 'kata-studio', redirect_uri: loopback, code_challenge: 'a'.repeat(43), code_challenge_method: 'S256', state: 's' });
  const started = await app.inject({ method: 'GET', url: `/oauth/authorize?${query.toString()}` });
  return (started.headers.location as string).split('/').pop()!;
}

/** Who the session cookie a sign-in set belongs to (GET /v1/me with it). */
export async function signedInUser(app: FastifyInstance, signIn: { cookies: { name: string; value: string }[] }) {
  const cookie = signIn.cookies.find((c) => c.name === 'kata_session')!;
  return (await app.inject({ method: 'GET', url: '/v1/me', cookies: { kata_session: cookie.value } })).json().user;
}
