import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the browser host keeps Studio's files: KATA_DATA_DIR, else the platform's usual place. */
export function defaultDataDir(env: Record<string, string | undefined>, platform: NodeJS.Platform = process.platform): string {
  if (env.KATA_DATA_DIR?.trim()) return env.KATA_DATA_DIR.trim();
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Kata Studio');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Kata Studio');
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'kata-studio');
}
