import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(__dirname, '..');
const config = parse(readFileSync(resolve(root, 'electron-builder.yml'), 'utf8'));
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));

const targets = (platform: string) => (config[platform].target as (string | { target: string })[]).map((t) => (typeof t === 'string' ? t : t.target));

describe('electron-builder.yml', () => {
  it('names the app', () => {
    expect(config.appId).toBe('com.kata.studio');
    expect(config.productName).toBe('Kata Studio');
  });

  it('builds AppImage and deb for Linux, dmg for macOS and nsis for Windows', () => {
    expect(targets('linux')).toEqual(['AppImage', 'deb']);
    expect(targets('mac')).toEqual(['dmg']);
    expect(targets('win')).toEqual(['nsis']);
  });

  it('ships resources/ as extra resources, where the FFmpeg locator looks when packaged', () => {
    expect(config.extraResources).toContainEqual(expect.objectContaining({ from: 'resources', to: '.' }));
    expect(existsSync(resolve(root, 'resources'))).toBe(true);
  });

  it('packs the built app whose entry package.json names', () => {
    expect(config.files).toEqual(expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**', 'package.json']));
    expect(pkg.main).toBe('./out/main/index.js');
  });

  it('points every platform at an icon that exists and is a large enough PNG', () => {
    for (const platform of ['linux', 'mac', 'win']) {
      const icon = readFileSync(resolve(root, config[platform].icon));
      expect(icon.subarray(1, 4).toString()).toBe('PNG');
      expect(icon.readUInt32BE(16)).toBeGreaterThanOrEqual(512);
    }
  });

  it('keeps Electron and electron-builder in devDependencies, as electron-builder requires', () => {
    expect(pkg.devDependencies).toHaveProperty('electron');
    expect(pkg.devDependencies).toHaveProperty('electron-builder');
    expect(pkg.dependencies).not.toHaveProperty('electron');
  });
});
