import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { applicationMenuTemplate } from './application-menu';
import { contentSecurityPolicy } from './content-security-policy';
import { mainWindowOptions } from './window-options';
import { defaultWindowState, keepOnScreen, loadWindowState, saveWindowState } from './window-state';

describe('main window options', () => {
  it('isolate and sandbox the renderer, with no Node in it', () => {
    const { webPreferences } = mainWindowOptions({ preloadPath: '/app/preload/index.js', state: defaultWindowState });
    expect(webPreferences).toMatchObject({
      preload: '/app/preload/index.js',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('open where the window was left', () => {
    const options = mainWindowOptions({ preloadPath: 'p', state: { x: 10, y: 20, width: 1200, height: 800, maximized: false } });
    expect(options).toMatchObject({ x: 10, y: 20, width: 1200, height: 800 });
    expect(mainWindowOptions({ preloadPath: 'p', state: defaultWindowState })).not.toHaveProperty('x');
  });
});

describe('remembered window bounds', () => {
  it('round-trip through the state file', async () => {
    const file = join(await tempDir('state'), 'nested', 'window-state.json');
    const state = { x: -1800, y: 40, width: 1600, height: 1000, maximized: true };
    await saveWindowState(file, state);
    expect(await loadWindowState(file)).toEqual(state);
  });

  it('fall back to defaults when the file is missing, corrupt or out of range', async () => {
    const dir = await tempDir('state');
    expect(await loadWindowState(join(dir, 'none.json'))).toEqual(defaultWindowState);
    await writeFile(join(dir, 'corrupt.json'), '{"width": 12');
    expect(await loadWindowState(join(dir, 'corrupt.json'))).toEqual(defaultWindowState);
    await writeFile(join(dir, 'tiny.json'), JSON.stringify({ width: 10, height: 10 }));
    expect(await loadWindowState(join(dir, 'tiny.json'))).toEqual(defaultWindowState);
  });

  it('refuse to save nonsense, leaving the old file intact', async () => {
    const file = join(await tempDir('state'), 'window-state.json');
    await saveWindowState(file, { width: 1000, height: 700, maximized: false });
    await expect(saveWindowState(file, { width: -5, height: 700, maximized: false })).rejects.toThrow(/width/);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ width: 1000 });
  });

  it('forget a position that is on no display any more', () => {
    const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
    const onSecondMonitor = { x: 2000, y: 100, width: 1200, height: 800, maximized: false };
    expect(keepOnScreen(onSecondMonitor, screen)).toEqual({ width: 1200, height: 800, maximized: false });
    expect(keepOnScreen(onSecondMonitor, [...screen, { x: 1920, y: 0, width: 2560, height: 1440 }])).toEqual(onSecondMonitor);
  });
});

describe('application menu', () => {
  it('uses the standard roles, with the app menu only on macOS', () => {
    const roles = (platform: NodeJS.Platform) => applicationMenuTemplate(platform).map((item) => item.role);
    expect(roles('linux')).toEqual(['fileMenu', 'editMenu', 'viewMenu', 'windowMenu', 'help']);
    expect(roles('darwin')).toEqual(['appMenu', 'fileMenu', 'editMenu', 'viewMenu', 'windowMenu', 'help']);
  });
});

describe('content security policy', () => {
  it('allows only own scripts in builds and relaxes only for the dev server', () => {
    const built = contentSecurityPolicy({ dev: false });
    expect(built).toContain("default-src 'none'");
    expect(built).toContain("script-src 'self';");
    expect(built).toContain("object-src 'none'");
    expect(built).not.toContain('unsafe-eval');
    expect(built).not.toContain('unsafe-inline');
    expect(contentSecurityPolicy({ dev: true })).toContain("script-src 'self' 'unsafe-inline'");
  });
});
