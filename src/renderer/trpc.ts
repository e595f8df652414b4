import { createTRPCClient, createWSClient, wsLink, type TRPCLink } from '@trpc/client';
import type { inferRouterOutputs } from '@trpc/server';
import { ipcLink } from 'trpc-electron/renderer';
// The one seam to main: a type-only import, erased from the bundle.
import type { AppRouter } from '../main/router';

/** What each procedure answers, for the UI's own types. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export type StudioLink = 'ipc' | 'websocket';

/** IPC when the Electron preload bridge is there, the browser host's WebSocket otherwise. */
export function chooseLink(): StudioLink {
  return 'electronTRPC' in globalThis ? 'ipc' : 'websocket';
}

export type ConnectionListener = (state: 'open' | 'closed') => void;
const listeners = new Set<ConnectionListener>();

/** Tells the UI when the browser host's socket opens or drops (IPC never drops). */
export function onConnectionChange(listener: ConnectionListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function browserHostLink(): TRPCLink<AppRouter> {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const client = createWSClient({
    url: `${scheme}://${location.host}/trpc?token=${encodeURIComponent(token)}`,
    onOpen: () => listeners.forEach((listener) => listener('open')),
    onClose: () => listeners.forEach((listener) => listener('closed')),
  });
  return wsLink<AppRouter>({ client });
}

export const link = chooseLink();
export const studio = createTRPCClient<AppRouter>({
  links: [link === 'ipc' ? ipcLink<AppRouter>() : browserHostLink()],
});
