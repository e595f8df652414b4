import * as client from 'openid-client';
import { z } from 'zod';
import type { HubAccount } from '../../shared/hub/account';
import { describeIssues } from '../../shared/validation';
import { discoverHub, SignInError, signInWithBrowser, tokensFrom, type DiscoveryAlgorithm } from '../auth/native-sign-in';
import type { HubSession, TokenVault } from '../auth/token-vault';
import { loadHubSetting, saveHubUrl } from './hub-settings';
import type { HubSetting } from './hub-status';

/** Renewed this long before the access token expires. */
export const refreshLeadMs = 60_000;
const longestRetryMs = 5 * 60_000;
const sessionEnded = 'Your Hub session ended; sign in again.';

/** The address a Hub gives as its own when it differs from the one Studio was given (e.g. localhost for 127.0.0.1). */
function issuerNamed(error: unknown): string | undefined {
  const failure = error as { code?: unknown; cause?: { attribute?: unknown; body?: { issuer?: unknown } } };
  if (failure.code !== 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' || failure.cause?.attribute !== 'issuer') return undefined;
  const issuer = failure.cause.body?.issuer;
  return typeof issuer === 'string' && /^https?:\/\//.test(issuer) ? issuer.slice(0, 200) : undefined;
}

/** A request the account cannot do in its present state, said so the person knows what to do. */
export class HubAccountError extends Error {
  override name = 'HubAccountError';
}

export interface HubAccountOptions {
  vault: TokenVault;
  /** `<dataDir>/hub-settings.json`: the Hub address chosen in Settings. */
  settingsFile: string;
  /** The address when none was chosen (KATA_HUB_URL). */
  defaultSetting: HubSetting;
  /** Opens the Hub's sign-in page: the system browser in Electron; absent in the browser host, whose renderer opens it. */
  openBrowser?: (authorizationUrl: string) => void | Promise<void>;
  /** 'oidc' only in tests against an OpenID Provider; the Hub publishes OAuth metadata. */
  algorithm?: DiscoveryAlgorithm;
  signInTimeoutMs?: number;
  now?: () => number;
  onWarning?: (message: string) => void;
}

/** Studio's one Hub account: signed out, signing in or signed in; the tokens stay in here and in the vault. */
export interface HubAccountService {
  current(): Promise<HubAccount>;
  /** Called on every change; returns the unsubscribe. */
  onChange(listener: (account: HubAccount) => void): () => void;
  /** Where the Hub is: the signed-in Hub, else the saved setting, else KATA_HUB_URL. */
  setting(): Promise<HubSetting>;
  setUrl(url: string): Promise<HubAccount>;
  /** Starts a sign-in (or gives the one under way) and returns the page to open. */
  signIn(): Promise<{ authorizationUrl: string }>;
  cancelSignIn(): Promise<void>;
  signOut(): Promise<void>;
  /** Calls the Hub as the signed-in person (renewing the token once on a 401). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): void;
}

const meSchema = z.object({
  user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.string() }),
  workspace: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
});

async function fetchMe(hubUrl: string, accessToken: string): Promise<z.infer<typeof meSchema>> {
  const response = await fetch(`${hubUrl}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(15_000) });
  if (!response.ok) throw new HubAccountError(`The Hub did not say who signed in (GET /v1/me answered ${response.status}).`);
  const parsed = meSchema.safeParse(await response.json());
  if (!parsed.success) throw new HubAccountError(`The Hub's answer to GET /v1/me is not what Studio expects (${describeIssues(parsed.error).replaceAll('\n', '; ')}).`);
  return { user: parsed.data.user, workspace: parsed.data.workspace };
}

const shown = (session: HubSession): HubAccount => ({
  state: 'signed-in',
  hubUrl: session.hubUrl,
  user: { name: session.user.name, email: session.user.email, role: session.user.role },
  workspace: { name: session.workspace.name, slug: session.workspace.slug },
});

/** The Hub answered the token request with a refusal (as opposed to not answering at all). */
const refusedByHub = (error: unknown): error is client.ResponseBodyError => error instanceof client.ResponseBodyError && error.status >= 400 && error.status < 500;

export function createHubAccount(options: HubAccountOptions): HubAccountService {
  const now = options.now ?? Date.now;
  const warn = options.onWarning ?? (() => undefined);
  const listeners = new Set<(account: HubAccount) => void>();
  const configs = new Map<string, Promise<client.Configuration>>();
  let setting: HubSetting = options.defaultSetting;
  let session: HubSession | null = null;
  let account: HubAccount = { state: 'signed-out', hubUrl: null };
  let signingIn: { controller: AbortController; authorizationUrl: Promise<string> } | null = null;
  let refreshTimer: NodeJS.Timeout | undefined;
  let refreshing: Promise<boolean> | null = null;
  let retryMs = 0;

  const settingUrl = () => ('url' in setting ? setting.url : null);
  // Until the vault is read, changes are not told: that first state is what `current()` answers.
  let loading = true;
  const change = (next: HubAccount) => {
    account = next;
    if (!loading) for (const listener of listeners) listener(next);
  };
  const signedOut = (problem?: string) => change({ state: 'signed-out', hubUrl: settingUrl(), ...(problem && { problem }) });

  const scheduleRefresh = (delayMs: number) => {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(() => void refresh(), Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    refreshTimer.unref();
  };
  const adopt = (next: HubSession) => {
    session = next;
    retryMs = 0;
    change(shown(next));
    scheduleRefresh(next.expiresAt - refreshLeadMs - now());
  };
  const forget = async (problem?: string) => {
    clearTimeout(refreshTimer);
    session = null;
    await options.vault.clear();
    signedOut(problem);
  };

  const configFor = (hubUrl: string) => {
    let config = configs.get(hubUrl);
    if (!config) {
      config = discoverHub(hubUrl, options.algorithm).catch((error: unknown) => {
        configs.delete(hubUrl);
        const issuer = issuerNamed(error);
        if (issuer) throw new HubAccountError(`The Hub at ${hubUrl} calls itself ${issuer}: save that address in Settings (sign-in is bound to the Hub's own address, its KATA_HUB_PUBLIC_URL).`);
        const reason = error instanceof Error ? String((error.cause as Error | undefined)?.message ?? error.message) : String(error);
        throw new HubAccountError(`The Hub at ${hubUrl} could not be reached, or it is not a Kata Hub (${reason}).`);
      });
      configs.set(hubUrl, config);
    }
    return config;
  };

  const loaded = (async () => {
    setting = await loadHubSetting(options.settingsFile, options.defaultSetting);
    const stored = await options.vault.load();
    if (stored.session) adopt(stored.session);
    else signedOut(stored.problem ?? ('problem' in setting ? setting.problem : undefined));
    loading = false;
  })();

  /** Renews the tokens once at a time (the Hub rotates refresh tokens: two renewals with one token would end the session). */
  function refresh(): Promise<boolean> {
    refreshing ??= (async () => {
      const current = session;
      if (!current) return false;
      try {
        const config = await configFor(current.hubUrl);
        const tokens = tokensFrom(await client.refreshTokenGrant(config, current.refreshToken), now());
        // Who and where, afresh (a renamed person or workspace shows by the next renewal); the new tokens are kept whatever this answers.
        const me = await fetchMe(current.hubUrl, tokens.accessToken).catch(() => undefined);
        if (session !== current) return false;
        const next = { ...current, ...tokens, ...(me && { user: me.user, workspace: me.workspace }) };
        adopt(next);
        await options.vault.save(next);
        return true;
      } catch (error) {
        if (session !== current) return false;
        if (refusedByHub(error)) {
          await forget(error.error === 'invalid_grant' ? sessionEnded : `The Hub refused to renew the sign-in (${error.error_description ?? error.error}); sign in again.`);
          return false;
        }
        // Offline, or the Hub is down: Studio keeps working signed in and tries again later.
        retryMs = Math.min(Math.max(retryMs * 2, 5_000), longestRetryMs);
        warn(`Could not renew the Hub sign-in (${error instanceof Error ? error.message : String(error)}); trying again in ${retryMs / 1000} s.`);
        scheduleRefresh(retryMs);
        return false;
      }
    })().finally(() => (refreshing = null));
    return refreshing;
  }

  async function startSignIn(hubUrl: string): Promise<{ authorizationUrl: string }> {
    const controller = new AbortController();
    let opened!: (url: string) => void;
    let failedBeforeOpening!: (error: unknown) => void;
    const authorizationUrl = new Promise<string>((resolve, reject) => {
      opened = resolve;
      failedBeforeOpening = reject;
    });
    signingIn = { controller, authorizationUrl };
    void (async () => {
      const tokens = await signInWithBrowser({
        config: await configFor(hubUrl),
        signal: controller.signal,
        timeoutMs: options.signInTimeoutMs,
        now,
        openBrowser: async (url) => {
          change({ state: 'signing-in', hubUrl, authorizationUrl: url });
          opened(url);
          await options.openBrowser?.(url);
        },
      });
      const me = await fetchMe(hubUrl, tokens.accessToken);
      const next: HubSession = { version: 1, hubUrl, ...tokens, user: me.user, workspace: me.workspace };
      await options.vault.save(next);
      adopt(next);
    })()
      .catch((error: unknown) => {
        failedBeforeOpening(error);
        const cancelled = error instanceof SignInError && error.failure === 'cancelled';
        signedOut(cancelled ? undefined : error instanceof Error ? error.message : String(error));
      })
      .finally(() => (signingIn = null));
    return { authorizationUrl: await authorizationUrl };
  }

  return {
    async current() {
      await loaded;
      return account;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async setting() {
      await loaded;
      return session ? { url: session.hubUrl } : setting;
    },
    async setUrl(url) {
      await loaded;
      if (session || signingIn) throw new HubAccountError('Sign out of the Hub first; then change its address.');
      await saveHubUrl(options.settingsFile, url);
      setting = { url };
      signedOut();
      return account;
    },
    async signIn() {
      await loaded;
      // One sign-in at a time: asking again gives the page of the one under way.
      if (signingIn) return { authorizationUrl: await signingIn.authorizationUrl };
      if (session) throw new HubAccountError(`Studio is already signed in to the Hub as ${session.user.email}; sign out first to use another account.`);
      const hubUrl = settingUrl();
      if (!hubUrl) throw new HubAccountError('problem' in setting ? setting.problem : 'Set the Hub address in Settings first.');
      return startSignIn(hubUrl);
    },
    async cancelSignIn() {
      signingIn?.controller.abort();
    },
    async signOut() {
      await loaded;
      signingIn?.controller.abort();
      // A renewal under way would leave the Hub a fresh refresh token this sign-out never revokes.
      await refreshing;
      const ending = session;
      if (!ending) return;
      await forget();
      // Best effort: offline, the tokens are forgotten here and expire at the Hub on their own.
      try {
        await client.tokenRevocation(await configFor(ending.hubUrl), ending.refreshToken, { token_type_hint: 'refresh_token' });
      } catch (error) {
        warn(`Signed out of Studio, but the Hub could not be told (${error instanceof Error ? error.message : String(error)}).`);
      }
    },
    async fetch(path, init = {}) {
      await loaded;
      const call = (current: HubSession) => {
        const headers = new Headers(init.headers);
        headers.set('authorization', `Bearer ${current.accessToken}`);
        return fetch(`${current.hubUrl}${path}`, { ...init, headers });
      };
      if (!session) throw new HubAccountError('Sign in to the Hub first (Settings → Hub).');
      const response = await call(session);
      if (response.status !== 401 || !(await refresh()) || !session) return response;
      return call(session);
    },
    close() {
      clearTimeout(refreshTimer);
      signingIn?.controller.abort();
      listeners.clear();
    },
  };
}
