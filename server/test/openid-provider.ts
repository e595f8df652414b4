import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import Provider from 'oidc-provider';

/** The Hub's redirect URI in tests (testHub's default public address). */
export const hubCallback = 'http://127.0.0.1:4400/v1/sso/oidc/callback';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A real OpenID Provider (oidc-provider) on 127.0.0.1 with one client, the
 * Hub. Who signs in is decided by the test (`signInAs`); the interaction
 * (login and consent) is finished programmatically, as a provider's own
 * login page would after checking a password.
 */
export async function startOpenIdProvider(client: { clientId: string; clientSecret: string }, options: { privateKeyJwtKeys?: { keys: Record<string, string>[] }; refreshTokens?: boolean; /** A Hub elsewhere than testHub's default address (e.g. one started on port 0). */ hubUrl?: string } = {}) {
  const hub = options.hubUrl ?? 'http://127.0.0.1:4400';
  const accounts = new Map<string, Record<string, unknown>>();
  let nextAccount = '';
  // Made once the server listens, as the issuer names its port.
  const made: { provider?: Provider } = {};
  const server = createServer((req, res) => {
    if (!req.url?.startsWith('/interaction/')) return made.provider!.callback()(req, res);
    void (async () => {
      const details = await made.provider!.interactionDetails(req, res);
      const grant = new made.provider!.Grant({ accountId: nextAccount, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await made.provider!.interactionFinished(req, res, { login: { accountId: nextAccount }, consent: { grantId } }, { mergeWithLastSubmission: false });
    })().catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  const issuer = await listen(server);
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  made.provider = new Provider(issuer, {
    clients: [
      {
        client_id: client.clientId,
        redirect_uris: [`${hub}/v1/sso/oidc/callback`],
        // With refreshTokens, the Hub may ask for offline_access and refresh (Studio's refreshes check the person at the provider).
        grant_types: options.refreshTokens ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
        response_types: ['code'],
        // With the Hub's public keys (its JWKS for the workspace), the client proves itself with private_key_jwt instead of the secret.
        ...(options.privateKeyJwtKeys ? { token_endpoint_auth_method: 'private_key_jwt', jwks: options.privateKeyJwtKeys as never } : { token_endpoint_auth_method: 'client_secret_basic', client_secret: client.clientSecret }),
        // Registered so the provider puts its session id (sid) in ID tokens; the tests deliver logout tokens themselves.
        backchannel_logout_uri: `${hub}/v1/sso/oidc/any/backchannel-logout`,
        backchannel_logout_session_required: true,
        post_logout_redirect_uris: [`${hub}/`],
      },
    ],
    findAccount: (_ctx, id) => (accounts.has(id) ? { accountId: id, claims: () => ({ sub: id, ...accounts.get(id) }) } : undefined),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    // The Hub reads the person from the ID token, as Okta and Entra put it there.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false }, backchannelLogout: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['a test cookie key, not a secret'] },
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' } as never] },
  });
  return {
    issuer,
    /** The next sign-in at the provider will be this person. */
    signInAs(id: string, claims: { email: string; email_verified?: boolean; name?: string; groups?: string[] }) {
      accounts.set(id, { email_verified: true, ...claims });
      nextAccount = id;
    },
    /** The person is disabled at the provider: refreshing their tokens is refused from now on (invalid_grant). */
    disable(id: string) {
      accounts.delete(id);
    },
    /**
     * A logout token signed with the provider's own key, as the provider sends
     * to a back-channel logout URI; `tamper` makes the refused kinds.
     */
    async logoutToken(subject: { sub?: string; sid?: string }, tamper: 'none' | 'wrong-audience' | 'no-events' | 'with-nonce' | 'foreign-key' = 'none') {
      const claims: Record<string, unknown> = { ...subject, ...(tamper !== 'no-events' && { events: { 'http://schemas.openid.net/event/backchannel-logout': {} } }), ...(tamper === 'with-nonce' && { nonce: 'n' }) };
      const key = tamper === 'foreign-key' ? (await generateKeyPair('RS256')).privateKey : privateKey;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'logout+jwt' })
        .setIssuer(issuer)
        .setAudience(tamper === 'wrong-audience' ? 'another-application' : client.clientId)
        .setIssuedAt()
        .setJti(crypto.randomUUID())
        .sign(key);
    },
    close: () => close(server),
  };
}

/**
 * Follows a sign-in by hand, as a browser would, from the Hub's redirect to
 * the provider until the provider sends the browser back to the Hub; returns
 * the Hub path (with code and state) to call.
 */
export async function signInAtProvider(authorizationUrl: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(hubCallback)) return url.slice('http://127.0.0.1:4400'.length);
    const response = await fetch(url, { redirect: 'manual', headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = response.headers.get('location');
    if (!location) throw new Error(`The provider stopped at ${url} with ${response.status}: ${await response.text()}`);
    url = new URL(location, url).href;
  }
  throw new Error('The provider redirected more than 10 times');
}

/**
 * A stand-in provider that answers the token request with whatever ID token
 * the test made. Used ONLY for the tokens oidc-provider refuses to make: one
 * for another audience, one unsigned (alg none), one signed with a key the
 * provider does not publish, one already expired.
 */
export async function startProviderDouble() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const stranger = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'published', alg: 'RS256', use: 'sig' };
  let nextIdToken = '';
  let issuer = '';
  const server = createServer((req, res) => {
    const json = (body: unknown) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration') return json({ issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`, jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'] });
    if (req.url === '/jwks') return json({ keys: [publicJwk] });
    if (req.url === '/token' && req.method === 'POST') {
      req.resume();
      return req.on('end', () => json({ access_token: 'opaque', token_type: 'Bearer', expires_in: 300, id_token: nextIdToken }));
    }
    res.statusCode = 404;
    res.end();
  });
  issuer = await listen(server);
  const now = () => Math.floor(Date.now() / 1000);
  return {
    get issuer() {
      return issuer;
    },
    /** The ID token the next token request gets: a good one for `audience`, changed as `tamper` says. */
    async willAnswer(options: { audience: string; nonce: string; email: string; tamper: 'wrong-audience' | 'alg-none' | 'unknown-kid' | 'expired' | 'none' }) {
      const claims = { email: options.email, email_verified: true, nonce: options.nonce };
      const audience = options.tamper === 'wrong-audience' ? 'another-application' : options.audience;
      const [issuedAt, expires] = options.tamper === 'expired' ? [now() - 7200, now() - 3600] : [now(), now() + 300];
      if (options.tamper === 'alg-none') {
        nextIdToken = new UnsecuredJWT(claims).setIssuer(issuer).setAudience(audience).setSubject('someone').setIssuedAt(issuedAt).setExpirationTime(expires).encode();
        return;
      }
      const [key, kid] = options.tamper === 'unknown-kid' ? [stranger.privateKey, 'not-published'] : [privateKey, 'published'];
      nextIdToken = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).setIssuer(issuer).setAudience(audience).setSubject('someone').setIssuedAt(issuedAt).setExpirationTime(expires).sign(key);
    },
    close: () => close(server),
  };
}
