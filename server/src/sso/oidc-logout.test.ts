import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { callHub, hubOnTestDatabase, testWorkspace } from '../../test/hub';
import { signInAtProvider, startOpenIdProvider } from '../../test/openid-provider';
import { signedInUser } from '../../test/studio-sign-in';
import { readAuditEvents } from '../db/audit-store';

const client = { clientId: 'kata-hub', clientSecret: 'a client secret the provider gave the Hub' };

describe.each(hubDatabases)('OIDC back-channel logout and account binding on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);
  let provider: Awaited<ReturnType<typeof startOpenIdProvider>>;
  beforeAll(async () => {
    provider = await startOpenIdProvider(client);
  });
  afterAll(async () => {
    await provider?.close();
  });

  async function ssoWorkspace() {
    const ws = await testWorkspace(hub.app, hub.database);
    const saved = await ws.call('PUT', '/v1/sso/oidc', { issuer: provider.issuer, ...client, allowedEmailDomains: [`${ws.slug}.example`] });
    expect(saved.statusCode, saved.body).toBe(200);
    return ws;
  }
  /** Signs in through the real provider as `sub`: the answer that sets the session cookie, or the refusal. */
  async function signIn(slug: string, sub: string, email: string) {
    provider.signInAs(sub, { email });
    const started = await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/${slug}/start` });
    return hub.app.inject({ method: 'GET', url: await signInAtProvider(started.headers.location as string) });
  }
  /** The session cookie a sign-in set. */
  const sessionOf = (signedIn: { cookies: { name: string; value: string }[] }) => signedIn.cookies.find((c) => c.name === 'kata_session')!.value;
  /** Calls the Hub as a browser with that session. */
  const asBrowser = (method: 'GET' | 'POST', url: string, session: string) => hub.app.inject({ method, url, cookies: { kata_session: session } });
  const logout = (slug: string, token: string) => hub.app.inject({ method: 'POST', url: `/v1/sso/oidc/${slug}/backchannel-logout`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ logout_token: token }).toString() });
  const actions = async (workspaceId: string, prefix: string) => (await readAuditEvents(hub.database.db, workspaceId)).map((e) => e.action).filter((a) => a.startsWith(prefix));

  it('advertises the back-channel logout URI to register at the provider', async () => {
    const ws = await ssoWorkspace();
    expect((await ws.call('GET', '/v1/sso/oidc')).json().backchannelLogoutUri).toBe(`http://127.0.0.1:4400/v1/sso/oidc/${ws.slug}/backchannel-logout`);
  });

  it("ends the Hub sessions started from the provider's session when the provider's logout token says so, once", async () => {
    const ws = await ssoWorkspace();
    const first = await signIn(ws.slug, 'owner-bc', ws.ownerEmail);
    expect(first.statusCode, first.body).toBe(302);
    const second = await signIn(ws.slug, 'owner-bc', ws.ownerEmail);
    const [firstToken, secondToken] = [sessionOf(first), sessionOf(second)];
    const sessions = await hub.database.db.selectFrom('sessions').select(['oidc_sub', 'oidc_sid']).where('workspace_id', '=', ws.id).where('oidc_sub', 'is not', null).execute();
    expect(sessions).toHaveLength(2);
    expect(sessions[0]!.oidc_sub).toBe('owner-bc');
    // Both sign-ins went through one provider session (the browser kept no cookie here, so each is its own); end the first one by its sid.
    const sid = sessions[0]!.oidc_sid!;
    expect(sid).toEqual(expect.any(String));

    const token = await provider.logoutToken({ sub: 'owner-bc', sid });
    const ended = await logout(ws.slug, token);
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.headers['cache-control']).toBe('no-store');
    const stillLive = await Promise.all([firstToken, secondToken].map(async (t) => (await asBrowser('GET', '/v1/me', t)).statusCode));
    expect(stillLive.sort()).toEqual([200, 401]);

    // The same token again is a replay; a token naming only the subject ends every session of that person.
    const replayed = await logout(ws.slug, token);
    expect(replayed.statusCode).toBe(400);
    expect(replayed.json()).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/replayed/) });
    expect((await logout(ws.slug, await provider.logoutToken({ sub: 'owner-bc' }))).statusCode).toBe(200);
    for (const t of [firstToken, secondToken]) expect((await asBrowser('GET', '/v1/me', t)).statusCode).toBe(401);
    expect(await actions(ws.id, 'sso.oidc.log')).toEqual(['sso.oidc.logged-out', 'sso.oidc.logout-refused.replayed', 'sso.oidc.logged-out']);
  });

  it.each([
    ['foreign-key', 'bad-signature'],
    ['wrong-audience', 'wrong-aud'],
    ['no-events', 'missing-events'],
    ['with-nonce', 'has-nonce'],
  ] as const)('refuses a logout token with %s and audits it; the session goes on', async (tamper, reason) => {
    const ws = await ssoWorkspace();
    const signedIn = await signIn(ws.slug, `owner-${tamper}`, ws.ownerEmail);
    const refused = await logout(ws.slug, await provider.logoutToken({ sub: `owner-${tamper}` }, tamper));
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error_description).toContain(reason);
    expect((await asBrowser('GET', '/v1/me', sessionOf(signedIn))).statusCode).toBe(200);
    expect(await actions(ws.id, 'sso.oidc.logout-refused')).toEqual([`sso.oidc.logout-refused.${reason}`]);
  });

  it('refuses what is not a logout token at all, and a workspace without single sign-on', async () => {
    const ws = await ssoWorkspace();
    expect((await logout(ws.slug, 'not.a.token')).json().error_description).toContain('token-invalid');
    const empty = await hub.app.inject({ method: 'POST', url: `/v1/sso/oidc/${ws.slug}/backchannel-logout`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(empty.statusCode, empty.body).toBe(400);
    expect((await logout('no-such-workspace', 'x')).statusCode).toBe(404);
  });

  it('signing out of the Hub from an SSO session ends it and gives the address that signs out at the provider too', async () => {
    const ws = await ssoWorkspace();
    expect((await ws.call('GET', '/v1/sso/oidc')).json().postLogoutRedirectUri).toBe('http://127.0.0.1:4400/');
    const signedIn = await signIn(ws.slug, 'owner-rp', ws.ownerEmail);
    const session = sessionOf(signedIn);
    const sealed = await hub.database.db.selectFrom('sessions').select('oidc_id_token').where('workspace_id', '=', ws.id).where('oidc_sub', '=', 'owner-rp').executeTakeFirstOrThrow();
    expect(sealed.oidc_id_token).not.toMatch(/^eyJ/);

    const out = await asBrowser('POST', '/v1/auth/logout', session);
    expect(out.statusCode, out.body).toBe(200);
    const endSession = new URL(out.json().endSessionUrl);
    expect(endSession.origin).toBe(provider.issuer);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe('http://127.0.0.1:4400/');
    expect(endSession.searchParams.get('id_token_hint')).toMatch(/^eyJ/);
    expect((await asBrowser('GET', '/v1/me', session)).statusCode).toBe(401);
    // The provider accepts the hint and the redirect (a wrong hint gets its error page instead).
    const atProvider = await fetch(endSession);
    expect(atProvider.status, await atProvider.clone().text()).toBe(200);
    expect(await atProvider.text()).toMatch(/logout/i);
    endSession.searchParams.set('id_token_hint', 'not-a-token');
    expect((await fetch(endSession)).status).toBe(400);

    // A password session signs out as before.
    expect((await callHub(hub.app, 'POST', '/v1/auth/logout', undefined, ws.ownerToken)).statusCode).toBe(204);
  });

  it('binds a member to the provider account they first signed in with and refuses another account with the same email', async () => {
    const ws = await ssoWorkspace();
    expect((await signIn(ws.slug, 'the-real-owner', ws.ownerEmail)).statusCode).toBe(302);
    const takeover = await signIn(ws.slug, 'someone-else', ws.ownerEmail);
    expect(takeover.statusCode).toBe(403);
    expect(takeover.json()).toMatchObject({ code: 'sso-subject-mismatch', error: expect.stringMatching(/different account/) });
    expect(await actions(ws.id, 'sso.oidc.refused')).toEqual(['sso.oidc.refused.subject-mismatch']);
    expect((await signIn(ws.slug, 'the-real-owner', ws.ownerEmail)).statusCode).toBe(302);
  });
});

describe.each(hubDatabases)('OIDC private_key_jwt on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);
  let provider: Awaited<ReturnType<typeof startOpenIdProvider>> | undefined;
  afterAll(async () => {
    await provider?.close();
  });

  it('signs in with its own key pair per workspace: publishes only the public half, keeps the private one sealed, and the provider accepts it', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const settings = { clientId: client.clientId, allowedEmailDomains: [`${ws.slug}.example`], clientAuth: 'private_key_jwt' };
    // The provider must know the Hub's keys before it starts, so the Hub makes them first (with a provider address not yet known).
    const first = await ws.call('PUT', '/v1/sso/oidc', { issuer: 'http://127.0.0.1:9', ...settings });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ clientAuth: 'private_key_jwt', clientSecretSet: false, jwksUri: `http://127.0.0.1:4400/v1/sso/oidc/${ws.slug}/jwks` });
    const jwks = await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/${ws.slug}/jwks` });
    expect(jwks.statusCode).toBe(200);
    const keys = jwks.json().keys as Record<string, string>[];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
    const row = await hub.database.db.selectFrom('oidc_configs').select('client_signing_key').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(row.client_signing_key).not.toContain(keys[0]!.x);

    provider = await startOpenIdProvider(client, { privateKeyJwtKeys: { keys } });
    // Saving again keeps the key pair the provider registered.
    expect((await ws.call('PUT', '/v1/sso/oidc', { issuer: provider.issuer, ...settings })).statusCode).toBe(200);
    expect((await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/${ws.slug}/jwks` })).json().keys).toEqual(keys);

    provider.signInAs('owner-pkjwt', { email: ws.ownerEmail });
    const started = await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/${ws.slug}/start` });
    const signedIn = await hub.app.inject({ method: 'GET', url: await signInAtProvider(started.headers.location as string) });
    expect(signedIn.statusCode, signedIn.body).toBe(302);
    expect(await signedInUser(hub.app, signedIn)).toMatchObject({ id: ws.ownerId });

    // A workspace whose key pair the provider has not registered is refused at the token endpoint, and the Hub says why.
    const unregistered = await testWorkspace(hub.app, hub.database);
    expect((await unregistered.call('PUT', '/v1/sso/oidc', { issuer: provider.issuer, ...settings, allowedEmailDomains: [`${unregistered.slug}.example`] })).statusCode).toBe(200);
    provider.signInAs('owner-unregistered', { email: unregistered.ownerEmail });
    const tried = await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/${unregistered.slug}/start` });
    const refused = await hub.app.inject({ method: 'GET', url: await signInAtProvider(tried.headers.location as string) });
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'sso-client-rejected', error: expect.stringMatching(/did not accept the Hub's own credentials/) });

    // Another workspace with a client secret has no JWKS to publish.
    const other = await testWorkspace(hub.app, hub.database);
    expect((await other.call('PUT', '/v1/sso/oidc', { issuer: provider.issuer, ...client, allowedEmailDomains: [`${other.slug}.example`] })).json()).toMatchObject({ clientAuth: 'client_secret', jwksUri: null });
    expect((await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/${other.slug}/jwks` })).statusCode).toBe(404);
  });
});
