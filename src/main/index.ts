import { join } from 'node:path';
import { app, BrowserWindow, dialog, Menu, safeStorage, session, shell } from 'electron';
import { createIPCHandler } from 'trpc-electron/main';
import { z } from 'zod';
import { desktopVault } from './auth/token-vault';
import { hubSettingFromEnv } from './hub/hub-status';
import { appRouter } from './router';
import { createStudioServices } from './services';
import { applicationMenuTemplate } from './window/application-menu';
import { contentSecurityPolicy, frameAncestorsNone } from './window/content-security-policy';
import { createMainWindow } from './window/main-window';

// Electron entry: lifecycle and windows only; everything else lives behind the router.
const devServerUrl = process.env.ELECTRON_RENDERER_URL;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let mainWindow: BrowserWindow | null = null;

  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  void app.whenReady().then(async () => {
    const onWarning = (message: string) => console.warn(`Kata Studio: ${message}`);
    const services = createStudioServices({
      appVersion: app.getVersion(),
      runtime: 'electron',
      ffmpeg: {
        env: process.env,
        resourcesDir: app.isPackaged ? process.resourcesPath : join(app.getAppPath(), 'resources'),
      },
      hub: hubSettingFromEnv(process.env),
      dataDir: app.getPath('userData'),
      tokenVault: desktopVault({ safeStorage, dataDir: app.getPath('userData'), onWarning }),
      aiApiKey: process.env.KATA_AI_API_KEY || undefined,
      speechService: process.env.KATA_TTS_URL ? { baseUrl: process.env.KATA_TTS_URL, apiKey: process.env.KATA_TTS_API_KEY || undefined } : undefined,
      desktop: {
        async pickMediaFiles() {
          const result = await dialog.showOpenDialog({
            title: 'Import media',
            properties: ['openFile', 'multiSelections'],
            filters: [{ name: 'Video, images and sound', extensions: ['mp4', 'mov', 'm4v', 'webm', 'mkv', 'png', 'jpg', 'jpeg', 'webp', 'gif', 'mp3', 'm4a', 'wav', 'aac', 'flac'] }],
          });
          return result.canceled ? [] : result.filePaths;
        },
        async openPath(path) {
          const problem = await shell.openPath(path);
          if (problem) throw new Error(problem);
        },
        showInFolder: (path) => shell.showItemInFolder(path),
        openExternal: (url) => shell.openExternal(z.url({ protocol: /^https?$/, error: `Only http(s) pages open in the browser, not ${url}` }).parse(url)),
      },
      onWarning,
    });

    session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
    session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
      const policy = `${contentSecurityPolicy({ dev: Boolean(devServerUrl) })}; ${frameAncestorsNone}`;
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [policy] } });
    });
    Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenuTemplate(process.platform)));

    const open = async () => {
      mainWindow = await createMainWindow({
        preloadPath: join(__dirname, '../preload/index.js'),
        stateFile: join(app.getPath('userData'), 'window-state.json'),
      });
      ipc.attachWindow(mainWindow);
      mainWindow.on('closed', () => (mainWindow = null));
      if (devServerUrl) await mainWindow.loadURL(devServerUrl);
      else await mainWindow.loadFile(join(__dirname, '../renderer/index.html'));
    };
    const ipc = createIPCHandler({ router: appRouter, createContext: async () => ({ services }) });
    await open();

    app.on('before-quit', () => void services.close());

    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) void open();
    });
  });
}
