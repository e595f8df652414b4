import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '../../../src/shared/audit/canonical-json';

/** A key that checkpoints and tombstones can be verified with. */
export interface AuditPublicKey {
  /** Short SHA-256 fingerprint of the public key, stored beside each signature. */
  keyId: string;
  publicKey: KeyObject;
}

/** The Hub's Ed25519 key for the audit log. Its private half never leaves this object (a KeyObject prints no key material). */
export interface AuditSigningKey extends AuditPublicKey {
  privateKey: KeyObject;
  /** The public key as SPKI PEM, to publish (GET /v1/audit/signing-key). */
  publicKeyPem: string;
}

/** Where the Hub keeps the key it made itself, inside its data dir. */
export const AUDIT_SIGNING_KEY_FILE = 'audit-signing-key.pem';

/** Reads an Ed25519 private key in PKCS#8 PEM; the error says what is wrong and never repeats the key. */
export function parseAuditPrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    // Environment files often carry a PEM on one line with \n escapes.
    key = createPrivateKey({ key: pem.replace(/\\n/g, '\n'), format: 'pem' });
  } catch {
    throw new Error('is not a PEM private key (expected "-----BEGIN PRIVATE KEY-----", PKCS#8; make one with `openssl genpkey -algorithm ed25519`)');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`is a ${key.asymmetricKeyType ?? 'symmetric'} key; the audit log signs with Ed25519 (\`openssl genpkey -algorithm ed25519\`)`);
  return key;
}

/** Reads one or more Ed25519 public keys (SPKI PEM blocks, one after another). */
export function parseAuditPublicKeys(pems: string): KeyObject[] {
  const blocks = pems.replace(/\\n/g, '\n').match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) throw new Error('holds no "-----BEGIN PUBLIC KEY-----" block');
  return blocks.map((block, i) => {
    const key = createPublicKey({ key: block, format: 'pem' });
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`key ${i + 1} is a ${key.asymmetricKeyType ?? 'symmetric'} key, not Ed25519`);
    return key;
  });
}

export function auditKeyId(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function auditPublicKey(publicKey: KeyObject): AuditPublicKey {
  return { keyId: auditKeyId(publicKey), publicKey };
}

export function auditSigningKey(privateKey: KeyObject): AuditSigningKey {
  const publicKey = createPublicKey(privateKey);
  return { keyId: auditKeyId(publicKey), publicKey, privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/**
 * The configured key, or else the one in `<dataDir>/audit-signing-key.pem`,
 * made there (mode 0600) on the first start. With `create: false` a missing
 * file gives undefined instead (for tools that only verify).
 */
export async function loadAuditSigningKey(options: { configured?: KeyObject; dataDir: string; create?: boolean }): Promise<AuditSigningKey | undefined> {
  if (options.configured) return auditSigningKey(options.configured);
  const path = join(options.dataDir, AUDIT_SIGNING_KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing || options.create === false) return existing;
  const { privateKey } = generateKeyPairSync('ed25519');
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  try {
    // 'wx': if another Hub process made the file first, use its key.
    await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readKeyFile(path);
  }
  return auditSigningKey(privateKey);
}

async function readKeyFile(path: string): Promise<AuditSigningKey | undefined> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return auditSigningKey(parseAuditPrivateKey(pem));
  } catch (error) {
    throw new Error(`The audit signing key in ${path} ${(error as Error).message}`, { cause: error });
  }
}

/** Ed25519 signature (base64) over the record's canonical JSON. */
export function signAuditRecord(key: AuditSigningKey, record: object): string {
  return sign(null, Buffer.from(canonicalJson(record)), key.privateKey).toString('base64');
}

/** Whether one of `keys` (the one named `keyId`) signed exactly this record. */
export function checkAuditSignature(keys: readonly AuditPublicKey[], keyId: string, record: object, signature: string): 'valid' | 'invalid' | 'unknown-key' {
  const key = keys.find((k) => k.keyId === keyId);
  if (!key) return 'unknown-key';
  try {
    return verify(null, Buffer.from(canonicalJson(record)), key.publicKey, Buffer.from(signature, 'base64')) ? 'valid' : 'invalid';
  } catch {
    return 'invalid';
  }
}
