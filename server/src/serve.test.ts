import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHub } from './serve';

describe('the Hub over real HTTP, as `npm run hub` starts it', () => {
  const folders: string[] = [];
  afterAll(async () => {
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it('offers a first-start link, keeps its data and signing key across a restart, and signs people in', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kata-hub-'));
    folders.push(dataDir);
    const env = { KATA_HUB_PORT: '0', KATA_HUB_DATA_DIR: dataDir, KATA_HUB_LOG_LEVEL: 'silent' };

    const first = await startHub(env);
    try {
      expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(first.setupLink).toMatch(new RegExp(`^${first.url}/setup\\?token=ksetup_`));
      expect((await fetch(first.setupLink!)).headers.get('content-type')).toMatch(/text\/html/);
      const token = new URL(first.setupLink!).searchParams.get('token');
      const created = await fetch(`${first.url}/v1/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, workspaceName: 'Acme', slug: 'acme', name: 'Maya', email: 'maya@acme.example', password: 'a long enough passphrase' }) });
      expect(created.status).toBe(201);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
    expect((await stat(join(dataDir, 'audit-signing-key.pem'))).mode & 0o777).toBe(0o600);

    const second = await startHub(env);
    try {
      expect(second.setupLink).toBeNull();
      const login = await fetch(`${second.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'KataTest' }, body: JSON.stringify({ email: 'maya@acme.example', password: 'a long enough passphrase' }) });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^kata_session=kses_[\w-]+; .*HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      const me = await fetch(`${second.url}/v1/me`, { headers: { cookie: cookie.split(';')[0]! } });
      expect(((await me.json()) as { workspace: { slug: string } }).workspace.slug).toBe('acme');
      // Started on port 0, the Hub names the port it got in the links it hands out (here a SCIM token's address).
      const scim = await fetch(`${second.url}/v1/scim-tokens`, { method: 'POST', headers: { cookie: cookie.split(';')[0]!, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Okta' }) });
      expect(((await scim.json()) as { scimUrl: string }).scimUrl).toBe(`${second.url}/scim/v2`);
      expect(me.headers.get('ratelimit-limit')).toBe('1200');
      // Checkpoints signed before the restart still verify with the key kept in the data folder.
      const verify = await fetch(`${second.url}/v1/audit/verify`, { headers: { cookie: cookie.split(';')[0]! } });
      expect(await verify.json()).toMatchObject({ ok: true, signedThrough: 1 });
    } finally {
      await second.stop();
    }
  }, 60_000);
});
