import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * Every secret the Hub hands out is random, prefixed so that a leaked one can
 * be recognised (and found by secret scanners), and stored only as a digest.
 */
export type SecretKind = 'session' | 'access-token' | 'api-key' | 'write-key' | 'scim-token' | 'invitation' | 'setup' | 'authorization-code' | 'refresh-token';
const prefixes: Record<SecretKind, string> = { session: 'kses', 'access-token': 'kat', 'api-key': 'kak', 'write-key': 'kwk', 'scim-token': 'kscim', invitation: 'kinv', setup: 'ksetup', 'authorization-code': 'kac', 'refresh-token': 'krt' };

export function newSecret(kind: SecretKind): string {
  return `${prefixes[kind]}_${randomBytes(32).toString('base64url')}`;
}

export function secretKindOf(secret: string): SecretKind | null {
  const prefix = secret.slice(0, secret.indexOf('_'));
  return (Object.keys(prefixes) as SecretKind[]).find((kind) => prefixes[kind] === prefix) ?? null;
}

/** Tokens carry 256 random bits, so a plain SHA-256 digest is enough to store them (no slow hash needed). */
export function digestSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Keys that name their row: `<prefix>_<id>.<secret>`; the id finds the row,
 * the secret proves it. API keys (`kak_`), write keys (`kwk_`, which only send
 * events) and SCIM tokens (`kscim_`, which only manage a workspace's users).
 */
export type KeyKind = 'api-key' | 'write-key' | 'scim-token';

export function newKey(kind: KeyKind): { id: string; key: string } {
  const id = randomBytes(9).toString('base64url');
  return { id, key: `${prefixes[kind]}_${id}.${randomBytes(32).toString('base64url')}` };
}

/** The id in a key of this kind, or null when it is not one. */
export function parseKey(kind: KeyKind, key: string): { id: string } | null {
  const match = new RegExp(`^${prefixes[kind]}_([\\w-]{12})\\.[\\w-]{43}$`).exec(key);
  return match ? { id: match[1]! } : null;
}

// Passwords: argon2id with OWASP's recommended memory and time costs.
const argon2Options = { algorithm: 2 /* Algorithm.Argon2id, a const enum */ as const, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, argon2Options);
}

/** A hash of nothing in particular, so that signing in as an unknown user takes as long as a known one. */
let decoyHash: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    await verify(await (decoyHash ??= hashPassword(randomBytes(16).toString('hex'))), password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
