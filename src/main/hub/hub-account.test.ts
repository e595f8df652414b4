import { join } from 'node:path';
import * as client from 'openid-client';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { authorizationServerForTests, browse, startAuthorizationServer } from '../../../test/oauth-provider';
import type { HubAccount } from '../../shared/hub/account';
import { discoverHub } from '../auth/native-sign-in';
import { createFileVault, type HubSession } from '../auth/token-vault';
import { createHubAccount, type HubAccountOptions, type HubAccountService } from './hub-account';

const server = authorizationServerForTests();

const opened: HubAccountService[] = [];
afterEach(() => {
  for (const account of opened.splice(0)) account.close();
});

/** An account whose "system browser" signs in at once, as a person who clicks through would. */
async function account(options: Partial<HubAccountOptions> & { hubUrl?: string; dir?: string } = {}) {
  const dir = options.dir ?? (await tempDir('hub-account'));
  const vaultFile = join(dir, 'hub-session.json');
  const pages: Promise<{ status: number; text: string }>[] = [];
  const created = createHubAccount({
    vault: createFileVault(vaultFile),
    settingsFile: join(dir, 'hub-settings.json'),
    defaultSetting: { url: options.hubUrl ?? server.issuer },
    algorithm: 'oidc',
    openBrowser: (url) => void pages.push(browse(url)),
    ...options,
  });
  opened.push(created);
  const changes: HubAccount[] = [];
  created.onChange((next) => changes.push(next));
  const saved = async () => (await createFileVault(vaultFile).load()).session;
  return { account: created, dir, vaultFile, pages, changes, saved };
}

async function signedIn(options: Parameters<typeof account>[0] = {}) {
  const made = await account(options);
  await made.account.signIn();
  await expect.poll(() => made.account.current()).toMatchObject({ state: 'signed-in' });
  return made;
}

const refreshWith = async (hubUrl: string, refreshToken: string) => client.refreshTokenGrant(await discoverHub(hubUrl, 'oidc'), refreshToken);

describe('Hub account against a real authorization server', () => {
  it('signs in through the browser and shows who and which workspace, never a token', async () => {
    const { account: hub, changes, pages, saved } = await account();
    expect(await hub.current()).toEqual({ state: 'signed-out', hubUrl: server.issuer });
    const { authorizationUrl } = await hub.signIn();
    expect(authorizationUrl).toMatch(new RegExp(`^${server.issuer}/auth\\?`));
    await expect.poll(() => hub.current()).toMatchObject({ state: 'signed-in' });
    expect(await hub.current()).toEqual({
      state: 'signed-in',
      hubUrl: server.issuer,
      user: { name: 'Olivia Owner', email: 'olivia@acme.example', role: 'owner' },
      workspace: { name: 'Acme', slug: 'acme' },
    });
    expect(changes.map((change) => change.state)).toEqual(['signing-in', 'signed-in']);
    expect(changes[0]).toEqual({ state: 'signing-in', hubUrl: server.issuer, authorizationUrl });
    expect(await pages[0]).toMatchObject({ status: 200 });
    expect(await saved()).toMatchObject({ hubUrl: server.issuer, user: { id: 'u-olivia' }, workspace: { slug: 'acme' } });
  });

  it('comes back signed in after a restart, from the vault alone', async () => {
    const first = await signedIn();
    first.account.close();
    const restarted = createHubAccount({ vault: createFileVault(first.vaultFile), settingsFile: join(first.dir, 'hub-settings.json'), defaultSetting: { url: null }, algorithm: 'oidc' });
    opened.push(restarted);
    expect(await restarted.current()).toMatchObject({ state: 'signed-in', hubUrl: server.issuer, user: { email: 'olivia@acme.example' } });
    expect(await restarted.setting()).toEqual({ url: server.issuer });
  });

  it('gives the page of the sign-in under way when asked twice, and cancel ends it without a problem and closes the port', async () => {
    const { account: hub } = await account({ openBrowser: () => undefined });
    const first = await hub.signIn();
    expect(await hub.signIn()).toEqual(first);
    await hub.cancelSignIn();
    await expect.poll(() => hub.current()).toEqual({ state: 'signed-out', hubUrl: server.issuer });
    const loopback = new URL(first.authorizationUrl).searchParams.get('redirect_uri')!;
    await expect(fetch(loopback)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });

  it('is signed out with the reason when the sign-in times out', async () => {
    const { account: hub } = await account({ openBrowser: () => undefined, signInTimeoutMs: 100 });
    await hub.signIn();
    await expect.poll(() => hub.current()).toEqual({ state: 'signed-out', hubUrl: server.issuer, problem: 'Sign-in was not finished within 0 seconds; start again from Studio.' });
  });

  it('renews the tokens 60 s before they expire and keeps the new ones in the vault', async () => {
    const shortLived = await startAuthorizationServer({ accessTokenSeconds: 61 });
    try {
      const { account: hub, saved } = await signedIn({ hubUrl: shortLived.issuer });
      const before = (await saved())!;
      await expect.poll(async () => (await saved())?.refreshToken, { timeout: 5000 }).not.toBe(before.refreshToken);
      const after = (await saved())!;
      expect(after.accessToken).not.toBe(before.accessToken);
      expect(after.expiresAt).toBeGreaterThan(before.expiresAt);
      expect(await hub.current()).toMatchObject({ state: 'signed-in' });
      // Rotated: the old refresh token is spent.
      await expect(refreshWith(shortLived.issuer, before.refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
    } finally {
      await shortLived.close();
    }
  });

  it('renews once on a 401 and repeats the call', async () => {
    const { account: hub, dir, vaultFile, saved } = await signedIn();
    hub.close();
    await createFileVault(vaultFile).save({ ...((await saved()) as HubSession), accessToken: 'no-longer-valid' });
    const restarted = createHubAccount({ vault: createFileVault(vaultFile), settingsFile: join(dir, 'hub-settings.json'), defaultSetting: { url: server.issuer }, algorithm: 'oidc' });
    opened.push(restarted);
    const response = await restarted.fetch('/v1/me');
    expect(response.status).toBe(200);
    expect((await saved())!.accessToken).not.toBe('no-longer-valid');
  });

  it('is signed out with the reason when the Hub ended the session (invalid_grant)', async () => {
    const { account: hub, saved } = await signedIn();
    const session = (await saved())!;
    await client.tokenRevocation(await discoverHub(server.issuer, 'oidc'), session.refreshToken);
    expect((await hub.fetch('/v1/me')).status).toBe(401);
    expect(await hub.current()).toEqual({ state: 'signed-out', hubUrl: server.issuer, problem: 'Your Hub session ended; sign in again.' });
    expect(await saved()).toBeNull();
  });

  it('stays signed in when the Hub cannot be reached to renew, and says it will try again', async () => {
    const shortLived = await startAuthorizationServer({ accessTokenSeconds: 61 });
    const warnings: string[] = [];
    const { account: hub } = await signedIn({ hubUrl: shortLived.issuer, onWarning: (message) => warnings.push(message) });
    await shortLived.close();
    await expect.poll(() => warnings, { timeout: 5000 }).toContainEqual(expect.stringMatching(/Could not renew the Hub sign-in .*trying again in 5 s/));
    expect(await hub.current()).toMatchObject({ state: 'signed-in' });
  });

  it('signs out: the Hub revokes the grant and the vault is emptied', async () => {
    const { account: hub, saved } = await signedIn();
    const session = (await saved())!;
    await hub.signOut();
    expect(await hub.current()).toEqual({ state: 'signed-out', hubUrl: server.issuer });
    expect(await saved()).toBeNull();
    await expect(refreshWith(server.issuer, session.refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('signs out offline all the same', async () => {
    const gone = await startAuthorizationServer();
    const { account: hub, saved } = await signedIn({ hubUrl: gone.issuer, onWarning: () => undefined });
    await gone.close();
    await hub.signOut();
    expect(await hub.current()).toEqual({ state: 'signed-out', hubUrl: gone.issuer });
    expect(await saved()).toBeNull();
  });

  it('changes the Hub address only while signed out, and keeps it', async () => {
    const { account: hub, dir } = await signedIn();
    await expect(hub.setUrl('http://127.0.0.1:1')).rejects.toThrow('Sign out of the Hub first; then change its address.');
    await hub.signOut();
    expect(await hub.setUrl('https://hub.acme.example')).toEqual({ state: 'signed-out', hubUrl: 'https://hub.acme.example' });
    const later = createHubAccount({ vault: createFileVault(join(dir, 'v')), settingsFile: join(dir, 'hub-settings.json'), defaultSetting: { url: 'http://ignored.example' } });
    opened.push(later);
    expect(await later.setting()).toEqual({ url: 'https://hub.acme.example' });
  });

  it('says what to do when no Hub is set or it cannot be reached', async () => {
    const { account: none } = await account({ defaultSetting: { url: null } });
    await expect(none.signIn()).rejects.toThrow('Set the Hub address in Settings first.');
    const gone = await startAuthorizationServer();
    await gone.close();
    const { account: unreachable } = await account({ defaultSetting: { url: gone.issuer } });
    await expect(unreachable.signIn()).rejects.toThrow(`The Hub at ${gone.issuer} could not be reached, or it is not a Kata Hub (connect ECONNREFUSED`);
    expect(await unreachable.current()).toMatchObject({ state: 'signed-out', problem: expect.stringMatching(/could not be reached/) });
  });
});
