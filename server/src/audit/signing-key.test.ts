import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { AUDIT_SIGNING_KEY_FILE, auditPublicKey, checkAuditSignature, loadAuditSigningKey, signAuditRecord } from './signing-key';

const dirs: string[] = [];
async function dataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kata-audit-key-'));
  dirs.push(dir);
  return join(dir, 'hub');
}
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('the audit signing key', () => {
  it('is made on the first start in the data dir, readable by the Hub’s user only, and reused afterwards', async () => {
    const dir = await dataDir();
    expect(await loadAuditSigningKey({ dataDir: dir, create: false })).toBeUndefined();
    const made = (await loadAuditSigningKey({ dataDir: dir }))!;
    const path = join(dir, AUDIT_SIGNING_KEY_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const again = (await loadAuditSigningKey({ dataDir: dir }))!;
    expect(again.keyId).toBe(made.keyId);
    expect(made.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(made.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  it('comes from KATA_HUB_AUDIT_SIGNING_KEY when set (PEM, or PEM with \\n escapes), and signs what only it verifies', async () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const config = loadConfig({ KATA_HUB_AUDIT_SIGNING_KEY: pem.replace(/\n/g, '\\n') });
    const key = (await loadAuditSigningKey({ configured: config.KATA_HUB_AUDIT_SIGNING_KEY, dataDir: await dataDir() }))!;
    expect(key.keyId).toBe((await loadAuditSigningKey({ configured: loadConfig({ KATA_HUB_AUDIT_SIGNING_KEY: pem }).KATA_HUB_AUDIT_SIGNING_KEY, dataDir: '/nonexistent' }))!.keyId);
    const record = { workspaceId: 'acme', sequence: 3, hash: 'ab' };
    const signature = signAuditRecord(key, record);
    expect(checkAuditSignature([key], key.keyId, { hash: 'ab', sequence: 3, workspaceId: 'acme' }, signature)).toBe('valid');
    expect(checkAuditSignature([key], key.keyId, { ...record, sequence: 4 }, signature)).toBe('invalid');
    expect(checkAuditSignature([key], key.keyId, record, 'not base64 at all')).toBe('invalid');
    expect(checkAuditSignature([], key.keyId, record, signature)).toBe('unknown-key');
  });

  it('refuses a key that is not an Ed25519 private key, naming the variable and never repeating the key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadConfig({ KATA_HUB_AUDIT_SIGNING_KEY: rsa })).toThrow(/KATA_HUB_AUDIT_SIGNING_KEY: is a rsa key; the audit log signs with Ed25519/);
    let message = '';
    try {
      loadConfig({ KATA_HUB_AUDIT_SIGNING_KEY: 'secret-material-that-is-no-key' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/KATA_HUB_AUDIT_SIGNING_KEY: is not a PEM private key/);
    expect(message).not.toContain('secret-material');
    expect(loadConfig({ KATA_HUB_AUDIT_SIGNING_KEY: '' }).KATA_HUB_AUDIT_SIGNING_KEY).toBeUndefined();
  });

  it('accepts the public keys of earlier signing keys, for checkpoints signed before a rotation', () => {
    const [a, b] = [generateKeyPairSync('ed25519').publicKey, generateKeyPairSync('ed25519').publicKey];
    const pems = [a, b].map((k) => k.export({ type: 'spki', format: 'pem' }).toString()).join('\n');
    const keys = loadConfig({ KATA_HUB_AUDIT_PREVIOUS_PUBLIC_KEYS: pems }).KATA_HUB_AUDIT_PREVIOUS_PUBLIC_KEYS.map(auditPublicKey);
    expect(keys.map((k) => k.keyId)).toEqual([auditPublicKey(a).keyId, auditPublicKey(b).keyId]);
    expect(loadConfig({}).KATA_HUB_AUDIT_PREVIOUS_PUBLIC_KEYS).toEqual([]);
    expect(() => loadConfig({ KATA_HUB_AUDIT_PREVIOUS_PUBLIC_KEYS: 'nope' })).toThrow(/KATA_HUB_AUDIT_PREVIOUS_PUBLIC_KEYS: holds no "-----BEGIN PUBLIC KEY-----" block/);
  });

  it('names the file when the key file is not a usable key', async () => {
    const dir = await dataDir();
    await loadAuditSigningKey({ dataDir: dir });
    await writeFile(join(dir, AUDIT_SIGNING_KEY_FILE), 'garbage');
    await expect(loadAuditSigningKey({ dataDir: dir })).rejects.toThrow(`The audit signing key in ${join(dir, AUDIT_SIGNING_KEY_FILE)} is not a PEM private key`);
  });
});
