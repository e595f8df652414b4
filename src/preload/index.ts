import { contextBridge, webUtils } from 'electron';
import { exposeElectronTRPC } from 'trpc-electron/main';

// The renderer gets the tRPC bridge, and for dropped files their path on disk (Electron no longer puts it on File).
process.once('loaded', () => {
  exposeElectronTRPC();
  contextBridge.exposeInMainWorld('kataFiles', { pathOf: (file: File) => webUtils.getPathForFile(file) });
});
