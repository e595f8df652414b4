import { create } from 'zustand';
import { errorText } from './notices';
import { studio, type RouterOutputs } from '../trpc';

export type HubAccount = RouterOutputs['hub']['account'];

interface HubAccountStore {
  account: HubAccount | null;
  /** What the last action (save, sign in, sign out) could not do, in words; cleared by the next one. */
  problem: string | null;
  busy: boolean;
  setUrl(url: string): Promise<boolean>;
  signIn(): Promise<void>;
  cancelSignIn(): Promise<void>;
  signOut(): Promise<void>;
}

/**
 * Opens the Hub's sign-in page. The desktop app opens it in the system browser itself;
 * in the browser host, Studio already runs in a browser, so it opens a new tab.
 */
export function openSignInPage(authorizationUrl: string): void {
  if (typeof window !== 'undefined' && !('electronTRPC' in globalThis)) window.open(authorizationUrl, '_blank', 'noopener');
}

/** Who Studio is signed in to the Hub as; main keeps the tokens, this sees only the name and the workspace. */
export const useHubAccount = create<HubAccountStore>((set) => {
  const act = async (run: () => Promise<void>): Promise<boolean> => {
    set({ busy: true, problem: null });
    try {
      await run();
      return true;
    } catch (error) {
      set({ problem: errorText(error) });
      return false;
    } finally {
      set({ busy: false });
    }
  };
  studio.hub.accountChanges.subscribe(undefined, {
    onData: (account) => set({ account }),
    onError: (error) => set({ problem: error.message }),
  });
  return {
    account: null,
    problem: null,
    busy: false,
    setUrl: (url) => act(() => studio.hub.setUrl.mutate({ url }).then(() => undefined)),
    signIn: async () => {
      await act(async () => openSignInPage((await studio.hub.signIn.mutate()).authorizationUrl));
    },
    cancelSignIn: async () => {
      await act(() => studio.hub.cancelSignIn.mutate().then(() => undefined));
    },
    signOut: async () => {
      await act(() => studio.hub.signOut.mutate().then(() => undefined));
    },
  };
});
