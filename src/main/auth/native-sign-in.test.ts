import { describe, expect, it } from 'vitest';
import { authorizationServerForTests, browse } from '../../../test/oauth-provider';
import { discoverHub, signInWithBrowser, type SignInError } from './native-sign-in';

const server = authorizationServerForTests();

const config = () => discoverHub(server.issuer, 'oidc');

describe('signInWithBrowser against a real authorization server', () => {
  it('gets tokens through the browser and tells the person they may close the tab', async () => {
    let shown: { url: string; status: number; text: string } | undefined;
    const tokens = await signInWithBrowser({
      config: await config(),
      openBrowser: async (url) => {
        const asked = new URL(url);
        expect(Object.fromEntries(asked.searchParams)).toMatchObject({ client_id: 'kata-studio', scope: 'studio', code_challenge_method: 'S256', response_type: 'code' });
        expect(asked.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/kata-studio\/signed-in$/);
        void browse(url).then((page) => (shown = page));
      },
    });
    expect(tokens).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    expect(tokens.expiresAt).toBeGreaterThan(Date.now() + 3500_000);
    await expect.poll(() => shown).toMatchObject({ status: 200, text: expect.stringContaining('Signed in to Kata Studio — you can close this tab') });
  });

  it('refuses an answer whose state is not the one it sent', async () => {
    let shown: { status: number; text: string } | undefined;
    const signIn = signInWithBrowser({
      config: await config(),
      openBrowser: (url) => void browse(url, { beforeLoopback: (loopback) => loopback.replace(/state=[^&]+/, 'state=forged') }).then((page) => (shown = page)),
    });
    await expect(signIn).rejects.toMatchObject({ failure: 'state-mismatch', message: expect.stringMatching(/does not belong to the sign-in Studio started/) });
    await expect.poll(() => shown).toMatchObject({ status: 400, text: expect.stringContaining('Kata Studio could not sign in') });
  });

  it('stops at once on cancel: the loopback port is closed', async () => {
    const controller = new AbortController();
    let loopback = '';
    const signIn = signInWithBrowser({
      config: await config(),
      signal: controller.signal,
      openBrowser: (url) => {
        loopback = new URL(url).searchParams.get('redirect_uri')!;
        controller.abort();
      },
    });
    await expect(signIn).rejects.toMatchObject({ failure: 'cancelled' } satisfies Partial<SignInError>);
    await expect(fetch(loopback)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });

  it('gives up after the timeout and closes the port', async () => {
    let loopback = '';
    const signIn = signInWithBrowser({ config: await config(), timeoutMs: 200, openBrowser: (url) => void (loopback = new URL(url).searchParams.get('redirect_uri')!) });
    await expect(signIn).rejects.toMatchObject({ failure: 'timed-out', message: 'Sign-in was not finished within 0 seconds; start again from Studio.' });
    await expect(fetch(loopback)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });

  it('tells a refusal at the authorization server in plain words', async () => {
    const signIn = signInWithBrowser({
      config: await config(),
      openBrowser: (url) => void browse(url, { beforeLoopback: (loopback) => loopback.replace(/code=[^&]+/, 'code=not-a-code') }),
    });
    await expect(signIn).rejects.toMatchObject({ failure: 'refused', message: expect.stringMatching(/^The Hub refused the sign-in: /) });
  });
});
