import { BrowserWindow, screen, shell } from 'electron';
import { mainWindowOptions } from './window-options';
import { keepOnScreen, loadWindowState, saveWindowState, type WindowState } from './window-state';

/** Creates the main window where it was last left, and remembers its bounds as it moves. */
export async function createMainWindow(options: { preloadPath: string; stateFile: string }): Promise<BrowserWindow> {
  const saved = await loadWindowState(options.stateFile);
  const state = keepOnScreen(
    saved,
    screen.getAllDisplays().map((display) => display.workArea),
  );
  const window = new BrowserWindow(mainWindowOptions({ preloadPath: options.preloadPath, state }));
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  let saveTimer: NodeJS.Timeout | undefined;
  const currentState = (): WindowState => {
    const bounds = window.getNormalBounds();
    return { ...bounds, maximized: window.isMaximized() };
  };
  const scheduleSave = () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => void saveWindowState(options.stateFile, currentState()).catch(() => undefined), 500);
  };
  window.on('resize', scheduleSave);
  window.on('move', scheduleSave);
  window.on('close', () => {
    clearTimeout(saveTimer);
    void saveWindowState(options.stateFile, currentState()).catch(() => undefined);
  });

  // The renderer never navigates away or opens windows; links go to the system browser.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (url !== window.webContents.getURL()) event.preventDefault();
  });
  return window;
}
