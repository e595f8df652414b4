import { stat, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { hubSettingsFile, loadHubSetting, saveHubUrl } from './hub-settings';

describe('Hub settings file', () => {
  it('falls back to KATA_HUB_URL until an address is saved, then keeps the saved one', async () => {
    const file = hubSettingsFile(await tempDir('hub-settings'));
    expect(await loadHubSetting(file, { url: 'http://env.example' })).toEqual({ url: 'http://env.example' });
    await saveHubUrl(file, 'https://hub.acme.example');
    expect(await loadHubSetting(file, { url: 'http://env.example' })).toEqual({ url: 'https://hub.acme.example' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('names what is wrong with a damaged file instead of failing', async () => {
    const file = hubSettingsFile(await tempDir('hub-settings'));
    await writeFile(file, 'hub=yes');
    expect(await loadHubSetting(file, { url: null })).toEqual({ problem: `The Hub settings (${file}) are not JSON. Set the Hub address again.` });
    await writeFile(file, JSON.stringify({ version: 1, hubUrl: 'ftp://hub' }));
    expect(await loadHubSetting(file, { url: null })).toEqual({ problem: `The Hub settings (${file}) are not valid (hubUrl: hubUrl must be an http(s) URL, e.g. http://127.0.0.1:4400). Set the Hub address again.` });
  });
});
