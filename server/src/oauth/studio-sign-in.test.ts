import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { callHub, hubOnTestDatabase, ownerPassword, testWorkspace } from '../../test/hub';
import { startOpenIdProvider } from '../../test/openid-provider';
import { discoverHub, exchange, hubUrl, loopback, startAuthorization, testBrowser, type Page } from '../../test/studio-sign-in';
import { totpCode } from '../auth/totp';
import { readAuditEvents } from '../db/audit-store';

const idpClient = { clientId: 'kata-hub', clientSecret: 'a client secret the provider gave the Hub' };

/** The OAuth error openid-client threw, or a failure when it threw none. */
async function oauthError(attempt: Promise<unknown>): Promise<{ error: string; status: number; description: string }> {
  try {
    await attempt;
  } catch (error) {
    if (error instanceof client.ResponseBodyError) return { error: error.error, status: error.status, description: error.error_description ?? '' };
    throw error;
  }
  throw new Error('expected an OAuth error');
}

describe.each(hubDatabases)('Studio native sign-in on $name', ({ open }) => {
  // The Hub's clock: the real time (the provider and openid-client use that), moved ahead by the test of expiry, which runs last.
  let ahead = 0;
  const clock = { now: () => new Date(Date.now() + ahead), advance: (seconds: number) => void (ahead += seconds * 1000) };
  const hub = hubOnTestDatabase(open, { now: clock.now });
  let provider: Awaited<ReturnType<typeof startOpenIdProvider>>;
  beforeAll(async () => {
    provider = await startOpenIdProvider(idpClient, { refreshTokens: true });
  });
  afterAll(async () => {
    await provider?.close();
  });

  /** Signs in on the Hub's page with a password (and a code when `totp` makes one), allows, and exchanges the code as Studio. */
  async function signInWithPassword(email: string, options: { workspace?: string; totp?: () => string } = {}) {
    const configuration = await discoverHub(hub.app);
    const started = await startAuthorization(configuration);
    const browser = testBrowser(hub.app);
    const signInPage = await browser.get(started.url.href);
    expect(signInPage.html, signInPage.html).toMatch(/Sign in to Kata Hub/);
    let next = await browser.submit(signInPage, '/sign-in', { email, password: ownerPassword, workspace: options.workspace ?? '' });
    if (options.totp) {
      expect(next.status).toBe(401);
      expect(next.html).toMatch(/Enter the 6-digit code/);
      next = await browser.submit(next, '/sign-in', { email, password: ownerPassword, workspace: options.workspace ?? '', totp: options.totp() });
    }
    expect(next.html).toMatch(/Allow Kata Studio on this computer to use Kata Hub as/);
    const allowed = await browser.submit(next, '/decision', { decision: 'allow' });
    expect(allowed.loopbackUrl).toBeDefined();
    const tokens = await exchange(configuration, allowed.loopbackUrl!, started);
    return { configuration, tokens, confirmPage: next, loopbackUrl: allowed.loopbackUrl!, started };
  }
  const me = (accessToken: string) => callHub(hub.app, 'GET', '/v1/me', undefined, accessToken);

  it('publishes its metadata, and signs Studio in with a password: a bearer token for /v1/me and a refresh token', async () => {
    const metadata = await hub.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    expect(metadata.json()).toMatchObject({ issuer: hubUrl, token_endpoint: `${hubUrl}/oauth/token`, code_challenge_methods_supported: ['S256'], token_endpoint_auth_methods_supported: ['none'], authorization_response_iss_parameter_supported: true });
    const ws = await testWorkspace(hub.app, hub.database);
    const { tokens, confirmPage, loopbackUrl } = await signInWithPassword(ws.ownerEmail, { workspace: ws.slug });
    expect(confirmPage.html).toContain(`as <strong>Olivia Owner</strong> (${ws.ownerEmail}) in <strong>`);
    // The pages run under their own policy: no script, forms only to the Hub and Studio's loopback address.
    expect(confirmPage.headers.get('content-security-policy')).toMatch(/default-src 'none'.*form-action 'self' http:\/\/127\.0\.0\.1:53123/);
    expect(new URL(loopbackUrl).searchParams.get('iss')).toBe(hubUrl);
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600, scope: 'studio' });
    expect(tokens.refresh_token).toMatch(/^krt_/);
    const answer = await me(tokens.access_token);
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toMatchObject({ user: { id: ws.ownerId, email: ws.ownerEmail, role: 'owner', mfaEnabled: false }, workspace: { id: ws.id, slug: ws.slug } });
    const actions = (await readAuditEvents(hub.database.db, ws.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.login.succeeded', 'auth.studio.authorized']));
  });

  it('asks for the 6-digit code when the account has two-step sign-in', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const setup = (await ws.call('POST', '/v1/auth/mfa/totp/setup')).json();
    const past = new Date(clock.now().getTime() - 30_000);
    expect((await ws.call('POST', '/v1/auth/mfa/totp/confirm', { code: totpCode(setup.secret, past) })).statusCode).toBe(204);
    const { tokens } = await signInWithPassword(ws.ownerEmail, { totp: () => totpCode(setup.secret, clock.now()) });
    expect((await me(tokens.access_token)).json().user).toMatchObject({ id: ws.ownerId, mfaEnabled: true });
  });

  it('tells a wrong password in plain words on the page, and Cancel sends access_denied back', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const configuration = await discoverHub(hub.app);
    const started = await startAuthorization(configuration);
    const browser = testBrowser(hub.app);
    const page = await browser.get(started.url.href);
    const wrong = await browser.submit(page, '/sign-in', { email: ws.ownerEmail, password: 'not the password', workspace: '' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The email or password is wrong.');
    expect(wrong.html).toContain(`value="${ws.ownerEmail}"`);
    const notEmail = await browser.submit(page, '/sign-in', { email: 'nobody', password: 'x', workspace: '' });
    expect(notEmail.html).toMatch(/email: must be an email address/);
    const confirm = await browser.submit(page, '/sign-in', { email: ws.ownerEmail, password: ownerPassword, workspace: '' });
    const cancelled = await browser.submit(confirm, '/decision', { decision: 'cancel' });
    const back = new URL(cancelled.loopbackUrl!);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'access_denied', state: started.state, iss: hubUrl });
    await expect(client.authorizationCodeGrant(configuration, back, { pkceCodeVerifier: started.codeVerifier, expectedState: started.state })).rejects.toMatchObject({ error: 'access_denied' });
    // The request is answered: Allow from the same page now does nothing.
    const late = await browser.submit(confirm, '/decision', { decision: 'allow' });
    expect(late.status).toBe(400);
    expect(late.loopbackUrl).toBeUndefined();
  });

  it('refuses a form that did not come from the confirm page of this browser session', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const configuration = await discoverHub(hub.app);
    const started = await startAuthorization(configuration);
    const browser = testBrowser(hub.app);
    const confirm = await browser.submit(await browser.get(started.url.href), '/sign-in', { email: ws.ownerEmail, password: ownerPassword, workspace: '' });
    const forged = confirm.html.replace(/name="csrf" value="[^"]+"/, 'name="csrf" value="forged"');
    const refused = await browser.submit({ ...confirm, html: forged }, '/decision', { decision: 'allow' });
    expect(refused.status).toBe(403);
    expect(refused.loopbackUrl).toBeUndefined();
    // Another browser (no Hub session) with the right form is refused too.
    const stranger = await testBrowser(hub.app).submit(confirm, '/decision', { decision: 'allow' });
    expect(stranger.status).toBe(403);

    // "Use another account" signs this browser out of the Hub and asks who is signing in.
    const session = browser.hubSession()!;
    const signInAgain = await browser.submit(confirm, '/other-account', {});
    expect(signInAgain.html).toMatch(/Sign in to Kata Hub/);
    expect((await hub.app.inject({ method: 'GET', url: '/v1/me', cookies: { kata_session: session } })).statusCode).toBe(401);
    const member = await ws.member('creator', 'Casey');
    const asMember = await browser.submit(signInAgain, '/sign-in', { email: member.email, password: ownerPassword, workspace: '' });
    expect(asMember.html).toContain(member.email.toLowerCase());
  });

  it('never sends the browser to an address other than a loopback one; other mistakes go back to Studio as errors', async () => {
    const configuration = await discoverHub(hub.app);
    for (const redirectUri of ['http://localhost:53123/callback', 'https://127.0.0.1:53123/callback', 'http://evil.example:53123/callback', 'http://127.0.0.1/callback', 'http://127.0.0.2:53123/callback']) {
      const { url } = await startAuthorization(configuration, redirectUri);
      const answer = await hub.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
      expect(answer.statusCode, redirectUri).toBe(400);
      expect(answer.headers.location).toBeUndefined();
      expect(answer.headers['content-type']).toMatch(/text\/html/);
      expect(answer.body).toMatch(/may only return to this computer/);
    }
    const ipv6 = await startAuthorization(configuration, 'http://[::1]:53123/callback');
    expect((await hub.app.inject({ method: 'GET', url: `${ipv6.url.pathname}${ipv6.url.search}` })).headers.location).toMatch(/^\/oauth\/requests\//);
    const otherClient = await hub.app.inject({ method: 'GET', url: `/oauth/authorize?client_id=someone-else&redirect_uri=${encodeURIComponent(loopback)}&response_type=code` });
    expect(otherClient.statusCode).toBe(400);
    expect(otherClient.headers.location).toBeUndefined();
    const plain = await hub.app.inject({ method: 'GET', url: `/oauth/authorize?client_id=kata-studio&redirect_uri=${encodeURIComponent(loopback)}&response_type=code&code_challenge_method=plain&code_challenge=x&state=s1` });
    expect(plain.statusCode).toBe(302);
    expect(Object.fromEntries(new URL(plain.headers.location as string).searchParams)).toMatchObject({ error: 'invalid_request', state: 's1', iss: hubUrl });
  });

  it('refuses a wrong code_verifier, and a replayed code revokes what the code gave', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const first = await signInWithPassword(ws.ownerEmail);
    const replay = await oauthError(exchange(first.configuration, first.loopbackUrl, first.started));
    expect(replay).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect((await me(first.tokens.access_token)).statusCode).toBe(401);
    expect(await oauthError(client.refreshTokenGrant(first.configuration, first.tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    expect((await readAuditEvents(hub.database.db, ws.id)).map((e) => e.action)).toContain('auth.studio.revoked.code-replayed');

    const configuration = await discoverHub(hub.app);
    const started = await startAuthorization(configuration);
    const browser = testBrowser(hub.app);
    const confirm = await browser.submit(await browser.get(started.url.href), '/sign-in', { email: ws.ownerEmail, password: ownerPassword, workspace: '' });
    const allowed = await browser.submit(confirm, '/decision', { decision: 'allow' });
    const wrong = await oauthError(exchange(configuration, allowed.loopbackUrl!, { ...started, codeVerifier: client.randomPKCECodeVerifier() }));
    expect(wrong).toMatchObject({ error: 'invalid_grant', description: expect.stringMatching(/code_verifier/) });
    const raw = await hub.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=password&username=x' });
    expect(raw.statusCode).toBe(400);
    expect(raw.headers['cache-control']).toBe('no-store');
    expect(raw.json()).toEqual({ error: 'unsupported_grant_type', error_description: expect.any(String) });
  });

  it('rotates the refresh token; using an old one again revokes the whole sign-in', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const { configuration, tokens } = await signInWithPassword(ws.ownerEmail);
    const refreshed = await client.refreshTokenGrant(configuration, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await me(tokens.access_token)).statusCode).toBe(401);
    expect((await me(refreshed.access_token)).statusCode).toBe(200);
    expect(await oauthError(client.refreshTokenGrant(configuration, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    expect((await me(refreshed.access_token)).statusCode).toBe(401);
    expect(await oauthError(client.refreshTokenGrant(configuration, refreshed.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    expect((await readAuditEvents(hub.database.db, ws.id)).map((e) => e.action)).toContain('auth.studio.revoked.refresh-reused');
  });

  it('revokes on sign-out (RFC 7009), and when the member is deactivated through SCIM or removed', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const first = await signInWithPassword(ws.ownerEmail);
    await client.tokenRevocation(first.configuration, first.tokens.refresh_token!);
    expect((await me(first.tokens.access_token)).statusCode).toBe(401);
    expect(await oauthError(client.refreshTokenGrant(first.configuration, first.tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    // Unknown tokens are answered the same.
    await client.tokenRevocation(first.configuration, 'krt_not-a-token');

    const member = await ws.member('creator', 'Casey');
    const casey = await signInWithPassword(member.email);
    const scim = await ws.scimToken();
    const deactivated = await scim.call('PATCH', `/scim/v2/Users/${member.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(deactivated.statusCode, deactivated.body).toBe(200);
    expect(await oauthError(client.refreshTokenGrant(casey.configuration, casey.tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    expect((await me(casey.tokens.access_token)).statusCode).toBe(401);

    // Removed by an administrator in the Hub: the same.
    const dana = await ws.member('viewer', 'Dana');
    const danaSignIn = await signInWithPassword(dana.email);
    expect((await ws.call('DELETE', `/v1/members/${dana.id}`)).statusCode).toBe(204);
    expect(await oauthError(client.refreshTokenGrant(danaSignIn.configuration, danaSignIn.tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    const grants = await hub.database.db.selectFrom('oauth_grants').select('revoked_at').where('user_id', 'in', [member.id, dana.id]).execute();
    expect(grants.every((grant) => grant.revoked_at !== null)).toBe(true);
  });

  it('escapes names on its pages', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const email = `markup@${ws.slug}.example`;
    const invitation = (await ws.call('POST', '/v1/invitations', { email, role: 'viewer' })).json();
    const joined = await hub.app.inject({ method: 'POST', url: '/v1/auth/accept-invitation', payload: { token: invitation.token, name: '<img src=x onerror=alert(1)>"&', password: ownerPassword } });
    expect(joined.statusCode, joined.body).toBe(200);
    const { confirmPage } = await signInWithPassword(email);
    expect(confirmPage.html).not.toContain('<img src=x');
    expect(confirmPage.html).toContain('&#60;img src=x onerror=alert(1)&#62;&#34;&#38;');
  });

  describe('through single sign-on', () => {
    async function ssoWorkspace() {
      const ws = await testWorkspace(hub.app, hub.database);
      const saved = await ws.call('PUT', '/v1/sso/oidc', { issuer: provider.issuer, ...idpClient, scopes: ['openid', 'email', 'profile', 'offline_access'], allowedEmailDomains: [`${ws.slug}.example`] });
      expect(saved.statusCode, saved.body).toBe(200);
      return ws;
    }
    /** From Studio's sign-in page through the provider, back to the confirm page, allowed, exchanged. */
    async function signInWithSso(slug: string) {
      const configuration = await discoverHub(hub.app);
      const started = await startAuthorization(configuration);
      const browser = testBrowser(hub.app);
      const confirm: Page = await browser.submit(await browser.get(started.url.href), '/sso', { workspace: slug });
      expect(confirm.url).toMatch(new RegExp(`^${hubUrl}/oauth/requests/`));
      expect(confirm.html).toMatch(/Allow Kata Studio on this computer/);
      const allowed = await browser.submit(confirm, '/decision', { decision: 'allow' });
      return { configuration, tokens: await exchange(configuration, allowed.loopbackUrl!, started), confirm };
    }

    it('comes back to the confirm page after the identity provider, and each refresh asks the provider again', async () => {
      const ws = await ssoWorkspace();
      provider.signInAs('sso-owner-1', { email: ws.ownerEmail, name: 'Olivia at the IdP' });
      const { configuration, tokens, confirm } = await signInWithSso(ws.slug);
      expect(confirm.html).toContain(ws.ownerEmail);
      expect((await me(tokens.access_token)).json().user).toMatchObject({ id: ws.ownerId });
      const sealed = await hub.database.db.selectFrom('oauth_grants').select('oidc_refresh_token').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
      expect(sealed.oidc_refresh_token).toBeTruthy();

      const refreshed = await client.refreshTokenGrant(configuration, tokens.refresh_token!);
      expect((await me(refreshed.access_token)).statusCode).toBe(200);

      // The provider unreachable: a temporary error, nothing revoked.
      expect((await ws.call('PUT', '/v1/sso/oidc', { issuer: 'http://127.0.0.1:9', ...idpClient, scopes: ['openid', 'email', 'offline_access'], allowedEmailDomains: [`${ws.slug}.example`] })).statusCode).toBe(200);
      const unreachable = await hub.app.inject({ method: 'POST', url: '/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshed.refresh_token!, client_id: 'kata-studio' }).toString() });
      expect(unreachable.statusCode).toBe(503);
      expect(unreachable.json()).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/does not answer/) });
      expect((await ws.call('PUT', '/v1/sso/oidc', { issuer: provider.issuer, ...idpClient, scopes: ['openid', 'email', 'offline_access'], allowedEmailDomains: [`${ws.slug}.example`] })).statusCode).toBe(200);
      const again = await client.refreshTokenGrant(configuration, refreshed.refresh_token!);

      // Disabled at the provider: the next refresh is refused and the sign-in revoked.
      provider.disable('sso-owner-1');
      expect(await oauthError(client.refreshTokenGrant(configuration, again.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
      expect((await me(again.access_token)).statusCode).toBe(401);
      expect((await readAuditEvents(hub.database.db, ws.id)).map((e) => e.action)).toContain('auth.studio.revoked.provider-refused');
    });

    it('is revoked by a back-channel logout of the provider session', async () => {
      const ws = await ssoWorkspace();
      provider.signInAs('sso-owner-2', { email: ws.ownerEmail });
      const { configuration, tokens } = await signInWithSso(ws.slug);
      const logout = await hub.app.inject({ method: 'POST', url: `/v1/sso/oidc/${ws.slug}/backchannel-logout`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `logout_token=${await provider.logoutToken({ sub: 'sso-owner-2' })}` });
      expect(logout.statusCode, logout.body).toBe(200);
      expect(await oauthError(client.refreshTokenGrant(configuration, tokens.refresh_token!))).toMatchObject({ error: 'invalid_grant' });
    });

    it('says so on the page when the workspace has no single sign-on', async () => {
      const ws = await testWorkspace(hub.app, hub.database);
      const configuration = await discoverHub(hub.app);
      const browser = testBrowser(hub.app);
      const page = await browser.submit(await browser.get((await startAuthorization(configuration)).url.href), '/sso', { workspace: ws.slug });
      expect(page.status).toBe(400);
      expect(page.html).toMatch(/has no single sign-on/);
    });
  });

  it('refuses a code older than 60 seconds, and a refresh token left unused for 30 days', async () => {
    const ws = await testWorkspace(hub.app, hub.database, clock.now());
    const configuration = await discoverHub(hub.app);
    const started = await startAuthorization(configuration);
    const browser = testBrowser(hub.app);
    const confirm = await browser.submit(await browser.get(started.url.href), '/sign-in', { email: ws.ownerEmail, password: ownerPassword, workspace: '' });
    const allowed = await browser.submit(confirm, '/decision', { decision: 'allow' });
    clock.advance(61);
    expect(await oauthError(exchange(configuration, allowed.loopbackUrl!, started))).toMatchObject({ error: 'invalid_grant', description: expect.stringMatching(/expired/) });

    const { tokens } = await signInWithPassword(ws.ownerEmail);
    clock.advance(29 * 24 * 3600);
    const kept = await client.refreshTokenGrant(configuration, tokens.refresh_token!);
    clock.advance(30 * 24 * 3600 + 1);
    expect(await oauthError(client.refreshTokenGrant(configuration, kept.refresh_token!))).toMatchObject({ error: 'invalid_grant', description: expect.stringMatching(/expired/) });
  });
});
