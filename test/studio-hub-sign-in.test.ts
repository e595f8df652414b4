import { join } from 'node:path';
import * as client from 'openid-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/src/db/database';
import { hubOnTestDatabase, ownerPassword, testWorkspace } from '../server/test/hub';
import { testBrowser } from '../server/test/studio-sign-in';
import { discoverHub } from '../src/main/auth/native-sign-in';
import { createFileVault, type HubSession } from '../src/main/auth/token-vault';
import { createHubAccount, type HubAccountService } from '../src/main/hub/hub-account';
import { tempDir } from './ffmpeg-fixtures';

// Studio's account (src/main) against a real Hub listening on loopback: the Hub's own sign-in and confirm pages, driven as a browser would.
describe('Studio signs in to a real Hub', () => {
  const hub = hubOnTestDatabase(() => openDatabase({}), { publicUrl: 'listen-address' });
  let hubUrl = '';
  beforeAll(async () => {
    hubUrl = (await hub.app.listen({ port: 0, host: '127.0.0.1' })).replace('localhost', '127.0.0.1');
  });

  const opened: HubAccountService[] = [];
  afterEach(() => {
    for (const account of opened.splice(0)) account.close();
  });

  function accountIn(dir: string, openBrowser?: (url: string) => Promise<void>) {
    const account = createHubAccount({ vault: createFileVault(join(dir, 'hub-session.json')), settingsFile: join(dir, 'hub-settings.json'), defaultSetting: { url: hubUrl }, openBrowser, onWarning: () => undefined });
    opened.push(account);
    return account;
  }

  /** The person's browser: the Hub's sign-in page (password), then Allow or Cancel; the last redirect reaches Studio's loopback. */
  const person = (email: string, workspace: string, decision: 'allow' | 'cancel' = 'allow') => async (url: string) => {
    const browser = testBrowser(hub.app);
    const signInPage = await browser.get(url);
    const confirm = await browser.submit(signInPage, '/sign-in', { email, password: ownerPassword, workspace });
    expect(confirm.html).toMatch(/Allow Kata Studio on this computer to use Kata Hub as/);
    const back = await browser.submit(confirm, '/decision', { decision });
    expect(back.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/kata-studio\/signed-in\?/);
  };

  async function signedIn() {
    const ws = await testWorkspace(hub.app, hub.database);
    const dir = await tempDir('studio-hub');
    const account = accountIn(dir, person(ws.ownerEmail, ws.slug));
    await account.signIn();
    await expect.poll(() => account.current(), { timeout: 10_000 }).toMatchObject({ state: 'signed-in' });
    const saved = async () => (await createFileVault(join(dir, 'hub-session.json')).load()).session;
    return { ws, dir, account, saved };
  }

  it('signs in with the Hub password page and Allow, and shows the person and the workspace', async () => {
    const { ws, account, saved } = await signedIn();
    expect(await account.current()).toEqual({
      state: 'signed-in',
      hubUrl,
      user: { name: 'Olivia Owner', email: ws.ownerEmail, role: 'owner' },
      workspace: { name: expect.stringMatching(/^Workspace \d+$/), slug: ws.slug },
    });
    expect((await account.fetch('/v1/me')).status).toBe(200);
    expect(await saved()).toMatchObject({ hubUrl, user: { id: ws.ownerId }, workspace: { id: ws.id } });
  });

  it('tells the person which address to save when the Hub calls itself by another one (localhost for 127.0.0.1)', async () => {
    const account = accountIn(await tempDir('studio-hub'));
    const viaLocalhost = hubUrl.replace('127.0.0.1', 'localhost');
    await account.setUrl(viaLocalhost);
    await expect(account.signIn()).rejects.toThrow(`The Hub at ${viaLocalhost} calls itself ${hubUrl}: save that address in Settings`);
  });

  it('is signed out, saying so, when the person cancels on the Hub page', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const account = accountIn(await tempDir('studio-hub'), person(ws.ownerEmail, ws.slug, 'cancel'));
    await account.signIn();
    await expect.poll(() => account.current(), { timeout: 10_000 }).toEqual({ state: 'signed-out', hubUrl, problem: 'Sign-in was cancelled at the Hub.' });
  });

  it('renews near expiry after a restart: the Hub rotates the tokens, the vault keeps the new ones', async () => {
    const { ws, dir, account, saved } = await signedIn();
    account.close();
    const before = (await saved())!;
    await createFileVault(join(dir, 'hub-session.json')).save({ ...before, expiresAt: Date.now() + 30_000 });
    // Renamed on the Hub meanwhile: the renewal brings the new name.
    expect((await ws.call('PATCH', '/v1/workspace', { name: 'Acme Renamed' })).statusCode).toBe(200);
    const restarted = accountIn(dir);
    expect(await restarted.current()).toMatchObject({ state: 'signed-in' });
    await expect.poll(async () => (await saved())?.refreshToken, { timeout: 10_000 }).not.toBe(before.refreshToken);
    const after = (await saved()) as HubSession;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
    expect(after.workspace.name).toBe('Acme Renamed');
    expect(await restarted.current()).toMatchObject({ state: 'signed-in', workspace: { name: 'Acme Renamed' } });
    expect((await restarted.fetch('/v1/me')).status).toBe(200);
  });

  it('is signed out with the reason when the Hub ended the grant (invalid_grant on renewal)', async () => {
    const { account, saved } = await signedIn();
    const session = (await saved())!;
    await client.tokenRevocation(await discoverHub(hubUrl), session.refreshToken, { token_type_hint: 'refresh_token' });
    expect((await account.fetch('/v1/me')).status).toBe(401);
    expect(await account.current()).toEqual({ state: 'signed-out', hubUrl, problem: 'Your Hub session ended; sign in again.' });
    expect(await saved()).toBeNull();
  });

  it('signs out: the Hub revokes the grant (the old refresh token is refused) and the vault is emptied', async () => {
    const { account, saved } = await signedIn();
    const session = (await saved())!;
    await account.signOut();
    expect(await account.current()).toEqual({ state: 'signed-out', hubUrl });
    expect(await saved()).toBeNull();
    await expect(client.refreshTokenGrant(await discoverHub(hubUrl), session.refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
    const me = await fetch(`${hubUrl}/v1/me`, { headers: { authorization: `Bearer ${session.accessToken}` } });
    expect(me.status).toBe(401);
  });
});
