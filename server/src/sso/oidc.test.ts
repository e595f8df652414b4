import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { Writable } from 'node:stream';
import { hubOnTestDatabase, testHub, testWorkspace } from '../../test/hub';
import { pendingAuthorizationRequest, signedInUser } from '../../test/studio-sign-in';
import { signInAtProvider, startOpenIdProvider, startProviderDouble } from '../../test/openid-provider';
import { readAuditEvents } from '../db/audit-store';

const client = { clientId: 'kata-hub', clientSecret: 'a client secret the provider gave the Hub' };

describe.each(hubDatabases)('OIDC single sign-on on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);
  let provider: Awaited<ReturnType<typeof startOpenIdProvider>>;
  let double: Awaited<ReturnType<typeof startProviderDouble>>;
  beforeAll(async () => {
    provider = await startOpenIdProvider(client);
    double = await startProviderDouble();
  });
  afterAll(async () => {
    await provider?.close();
    await double?.close();
  });

  /** A workspace whose single sign-on goes to `issuer`. */
  async function ssoWorkspace(settings: Record<string, unknown> = {}, issuer = provider.issuer) {
    const ws = await testWorkspace(hub.app, hub.database);
    const saved = await ws.call('PUT', '/v1/sso/oidc', { issuer, ...client, allowedEmailDomains: [`${ws.slug}.example`], ...settings });
    expect(saved.statusCode, saved.body).toBe(200);
    return ws;
  }
  const refusals = async (workspaceId: string) => (await readAuditEvents(hub.database.db, workspaceId)).map((e) => e.action).filter((a) => a.startsWith('sso.oidc.refused'));
  async function start(slug: string, query = 'client=console'): Promise<string> {
    const started = await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/${slug}/start?${query}` });
    expect(started.statusCode, started.body).toBe(302);
    return started.headers.location as string;
  }

  it('keeps the settings with the client secret sealed, never shows the secret, and lets only sso.manage change them', async () => {
    const ws = await ssoWorkspace({ roleClaim: 'groups', roleMapping: { 'kata-marketers': 'marketer' } });
    const read = await ws.call('GET', '/v1/sso/oidc');
    expect(read.json()).toMatchObject({ issuer: provider.issuer, clientId: client.clientId, clientSecretSet: true, scopes: ['openid', 'email', 'profile'], defaultRole: 'viewer', jitProvisioning: false, redirectUri: 'http://127.0.0.1:4400/v1/sso/oidc/callback' });
    expect(read.body).not.toContain(client.clientSecret);
    const row = await hub.database.db.selectFrom('oidc_configs').selectAll().where('workspace_id', '=', ws.id).executeTakeFirstOrThrow();
    expect(row.client_secret).not.toContain(client.clientSecret);
    // Leaving the secret out keeps it; the issuer stays exactly as given (ID tokens must name it so).
    const kept = (await ws.call('PUT', '/v1/sso/oidc', { issuer: 'https://tenant.auth0.example/', clientId: client.clientId, allowedEmailDomains: ['acme.example'] })).json();
    expect(kept).toMatchObject({ clientSecretSet: true, issuer: 'https://tenant.auth0.example/' });

    const bad = await ws.call('PUT', '/v1/sso/oidc', { issuer: 'http://idp.acme.example', clientId: '', allowedEmailDomains: [] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/issuer: .*https/);
    expect(bad.json().error).toMatch(/clientId/);
    expect(bad.json().error).toMatch(/allowedEmailDomains/);
    const admin = await ws.member('admin');
    const tooHigh = await ws.call('PUT', '/v1/sso/oidc', { issuer: provider.issuer, clientId: 'x', allowedEmailDomains: ['acme.example'], roleMapping: { bosses: 'owner' } }, admin.token);
    expect(tooHigh.statusCode).toBe(403);
    expect(tooHigh.json().error).toMatch(/roleMapping\.bosses/);
    const viewer = await ws.member('viewer');
    expect((await ws.call('GET', '/v1/sso/oidc', undefined, viewer.token)).statusCode).toBe(403);

    expect((await ws.call('DELETE', '/v1/sso/oidc')).statusCode).toBe(204);
    expect((await ws.call('GET', '/v1/sso/oidc')).statusCode).toBe(404);
    const actions = (await readAuditEvents(hub.database.db, ws.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['sso.oidc.configured', 'sso.oidc.removed']));
  });

  it('signs a member in through a real OpenID Provider (a session cookie, then the console or back to Studio sign-in), once per code', async () => {
    const ws = await ssoWorkspace({ roleClaim: 'groups', roleMapping: { 'kata-admins': 'admin' } });
    const marketer = await ws.member('marketer');
    provider.signInAs('marketer-1', { email: marketer.email, groups: ['kata-admins', 'everyone'] });
    // Started from Kata Studio's sign-in page: back to that authorization request afterwards.
    const requestId = await pendingAuthorizationRequest(hub.app);
    const location = await start(ws.slug, `authorizationRequest=${requestId}`);
    const authorization = new URL(location);
    expect(authorization.origin).toBe(provider.issuer);
    expect(authorization.searchParams.get('code_challenge_method')).toBe('S256');
    // No offline_access in the scopes: no consent prompt, no provider refresh token.
    expect(authorization.searchParams.get('prompt')).toBeNull();
    const callback = await signInAtProvider(location);

    const signedIn = await hub.app.inject({ method: 'GET', url: callback });
    expect(signedIn.statusCode, signedIn.body).toBe(302);
    expect(signedIn.headers.location).toBe(`http://127.0.0.1:4400/oauth/requests/${requestId}`);
    expect(await signedInUser(hub.app, signedIn)).toMatchObject({ id: marketer.id, email: marketer.email, role: 'admin' });
    // An authorization request that is unknown or over is refused before the provider is asked.
    const unknown = await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/${ws.slug}/start?authorizationRequest=nothing-like-it` });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('sso-authorization-request-expired');

    // The same callback again: the state was used up.
    const replayed = await hub.app.inject({ method: 'GET', url: callback, headers: { accept: 'text/html' } });
    expect(replayed.statusCode).toBe(400);
    expect(replayed.headers['content-type']).toMatch(/text\/html/);
    expect(replayed.body).toMatch(/expired, was already finished/);

    provider.signInAs('owner-1', { email: ws.ownerEmail });
    const consoleCallback = await signInAtProvider(await start(ws.slug));
    const consoleSignIn = await hub.app.inject({ method: 'GET', url: consoleCallback });
    expect(consoleSignIn.statusCode).toBe(302);
    expect(consoleSignIn.headers.location).toBe('http://127.0.0.1:4400/');
    const cookie = consoleSignIn.cookies.find((c) => c.name === 'kata_session')!;
    expect(cookie.httpOnly).toBe(true);
    const owner = await hub.app.inject({ method: 'GET', url: '/v1/me', cookies: { kata_session: cookie.value } });
    expect(owner.json().user).toMatchObject({ id: ws.ownerId, role: 'owner' });

    const actions = (await readAuditEvents(hub.database.db, ws.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['auth.login.succeeded', 'member.role-changed']));
  });

  it('refuses a code used twice: the provider rejects it, the Hub says so and audits it', async () => {
    const ws = await ssoWorkspace();
    provider.signInAs('owner-2', { email: ws.ownerEmail });
    const first = await signInAtProvider(await start(ws.slug));
    const code = new URL(first, 'http://x').searchParams.get('code')!;
    expect((await hub.app.inject({ method: 'GET', url: first })).statusCode).toBe(302);
    // A fresh state with the old code, as an attacker holding a stolen code would try.
    const second = await signInAtProvider(await start(ws.slug));
    const reused = new URL(second, 'http://127.0.0.1:4400');
    reused.searchParams.set('code', code);
    const refused = await hub.app.inject({ method: 'GET', url: `${reused.pathname}${reused.search}` });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ code: 'sso-code-rejected', error: expect.stringMatching(/already used or has expired/) });
    expect(await refusals(ws.id)).toEqual(['sso.oidc.refused.code-rejected']);
  });

  it('refuses a wrong or missing state, an email outside the allowed domains, and people who are not members unless JIT is on', async () => {
    const ws = await ssoWorkspace({ roleClaim: 'groups', roleMapping: { 'kata-marketers': 'marketer' } });
    const state = new URL(await start(ws.slug)).searchParams.get('state')!;
    const providerSaidNo = await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/callback?error=access_denied&error_description=${encodeURIComponent('Call 555-0100 to unlock')}&state=${state}` });
    expect(providerSaidNo.statusCode).toBe(401);
    expect(providerSaidNo.json().error).toMatch(/did not sign you in \(access_denied\)/);
    expect(providerSaidNo.body).not.toContain('555-0100');
    const wrongState = await hub.app.inject({ method: 'GET', url: '/v1/sso/oidc/callback?code=abc&state=not-a-state-we-made' });
    expect(wrongState.statusCode).toBe(400);
    expect(wrongState.json().code).toBe('sso-unknown-state');

    provider.signInAs('outsider', { email: 'someone@gmail.example' });
    const outside = await hub.app.inject({ method: 'GET', url: await signInAtProvider(await start(ws.slug)) });
    expect(outside.statusCode).toBe(403);
    expect(outside.json().error).toMatch(/gmail\.example may not sign in/);

    provider.signInAs('stranger', { email: `new.person@${ws.slug}.example`, groups: ['kata-marketers'] });
    const notMember = await hub.app.inject({ method: 'GET', url: await signInAtProvider(await start(ws.slug)) });
    expect(notMember.statusCode).toBe(403);
    expect(notMember.json().error).toMatch(/not a member/);
    expect(await refusals(ws.id)).toEqual(['sso.oidc.refused.provider-refused', 'sso.oidc.refused.email-domain-not-allowed', 'sso.oidc.refused.not-a-member']);

    // With JIT on, the same person becomes a member with the role their group maps to.
    expect((await ws.call('PUT', '/v1/sso/oidc', { issuer: provider.issuer, clientId: client.clientId, allowedEmailDomains: [`${ws.slug}.example`], roleClaim: 'groups', roleMapping: { 'kata-marketers': 'marketer' }, jitProvisioning: true })).statusCode).toBe(200);
    const joined = await hub.app.inject({ method: 'GET', url: await signInAtProvider(await start(ws.slug)) });
    expect(joined.statusCode, joined.body).toBe(302);
    const newcomer = await signedInUser(hub.app, joined);
    expect(newcomer).toMatchObject({ email: `new.person@${ws.slug}.example`, role: 'marketer' });

    // A removed member stays out, JIT or not.
    expect((await ws.call('DELETE', `/v1/members/${newcomer.id}`)).statusCode).toBe(204);
    const removed = await hub.app.inject({ method: 'GET', url: await signInAtProvider(await start(ws.slug)) });
    expect(removed.statusCode).toBe(403);
    expect(removed.json().code).toBe('sso-member-deactivated');
  });

  // oidc-provider will not make these tokens, so a stand-in provider answers the token request with one the test signed (or did not).
  it.each([
    ['wrong-audience', 'sso.oidc.refused.wrong-aud', /not meant for this Hub/],
    ['alg-none', 'sso.oidc.refused.unsigned-or-unsupported-token', /unsigned or signed in a way/],
    ['unknown-kid', 'sso.oidc.refused.unknown-signing-key', /key it does not publish/],
    ['expired', 'sso.oidc.refused.token-expired', /expired/],
  ] as const)('refuses an ID token that is %s', async (tamper, action, message) => {
    const ws = await ssoWorkspace({}, double.issuer);
    const authorization = new URL(await start(ws.slug));
    await double.willAnswer({ audience: client.clientId, nonce: authorization.searchParams.get('nonce')!, email: ws.ownerEmail, tamper });
    const refused = await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/callback?code=any&state=${authorization.searchParams.get('state')}` });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error).toMatch(message);
    expect(await refusals(ws.id)).toEqual([action]);
  });

  it('lets a well-made token from the stand-in in, so the refusals above are about the token alone', async () => {
    const ws = await ssoWorkspace({}, double.issuer);
    const authorization = new URL(await start(ws.slug));
    await double.willAnswer({ audience: client.clientId, nonce: authorization.searchParams.get('nonce')!, email: ws.ownerEmail, tamper: 'none' });
    const signedIn = await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/callback?code=any&state=${authorization.searchParams.get('state')}` });
    expect(signedIn.statusCode, signedIn.body).toBe(302);
    expect(await signedInUser(hub.app, signedIn)).toMatchObject({ id: ws.ownerId });
  });

  it('tells a browser in plain words when a workspace has no single sign-on or its provider does not answer', async () => {
    const unknown = await hub.app.inject({ method: 'GET', url: '/v1/sso/oidc/no-such-workspace/start', headers: { accept: 'text/html' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toMatch(/has no single sign-on; sign in with your email and password/);
    const ws = await ssoWorkspace({}, 'http://127.0.0.1:9');
    const silent = await hub.app.inject({ method: 'GET', url: `/v1/sso/oidc/${ws.slug}/start` });
    expect(silent.statusCode).toBe(502);
    expect(silent.json()).toMatchObject({ code: 'sso-provider-unreachable', error: expect.stringMatching(/did not answer/) });
  });

  it('refuses a sign-in started more than ten minutes ago', async () => {
    const ws = await ssoWorkspace();
    provider.signInAs('owner-3', { email: ws.ownerEmail });
    const callback = await signInAtProvider(await start(ws.slug));
    await hub.database.db.updateTable('oidc_sign_ins').set({ expires_at: new Date(Date.now() - 1000) }).where('workspace_id', '=', ws.id).execute();
    const late = await hub.app.inject({ method: 'GET', url: callback });
    expect(late.statusCode).toBe(400);
    expect(late.json().code).toBe('sso-unknown-state');
  });

  it('writes neither the client secret nor the code, the state or the tokens to the log', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(chunk.toString())) });
    const logged = await testHub(hub.database, { logger: { level: 'debug', stream } });
    try {
      const ws = await testWorkspace(logged, hub.database);
      expect((await ws.call('PUT', '/v1/sso/oidc', { issuer: provider.issuer, ...client, allowedEmailDomains: [`${ws.slug}.example`] })).statusCode).toBe(200);
      provider.signInAs('owner-4', { email: ws.ownerEmail });
      const started = await logged.inject({ method: 'GET', url: `/v1/sso/oidc/${ws.slug}/start` });
      const callback = await signInAtProvider(started.headers.location as string);
      const answer = await logged.inject({ method: 'GET', url: callback });
      expect(answer.statusCode).toBe(302);
      const params = new URL(callback, 'http://127.0.0.1:4400').searchParams;
      const log = lines.join('');
      expect(log).toContain('/v1/sso/oidc/callback');
      for (const secret of [client.clientSecret, params.get('code')!, params.get('state')!, answer.cookies.find((c) => c.name === 'kata_session')!.value]) expect(log).not.toContain(secret);
    } finally {
      await logged.close();
    }
  });
});
