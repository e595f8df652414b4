import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { callHub, ownerPassword, signIn, testClock, testHub, testWorkspace } from '../../test/hub';
import type { HubDatabase } from '../db/database';
import { readAuditEvents } from '../db/audit-store';
import { totpCode } from './totp';

describe.each(hubDatabases)('local sign-in on $name', ({ open }) => {
  let database: HubDatabase;
  let app: FastifyInstance;
  const clock = testClock();
  beforeAll(async () => {
    database = await open();
    app = await testHub(database, { now: clock.now, trustProxy: true });
  }, 30_000);
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  const login = (payload: object, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/v1/auth/login', payload, headers: { 'user-agent': 'KataTest/1', ...headers } });
  const actions = async (workspaceId: string) => (await readAuditEvents(database.db, workspaceId)).map((e) => e.action);

  it('signs a browser in with an httpOnly session cookie, and Studio with a bearer token', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const browser = await login({ email: ws.ownerEmail.toUpperCase(), password: ownerPassword });
    expect(browser.statusCode).toBe(200);
    const cookie = browser.cookies.find((c) => c.name === 'kata_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeFalsy();
    expect(browser.json().accessToken).toBeUndefined();
    const me = await app.inject({ url: '/v1/me', cookies: { kata_session: cookie.value } });
    expect(me.json()).toMatchObject({ user: { email: ws.ownerEmail, role: 'owner' }, workspace: { slug: ws.slug }, permissions: expect.arrayContaining(['workspace.manage']) });
    // Over TLS (here via a trusted proxy) the cookie is Secure.
    const overTls = await login({ email: ws.ownerEmail, password: ownerPassword }, { 'x-forwarded-proto': 'https' });
    expect(overTls.cookies.find((c) => c.name === 'kata_session')!.secure).toBe(true);

    const studio = await login({ email: ws.ownerEmail, password: ownerPassword, client: 'studio' });
    expect(studio.json().accessToken).toMatch(/^kat_/);
    expect(studio.cookies).toHaveLength(0);
    expect((await callHub(app, 'GET', '/v1/me', undefined, studio.json().accessToken)).json().user.email).toBe(ws.ownerEmail);
    // A session cookie's value is not accepted as a bearer token, and the other way round.
    expect((await callHub(app, 'GET', '/v1/me', undefined, cookie.value)).statusCode).toBe(401);
  });

  it('audits every attempt, good or bad, with the IP address and user agent', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    expect((await login({ email: ws.ownerEmail, password: 'wrong password!' }, { 'x-forwarded-for': '203.0.113.9' })).json()).toMatchObject({ error: 'The email or password is wrong.', code: 'wrong-credentials' });
    const events = await readAuditEvents(database.db, ws.id);
    const failed = events.find((e) => e.action === 'auth.login.failed.password')!;
    expect(failed).toMatchObject({ ip: '203.0.113.9', userAgent: 'KataTest/1', target: { kind: 'user', id: ws.ownerId } });
    expect(events.filter((e) => e.action === 'auth.login.succeeded')).toHaveLength(1);
    // An unknown account is audited on the Hub's own chain, without the email in clear.
    const before = (await actions('hub')).length;
    expect((await login({ email: 'nobody@nowhere.example', password: 'whatever it is' })).statusCode).toBe(401);
    const hubEvents = await readAuditEvents(database.db, 'hub');
    expect(hubEvents).toHaveLength(before + 1);
    expect(hubEvents.at(-1)).toMatchObject({ action: 'auth.login.failed.unknown-account', target: { kind: 'email-digest' } });
    expect(JSON.stringify(hubEvents)).not.toContain('nobody@nowhere.example');
  });

  it('locks an account after five wrong passwords, with a back-off that doubles', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    for (let i = 0; i < 5; i++) expect((await login({ email: ws.ownerEmail, password: `guess number ${i}` })).statusCode).toBe(401);
    const locked = await login({ email: ws.ownerEmail, password: ownerPassword });
    expect(locked.statusCode).toBe(423);
    expect(locked.headers['retry-after']).toBe('30');
    expect(locked.json().error).toMatch(/locked for 30 more seconds/);
    clock.advance(31);
    // One more wrong guess after the lock locks it again, for twice as long.
    expect((await login({ email: ws.ownerEmail, password: 'guess number 6' })).statusCode).toBe(401);
    expect((await login({ email: ws.ownerEmail, password: ownerPassword })).headers['retry-after']).toBe('60');
    clock.advance(61);
    expect((await login({ email: ws.ownerEmail, password: ownerPassword })).statusCode).toBe(200);
    // A success resets the count.
    expect((await login({ email: ws.ownerEmail, password: 'one slip' })).statusCode).toBe(401);
    expect((await login({ email: ws.ownerEmail, password: ownerPassword })).statusCode).toBe(200);
    expect(await actions(ws.id)).toEqual(expect.arrayContaining(['auth.login.failed.password.now-locked', 'auth.login.failed.locked']));
  });

  it('asks for a TOTP code once two-step sign-in is on, and takes each code once', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const setup = (await ws.call('POST', '/v1/auth/mfa/totp/setup')).json();
    expect(setup.otpauthUri).toMatch(/^otpauth:\/\/totp\/Kata%20Hub:owner/);
    expect((await ws.call('POST', '/v1/auth/mfa/totp/confirm', { code: '000000' })).statusCode).toBe(400);
    expect((await ws.call('POST', '/v1/auth/mfa/totp/confirm', { code: totpCode(setup.secret, clock.now()) })).statusCode).toBe(204);
    const stored = await database.db.selectFrom('users').select('totp_secret').where('id', '=', ws.ownerId).executeTakeFirstOrThrow();
    expect(stored.totp_secret).not.toContain(setup.secret);
    expect(stored.totp_secret).toMatch(/^v1\.k2\./);
    clock.advance(30);
    const noCode = await login({ email: ws.ownerEmail, password: ownerPassword });
    expect(noCode.statusCode).toBe(401);
    expect(noCode.json().code).toBe('mfa-required');
    const code = totpCode(setup.secret, clock.now());
    expect((await login({ email: ws.ownerEmail, password: ownerPassword, totp: code })).statusCode).toBe(200);
    const replay = await login({ email: ws.ownerEmail, password: ownerPassword, totp: code });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().code).toBe('mfa-wrong');
    expect((await login({ email: ws.ownerEmail, password: ownerPassword, totp: '12345' })).json().error).toMatch(/totp: must be the 6-digit code/);
  });

  it('holds members of a workspace that requires two-step sign-in to setting it up first', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const marketer = await ws.member('marketer');
    expect((await ws.call('PATCH', '/v1/workspace', { mfaRequired: true })).json().mfaRequired).toBe(true);
    const response = await login({ email: marketer.email, password: ownerPassword, client: 'studio' });
    expect(response.json().mfaEnrolmentRequired).toBe(true);
    const token = response.json().accessToken;
    const blocked = await callHub(app, 'GET', '/v1/members', undefined, token);
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('mfa-enrolment-required');
    const setup = (await callHub(app, 'POST', '/v1/auth/mfa/totp/setup', undefined, token)).json();
    expect((await callHub(app, 'POST', '/v1/auth/mfa/totp/confirm', { code: totpCode(setup.secret, clock.now()) }, token)).statusCode).toBe(204);
    expect((await callHub(app, 'GET', '/v1/members', undefined, token)).statusCode).toBe(200);
    expect((await callHub(app, 'POST', '/v1/auth/mfa/totp/disable', { code: totpCode(setup.secret, clock.now()) }, token)).json().code).toBe('mfa-required-by-workspace');
  });

  it('ends a session at sign-out, and all other sessions at a password change', async () => {
    const ws = await testWorkspace(app, database, clock.now());
    const other = await signIn(app, ws.ownerEmail, ownerPassword, ws.slug);
    expect((await ws.call('POST', '/v1/auth/logout', undefined, other)).statusCode).toBe(204);
    const after = await callHub(app, 'GET', '/v1/me', undefined, other);
    expect(after.statusCode).toBe(401);
    expect(after.json().error).toMatch(/sign in again/);
    const third = await signIn(app, ws.ownerEmail, ownerPassword, ws.slug);
    expect((await ws.call('POST', '/v1/auth/password', { currentPassword: ownerPassword, newPassword: 'short' })).json().error).toMatch(/newPassword: must be at least 12 characters/);
    expect((await ws.call('POST', '/v1/auth/password', { currentPassword: ownerPassword, newPassword: 'a much better passphrase' })).statusCode).toBe(204);
    expect((await callHub(app, 'GET', '/v1/me', undefined, third)).statusCode).toBe(401);
    expect((await ws.call('GET', '/v1/me')).statusCode).toBe(200);
    expect((await login({ email: ws.ownerEmail, password: 'a much better passphrase' })).statusCode).toBe(200);
  });

  it('asks which workspace when an email has accounts in several, and only after the password is right', async () => {
    const a = await testWorkspace(app, database, clock.now());
    const b = await testWorkspace(app, database, clock.now());
    const invitation = (await b.call('POST', '/v1/invitations', { email: a.ownerEmail, role: 'viewer' })).json();
    expect((await app.inject({ method: 'POST', url: '/v1/auth/accept-invitation', payload: { token: invitation.token, name: 'Olivia', password: ownerPassword } })).statusCode).toBe(200);
    const ambiguous = await login({ email: a.ownerEmail, password: ownerPassword });
    expect(ambiguous.statusCode).toBe(409);
    expect(ambiguous.json().error).toContain(a.slug);
    expect((await login({ email: a.ownerEmail, password: 'not the password' })).statusCode).toBe(401);
    expect((await login({ email: a.ownerEmail, password: ownerPassword, workspace: b.slug })).json().user.role).toBe('viewer');
  });
});

describe('the sign-in rate limit', () => {
  let database: HubDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await hubDatabases[0]!.open();
    app = await testHub(database, { rateLimits: { signIn: 3, perIp: 10_000 } });
  }, 30_000);
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('is stricter than the rest, and says when to come back', async () => {
    const attempt = () => app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'x@y.example', password: 'guess' } });
    for (let i = 0; i < 3; i++) {
      const response = await attempt();
      expect(response.statusCode).toBe(401);
      expect(response.headers['ratelimit-limit']).toBe('3');
      expect(response.headers['ratelimit-remaining']).toBe(String(2 - i));
    }
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ code: 'rate-limited', error: expect.stringMatching(/limit is 3 a minute/) });
    // Other routes are still open to the same address.
    expect((await app.inject({ url: '/v1/me' })).statusCode).toBe(401);
  });
});
