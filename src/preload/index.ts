import { exposeElectronTRPC } from 'trpc-electron/main';

// The renderer gets the tRPC bridge and nothing else.
process.once('loaded', () => {
  exposeElectronTRPC();
});
