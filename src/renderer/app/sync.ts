import { TRPCClientError } from '@trpc/client';
import { create } from 'zustand';
import { pullResponseSchema, pushResponseSchema, segmentMembersResponseSchema, segmentsResponseSchema } from '../../shared/sync/protocol';
import { SyncFailure, syncFailureKindOfTrpcCode, type SyncTransport } from '../../shared/sync/transport';
import { db } from '../db';
import { createSyncEngine, type SyncStatus } from '../db/sync-engine';
import { studio, onConnectionChange } from '../trpc';
import { useHubAccount, type HubAccount } from './hub-account';

/** A failed call to main, as the engine's failure kinds (a dropped link to Studio's own process counts as offline). */
async function viaMain<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const code = (error.data as { code?: unknown } | undefined)?.code;
    throw new SyncFailure(syncFailureKindOfTrpcCode(code) ?? (code === undefined ? 'offline' : 'hub-error'), error.message);
  }
}

/** The engine's way to the Hub: through main (tRPC), which holds the tokens; answers are parsed again at this boundary. */
const mainTransport: SyncTransport = {
  push: (request) => viaMain(async () => pushResponseSchema.parse(await studio.hub.sync.push.mutate(request))),
  pull: (input) => viaMain(async () => pullResponseSchema.parse(await studio.hub.sync.pull.query(input))),
  segments: (input) => viaMain(async () => segmentsResponseSchema.parse(await studio.hub.sync.segments.query(input))),
  segmentMembers: (input) => viaMain(async () => segmentMembersResponseSchema.parse(await studio.hub.sync.segmentMembers.query(input))),
};

/** The Hub and workspace signed in to, told by the account subscription below. */
let accountScope: string | null = null;

export const syncEngine = createSyncEngine({ db, transport: mainTransport, scope: () => accountScope });

interface SyncStore {
  status: SyncStatus;
  syncNow(): Promise<void>;
}

/** The sync state for the status bar and Settings; the engine runs from the app's start. */
export const useSync = create<SyncStore>((set) => {
  syncEngine.onStatus((status) => set({ status }));
  return {
    status: syncEngine.status(),
    syncNow: async () => {
      await syncEngine.syncNow();
    },
  };
});

let started = false;

/** Starts background sync: now, after changes, on the interval, and whenever the network, Studio's link or the Hub account comes back. */
export function startSync(): void {
  if (started) return;
  started = true;
  syncEngine.start();
  window.addEventListener('online', () => syncEngine.reconnected());
  onConnectionChange((state) => state === 'open' && syncEngine.reconnected());
  // Signed in: sync at once; signed out: say so at once.
  let signedIn: boolean | null = null;
  // The account as the app already follows it (one subscription to main for both).
  const follow = ({ account }: { account: HubAccount | null }) => {
    if (!account) return;
    const now = account.state === 'signed-in';
    if (account.state === 'signed-in') accountScope = `the workspace “${account.workspace.slug}” on ${account.hubUrl}`;
    if (signedIn !== null && now !== signedIn) syncEngine.reconnected();
    signedIn = now;
  };
  follow(useHubAccount.getState());
  useHubAccount.subscribe(follow);
}

/** The status bar's words for a sync state. */
export function syncLabel(status: SyncStatus): { text: string; tone: 'ok' | 'warn' | 'bad' | 'idle'; title?: string } {
  switch (status.state) {
    case 'idle':
      return { text: 'Sync: starting…', tone: 'idle' };
    case 'syncing':
      return { text: status.pending > 0 ? `Syncing ${status.pending}…` : 'Syncing…', tone: 'idle' };
    case 'synced':
      return { text: 'Synced', tone: 'ok', title: `Last synced ${new Date(status.at).toLocaleString()}` };
    case 'offline':
      return { text: `Offline${status.pending > 0 ? ` · ${status.pending} to send` : ''}`, tone: 'warn', title: status.message };
    case 'signed-out':
      return { text: `Sync: signed out${status.pending > 0 ? ` · ${status.pending} waiting` : ''}`, tone: 'warn', title: status.message };
    case 'error':
      return { text: `Sync error: ${status.message}`, tone: 'bad', title: status.message };
  }
}
