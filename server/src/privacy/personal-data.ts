import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Personal fields (email, phone, name, and the identifiers customers are
 * known by) are stored encrypted with AES-256-GCM and found by a keyed hash
 * (HMAC-SHA-256), so the database alone reveals neither.
 *
 * Keys rotate: the first data key encrypts, every listed key decrypts, and a
 * ciphertext names the key that made it (`v1.<keyId>.<iv>.<tag>.<data>`).
 * The lookup key does not rotate (a new one would orphan every hash); it is
 * separate from the data keys so that rotating those never touches lookups.
 */
export interface PersonalDataKeys {
  /** Encrypting key first. */
  dataKeys: { id: string; key: Buffer }[];
  lookupKey: Buffer;
}

const keyBytes = z
  .string()
  .trim()
  .transform((value) => Buffer.from(value, 'base64'))
  .refine((key) => key.length === 32, { error: 'must be 32 bytes, base64-encoded (openssl rand -base64 32)' });

/** `KATA_HUB_DATA_KEYS`: `id:base64,id:base64`, the encrypting key first. */
export const dataKeysSchema = z
  .string()
  .trim()
  .min(1)
  .transform((value, ctx) =>
    value.split(',').map((entry, index) => {
      const [id, material] = entry.split(':');
      const key = keyBytes.safeParse(material ?? '');
      if (!id || !/^[\w-]{1,16}$/.test(id.trim())) ctx.addIssue({ code: 'custom', message: `key ${index + 1}: start with an id of up to 16 letters, digits, - or _, then ":", e.g. k2026:BASE64` });
      if (!key.success) ctx.addIssue({ code: 'custom', message: `key ${index + 1}: must be 32 bytes, base64-encoded (openssl rand -base64 32)` });
      return { id: (id ?? '').trim(), key: key.success ? key.data : Buffer.alloc(0) };
    }),
  );
export const lookupKeySchema = keyBytes;

/** Fresh random IVs, drawn from the system's generator 1,024 at a time (one call per IV costs as much as the encryption). */
class IvSource {
  private pool = Buffer.alloc(0);
  private offset = 0;
  next(): Buffer {
    if (this.offset + 12 > this.pool.length) {
      this.pool = randomBytes(12 * 1024);
      this.offset = 0;
    }
    return this.pool.subarray(this.offset, (this.offset += 12));
  }
}

/**
 * The lookup hashes computed lately. Events name the same people again and
 * again, and a keyed hash costs more than the rest of an identifier's work
 * at ingest. Two generations bound it in size and in time: when the newer
 * fills or has been filling for `seconds`, it becomes the older and the
 * oldest is dropped (a hash found in the older moves back up). So an
 * identifier, erased or not, stays in memory at most twice `seconds` after
 * it was last used. A generation holds 100,000 (some 18 MB): the
 * identifiers of tens of thousands of people active within minutes, each
 * with a user id, an anonymous id and an email or two.
 */
class RecentHashes {
  private newer = new Generation();
  private older = new Generation();
  private newerSince = Date.now();
  constructor(private readonly limits: { perGeneration: number; seconds: number }) {}

  get(workspaceId: string, kind: string, value: string, compute: (workspaceId: string, kind: string, value: string) => string): string {
    const recent = this.newer.get(workspaceId, kind, value);
    if (recent !== undefined) return recent;
    const hash = this.older.get(workspaceId, kind, value) ?? compute(workspaceId, kind, value);
    const now = Date.now();
    if (this.newer.size >= this.limits.perGeneration || now - this.newerSince > this.limits.seconds * 1000) {
      this.older = now - this.newerSince > this.limits.seconds * 2000 ? new Generation() : this.newer;
      this.newer = new Generation();
      this.newerSince = now;
    }
    this.newer.set(workspaceId, kind, value, hash);
    return hash;
  }
}

/**
 * One generation of RecentHashes: per workspace, per kind, value to hash.
 * Nested rather than keyed by the three joined: the value is then the only
 * string hashed per lookup, and is usually short.
 */
class Generation {
  private readonly byWorkspace = new Map<string, Map<string, Map<string, string>>>();
  size = 0;

  get(workspaceId: string, kind: string, value: string): string | undefined {
    return this.byWorkspace.get(workspaceId)?.get(kind)?.get(value);
  }

  set(workspaceId: string, kind: string, value: string, hash: string): void {
    let kinds = this.byWorkspace.get(workspaceId);
    if (!kinds) this.byWorkspace.set(workspaceId, (kinds = new Map()));
    let values = kinds.get(kind);
    if (!values) kinds.set(kind, (values = new Map()));
    values.set(value, hash);
    this.size++;
  }
}

export class PersonalDataCipher {
  private readonly byId: Map<string, Buffer>;
  private readonly ivs = new IvSource();
  private readonly recentHashes = new RecentHashes({ perGeneration: 100_000, seconds: 300 });
  constructor(private readonly keys: PersonalDataKeys) {
    if (keys.dataKeys.length === 0) throw new Error('At least one data key is needed.');
    this.byId = new Map(keys.dataKeys.map((k) => [k.id, k.key]));
  }

  encrypt(plain: string): string {
    const { id, key } = this.keys.dataKeys[0]!;
    const iv = this.ivs.next();
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', id, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
  }

  decrypt(sealed: string): string {
    const [version, id, iv, tag, data] = sealed.split('.');
    const key = id === undefined ? undefined : this.byId.get(id);
    if (version !== 'v1' || !key || iv === undefined || tag === undefined || data === undefined) throw new Error(`Cannot decrypt personal data sealed with key "${id ?? '?'}": that key is not configured.`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  }

  /** The key id a ciphertext was sealed with, to find what a rotation still has to re-encrypt. */
  keyIdOf(sealed: string): string | undefined {
    return sealed.split('.')[1];
  }

  get currentKeyId(): string {
    return this.keys.dataKeys[0]!.id;
  }

  /** Whether older keys are still listed (a rotation under way), so values sealed with them may be left. */
  get hasRetiredKeys(): boolean {
    return this.keys.dataKeys.length > 1;
  }

  /** The same input always gives the same hash (per workspace and kind), so it can be looked up exactly. */
  lookupHash(workspaceId: string, kind: string, value: string): string {
    return this.recentHashes.get(workspaceId, kind, value, this.computeHash);
  }

  private readonly computeHash = (workspaceId: string, kind: string, value: string) => createHmac('sha256', this.keys.lookupKey).update(`${workspaceId}\n${kind}\n${value}`).digest('base64url');
}

/**
 * The configured keys, or (for the embedded database) keys made on first
 * start in the data folder and kept there (mode 0600), like the audit key.
 */
export async function loadPersonalDataKeys(options: { dataKeys?: { id: string; key: Buffer }[]; lookupKey?: Buffer; dataDir: string }): Promise<PersonalDataKeys> {
  if (options.dataKeys && options.lookupKey) return { dataKeys: options.dataKeys, lookupKey: options.lookupKey };
  const file = join(options.dataDir, 'personal-data-keys.json');
  const stored = await readFile(file, 'utf8').then(
    (text) => JSON.parse(text) as { dataKeys: { id: string; key: string }[]; lookupKey: string },
    () => null,
  );
  const keys = stored ?? { dataKeys: [{ id: 'k1', key: randomBytes(32).toString('base64') }], lookupKey: randomBytes(32).toString('base64') };
  if (!stored) {
    await mkdir(options.dataDir, { recursive: true });
    await writeFile(file, JSON.stringify(keys, null, 2), { mode: 0o600, flag: 'wx' });
  }
  return {
    dataKeys: options.dataKeys ?? keys.dataKeys.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') })),
    lookupKey: options.lookupKey ?? Buffer.from(keys.lookupKey, 'base64'),
  };
}
