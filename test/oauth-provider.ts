import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll } from 'vitest';

/**
 * A real authorization server (oidc-provider) on 127.0.0.1 with Studio as a
 * native public client (no secret, PKCE, loopback redirect on any port),
 * standing in for the Hub's OAuth side. It also answers the Hub's `GET /v1/me`
 * for its own access tokens, so an account can be tested end to end.
 */
export async function startAuthorizationServer(options: { accessTokenSeconds?: number } = {}) {
  const person = { id: 'u-olivia', name: 'Olivia Owner', email: 'olivia@acme.example', role: 'owner' };
  const workspace = { id: 'w-acme', name: 'Acme', slug: 'acme' };
  const made: { provider?: Provider } = {};
  let meAnswers = 0;
  const server = createServer((req, res) => {
    if (req.url === '/healthz') return void res.end('{"status":"ok"}');
    if (req.url === '/v1/me') {
      meAnswers++;
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      void made.provider!.AccessToken.find(token).then((found) => {
        res.setHeader('content-type', 'application/json');
        if (!found) {
          res.statusCode = 401;
          return res.end(JSON.stringify({ error: 'unauthorized', message: 'Sign in again.' }));
        }
        res.end(JSON.stringify({ user: { ...person, mfaEnabled: false }, workspace: { ...workspace, mfaRequired: false }, permissions: [] }));
      });
      return;
    }
    if (!req.url?.startsWith('/interaction/')) return made.provider!.callback()(req, res);
    // The person signs in and allows Studio, as the Hub's own pages would after checking a password.
    void (async () => {
      const details = await made.provider!.interactionDetails(req, res);
      const grant = new made.provider!.Grant({ accountId: person.id, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await made.provider!.interactionFinished(req, res, { login: { accountId: person.id }, consent: { grantId } }, { mergeWithLastSubmission: false });
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  made.provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'kata-studio',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: ['http://127.0.0.1/kata-studio/signed-in'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    scopes: ['studio'],
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    issueRefreshToken: async () => true,
    ttl: { AccessToken: options.accessTokenSeconds ?? 3600, RefreshToken: 86_400, Grant: 86_400, Session: 86_400, Interaction: 600 },
    features: { devInteractions: { enabled: false }, revocation: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['a test cookie key, not a secret'] },
  });
  return {
    issuer,
    person,
    workspace,
    /** How many times /v1/me was asked. */
    meAnswers: () => meAnswers,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The system browser, as far as sign-in needs one: follows redirects with a cookie jar and returns the last page. */
export async function browse(url: string, steps: { beforeLoopback?: (loopbackUrl: string) => string } = {}): Promise<{ url: string; status: number; text: string }> {
  const cookies = new Map<string, string>();
  let at = url;
  for (let hop = 0; hop < 20; hop++) {
    if (new URL(at).pathname === '/kata-studio/signed-in' && steps.beforeLoopback) at = steps.beforeLoopback(at);
    const response = await fetch(at, { redirect: 'manual', headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const split = pair!.indexOf('=');
      cookies.set(pair!.slice(0, split), pair!.slice(split + 1));
    }
    const location = response.headers.get('location');
    if (!location) return { url: at, status: response.status, text: await response.text() };
    at = new URL(location, at).href;
  }
  throw new Error(`More than 20 redirects from ${url}`);
}

export type AuthorizationServer = Awaited<ReturnType<typeof startAuthorizationServer>>;

/** One authorization server for the tests of a file: started before them, closed after. */
export function authorizationServerForTests(): { readonly issuer: string } {
  const started = {} as { server: AuthorizationServer };
  beforeAll(async () => {
    started.server = await startAuthorizationServer();
  });
  afterAll(() => started.server?.close());
  return {
    get issuer() {
      return started.server.issuer;
    },
  };
}
