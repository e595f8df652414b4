import type { BrowserWindowConstructorOptions } from 'electron';
import type { WindowState } from './window-state';

/** The main window's options: the renderer gets no Node, an isolated context and a sandbox. */
export function mainWindowOptions(options: { preloadPath: string; state: WindowState }): BrowserWindowConstructorOptions {
  const { state } = options;
  return {
    title: 'Kata Studio',
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#14151a',
    autoHideMenuBar: false,
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: true,
    },
  };
}
