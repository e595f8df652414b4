import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { authorizationServerForTests, browse } from '../../../test/oauth-provider';
import { testServices } from '../../../test/studio-services';
import { createFileVault } from '../auth/token-vault';
import { appRouter } from '../router';
import { createHubAccount } from './hub-account';

const server = authorizationServerForTests();

async function hubCaller(signal?: AbortSignal) {
  const dir = await tempDir('hub-router');
  const vaultFile = join(dir, 'hub-session.json');
  const hubAccount = createHubAccount({ vault: createFileVault(vaultFile), settingsFile: join(dir, 'hub-settings.json'), defaultSetting: { url: null }, algorithm: 'oidc' });
  const services = await testServices({ hubAccount });
  return { caller: appRouter.createCaller({ services }, { signal }), vaultFile, dir, close: () => services.close() };
}

describe('hub router', () => {
  it('signs in and out through the procedures, telling every change, and no answer carries a token', async () => {
    const controller = new AbortController();
    const { caller, vaultFile, close } = await hubCaller(controller.signal);
    const answers: unknown[] = [];
    const seen: unknown[] = [];
    const watching = (async () => {
      for await (const account of await caller.hub.accountChanges()) {
        seen.push(account);
        if (seen.length === 5) controller.abort();
      }
    })();
    await expect.poll(() => seen).toEqual([{ state: 'signed-out', hubUrl: null }]);

    answers.push(await caller.hub.setUrl({ url: `${server.issuer}/` }));
    const started = await caller.hub.signIn();
    answers.push(started);
    await browse(started.authorizationUrl);
    await expect.poll(() => caller.hub.account()).toMatchObject({ state: 'signed-in', user: { email: 'olivia@acme.example' }, workspace: { slug: 'acme' } });
    answers.push(await caller.hub.account());
    expect(await caller.hub.status()).toEqual({ state: 'connected', url: server.issuer });

    const vault = await readFile(vaultFile, 'utf8');
    const session = (await createFileVault(vaultFile).load()).session!;
    answers.push(await caller.hub.signOut());
    await watching;
    expect(seen.map((account) => (account as { state: string }).state)).toEqual(['signed-out', 'signed-out', 'signing-in', 'signed-in', 'signed-out']);
    const everything = JSON.stringify([answers, seen]);
    for (const secret of [session.accessToken, session.refreshToken]) {
      expect(vault).toContain(secret);
      expect(everything).not.toContain(secret);
    }
    expect(everything).not.toMatch(/token/i);
    await close();
  });

  it('setUrl names the field when the address is not an http(s) URL', async () => {
    const { caller, close } = await hubCaller();
    await expect(caller.hub.setUrl({ url: 'hub.acme.example' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'url: url must be an http(s) URL, e.g. http://127.0.0.1:4400' });
    await expect(caller.hub.setUrl({ url: 'ftp://hub.acme.example' })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'url: url must be an http(s) URL, e.g. http://127.0.0.1:4400' });
    await expect(caller.hub.setUrl({} as { url: string })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^url: /) });
    await close();
  });

  it('signIn without a Hub address says what to do, as a precondition', async () => {
    const { caller, close } = await hubCaller();
    await expect(caller.hub.signIn()).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', message: 'Set the Hub address in Settings first.' });
    await close();
  });

  it('sync procedures say when Studio is signed out, and refuse a malformed push naming the field, before reaching any Hub', async () => {
    const { caller, close } = await hubCaller();
    await expect(caller.hub.sync.pull({})).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: 'Sign in to the Hub first (Settings → Hub).' });
    await expect(caller.hub.sync.segments({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(caller.hub.sync.push({ deviceId: 'not-a-uuid', mutations: [] })).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^deviceId: /) });
    await close();
  });
});
