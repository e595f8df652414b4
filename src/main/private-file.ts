import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Replaces `file` in one step (temp file + rename), readable by this user only, so a crash mid-write never leaves half a file. */
export async function writePrivateFile(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data, { mode: 0o600 });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** A JSON file's contents, still to be checked with its schema: none, the JSON, or why it could not be read. */
export type JsonFile = { found: false } | { found: true; json: unknown } | { found: true; unreadable: string } | { found: true; notJson: true };

/** Reads a JSON file; `decode` turns its bytes into text (e.g. decrypts them). */
export async function readJsonFile(file: string, decode: (bytes: Buffer) => string = (bytes) => bytes.toString('utf8')): Promise<JsonFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { found: false };
    return { found: true, unreadable: (error as Error).message };
  }
  try {
    return { found: true, json: JSON.parse(decode(bytes)) };
  } catch {
    return { found: true, notJson: true };
  }
}
