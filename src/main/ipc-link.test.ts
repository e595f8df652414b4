import { EventEmitter } from 'node:events';
import { createTRPCClient } from '@trpc/client';
import { createIPCHandler, exposeElectronTRPC } from 'trpc-electron/main';
import { ipcLink } from 'trpc-electron/renderer';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { testServices } from '../../test/studio-services';
import { appRouter, type AppRouter } from './router';
import { takeHeartbeats } from '../../test/heartbeat';

/**
 * Electron cannot run here, so this stands in for its IPC: two emitters, every
 * message structured-cloned as Electron does. trpc-electron's real handler
 * (main) and link (renderer) run over it.
 */
const ipc = vi.hoisted(() => ({ messages: 0 }));
vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  const ipcMain = new Emitter();
  const ipcRenderer = new Emitter() as EventEmitter & { send: (channel: string, message: unknown) => void };
  const sender = { id: 1, isDestroyed: () => false };
  ipcRenderer.send = (channel, message) => {
    const event = {
      sender,
      senderFrame: { routingId: 1 },
      reply: (replyChannel: string, reply: unknown) => {
        ipc.messages++;
        ipcRenderer.emit(replyChannel, {}, structuredClone(reply));
      },
    };
    ipcMain.emit(channel, event, structuredClone(message));
  };
  const contextBridge = {
    exposeInMainWorld: (key: string, api: unknown) => Object.assign(globalThis, { [key]: api }),
  };
  return { ipcMain, ipcRenderer, contextBridge, default: { ipcMain, ipcRenderer, contextBridge } };
});

let trpc: ReturnType<typeof createTRPCClient<AppRouter>>;

beforeAll(async () => {
  const services = await testServices();
  createIPCHandler({ router: appRouter, createContext: async () => ({ services }) });
  exposeElectronTRPC();
  trpc = createTRPCClient<AppRouter>({ links: [ipcLink<AppRouter>()] });
});
afterAll(() => {
  Reflect.deleteProperty(globalThis, 'electronTRPC');
});

describe('the AppRouter over trpc-electron IPC', () => {
  it('answers system.info', async () => {
    const info = await trpc.system.info.query();
    expect(info.appVersion).toBe('9.8.7');
    expect(info.ffmpeg.found).toBe(true);
  });

  it('streams the heartbeat and stops it when the renderer unsubscribes', async () => {
    const beats = await takeHeartbeats(trpc, 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const afterStop = ipc.messages;
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(beats).toEqual([0, 1, 2]);
    expect(ipc.messages).toBe(afterStop);
  });

  it('carries input errors back with the field named', async () => {
    await expect(trpc.system.info.query({ refresh: 'yes' } as never)).rejects.toThrow(/refresh/);
  });
});
