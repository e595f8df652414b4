import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/ffmpeg-fixtures';
import { createFileVault, createSafeStorageVault, desktopVault, type HubSession, type SafeStorage } from './token-vault';

const savedSession: HubSession = {
  version: 1,
  hubUrl: 'http://127.0.0.1:4400',
  accessToken: 'access-token-value',
  refreshToken: 'refresh-token-value',
  expiresAt: Date.parse('2026-11-24T11:00:00Z'),
  user: { id: 'u1', name: 'Olivia Owner', email: 'olivia@example.com', role: 'owner' },
  workspace: { id: 'w1', name: 'Acme', slug: 'acme' },
};

/** Electron's safeStorage shape, with a real cipher (AES-256-GCM) under a key only this instance knows, as the OS keychain's would be. */
function keychainSafeStorage(available = true): SafeStorage {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    encryptString(plainText) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(encrypted) {
      const decipher = createDecipheriv('aes-256-gcm', key, encrypted.subarray(0, 12));
      decipher.setAuthTag(encrypted.subarray(12, 28));
      return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

describe('file vault', () => {
  it('keeps a session across instances, in a file only this user can read, and forgets it on clear', async () => {
    const file = join(await tempDir('vault'), 'hub-session.json');
    expect(await createFileVault(file).load()).toEqual({ session: null });
    await createFileVault(file).save(savedSession);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await createFileVault(file).load()).toEqual({ session: savedSession });
    await createFileVault(file).clear();
    expect(await createFileVault(file).load()).toEqual({ session: null });
  });

  it('treats a corrupt or foreign file as signed out, saying why', async () => {
    const file = join(await tempDir('vault'), 'hub-session.json');
    await writeFile(file, '{ not json');
    expect(await createFileVault(file).load()).toEqual({ session: null, problem: expect.stringMatching(/could not be read.*sign in again/) });
    await writeFile(file, JSON.stringify({ ...savedSession, accessToken: '', version: 7 }));
    const foreign = await createFileVault(file).load();
    expect(foreign.session).toBeNull();
    expect('problem' in foreign && foreign.problem).toMatch(/version: .*accessToken: /);
  });

  it('refuses to save a session that does not fit the schema', async () => {
    const file = join(await tempDir('vault'), 'hub-session.json');
    await expect(createFileVault(file).save({ ...savedSession, hubUrl: 'ftp://hub' })).rejects.toThrow(/hubUrl/);
  });
});

describe('safeStorage vault', () => {
  it('writes no token in the clear and reads back what it saved', async () => {
    const file = join(await tempDir('vault'), 'hub-session.bin');
    const safeStorage = keychainSafeStorage();
    await createSafeStorageVault(safeStorage, file).save(savedSession);
    const bytes = await readFile(file);
    expect(bytes.includes(savedSession.refreshToken)).toBe(false);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await createSafeStorageVault(safeStorage, file).load()).toEqual({ session: savedSession });
  });

  it('treats a file another keychain encrypted as signed out', async () => {
    const file = join(await tempDir('vault'), 'hub-session.bin');
    await createSafeStorageVault(keychainSafeStorage(), file).save(savedSession);
    const loaded = await createSafeStorageVault(keychainSafeStorage(), file).load();
    expect(loaded).toEqual({ session: null, problem: expect.stringMatching(/saved on another computer or account/) });
  });

  it('is refused when the system cannot encrypt', () => {
    expect(() => createSafeStorageVault(keychainSafeStorage(false), 'x')).toThrow(/keychain is not available/);
  });
});

describe('desktopVault', () => {
  it('uses the keychain when there is one, else a private file and says so', async () => {
    const dataDir = await tempDir('vault');
    const warnings: string[] = [];
    await desktopVault({ safeStorage: keychainSafeStorage(), dataDir, onWarning: (message) => warnings.push(message) }).save(savedSession);
    expect(warnings).toEqual([]);
    expect((await readFile(join(dataDir, 'hub-session.enc'))).includes('refresh-token-value')).toBe(false);
    await desktopVault({ safeStorage: keychainSafeStorage(false), dataDir, onWarning: (message) => warnings.push(message) }).save(savedSession);
    expect(warnings).toEqual([`The system keychain is not available: the Hub sign-in is kept unencrypted in ${join(dataDir, 'hub-session.json')} (readable by this user only).`]);
    expect(await createFileVault(join(dataDir, 'hub-session.json')).load()).toEqual({ session: savedSession });
  });
});
