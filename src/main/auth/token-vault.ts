import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../../shared/validation';
import { readJsonFile, writePrivateFile } from '../private-file';

/** What a sign-in leaves behind: kept in main only, never sent to the renderer. */
export const hubSessionSchema = z.object({
  version: z.literal(1),
  hubUrl: z.url({ protocol: /^https?$/ }),
  accessToken: z.string().min(1),
  refreshToken: z.string().min(1),
  /** Milliseconds since the epoch. */
  expiresAt: z.number().int().nonnegative(),
  user: z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string() }),
  workspace: z.object({ id: z.string(), name: z.string(), slug: z.string() }),
});
export type HubSession = z.infer<typeof hubSessionSchema>;

/** A vault's contents, or why there are none (a missing file has no problem; a corrupt or foreign one does). */
export type VaultContents = { session: HubSession } | { session: null; problem?: string };

export interface TokenVault {
  load(): Promise<VaultContents>;
  save(session: HubSession): Promise<void>;
  clear(): Promise<void>;
}

/** Electron's safeStorage, as far as the vault needs it (a parameter, so it is testable without Electron). */
export interface SafeStorage {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

const unreadable = (file: string, why: string) => ({ session: null, problem: `The saved Hub sign-in (${file}) could not be read (${why}); sign in again.` });

function vaultOn(file: string, codec: { encode(json: string): string | Uint8Array; decode(bytes: Buffer): string }): TokenVault {
  return {
    async load() {
      const read = await readJsonFile(file, codec.decode);
      if (!read.found) return { session: null };
      if ('unreadable' in read) return unreadable(file, read.unreadable);
      if ('notJson' in read) return unreadable(file, 'it is not a Kata Studio sign-in file, or it was saved on another computer or account');
      const parsed = hubSessionSchema.safeParse(read.json);
      return parsed.success ? { session: parsed.data } : unreadable(file, describeIssues(parsed.error).replaceAll('\n', '; '));
    },
    async save(session) {
      const parsed = hubSessionSchema.safeParse(session);
      if (!parsed.success) throw new Error(`The Hub sign-in was not saved: ${describeIssues(parsed.error)}`);
      await writePrivateFile(file, codec.encode(JSON.stringify(parsed.data)));
    },
    clear: () => rm(file, { force: true }),
  };
}

/** Plain JSON, mode 0600: for the browser host (no OS keychain there) and tests. */
export function createFileVault(file: string): TokenVault {
  return vaultOn(file, { encode: (json) => json, decode: (bytes) => bytes.toString('utf8') });
}

/** Encrypted with the OS keychain through Electron's safeStorage. */
export function createSafeStorageVault(safeStorage: SafeStorage, file: string): TokenVault {
  if (!safeStorage.isEncryptionAvailable()) throw new Error('The system keychain is not available to encrypt the Hub sign-in; use the file vault instead.');
  return vaultOn(file, { encode: (json) => safeStorage.encryptString(json), decode: (bytes) => safeStorage.decryptString(bytes) });
}

/** The desktop app's vault: the OS keychain when the system offers one, else a private file (said in a warning). */
export function desktopVault(options: { safeStorage: SafeStorage; dataDir: string; onWarning: (message: string) => void }): TokenVault {
  if (options.safeStorage.isEncryptionAvailable()) return createSafeStorageVault(options.safeStorage, join(options.dataDir, 'hub-session.enc'));
  const file = join(options.dataDir, 'hub-session.json');
  options.onWarning(`The system keychain is not available: the Hub sign-in is kept unencrypted in ${file} (readable by this user only).`);
  return createFileVault(file);
}
