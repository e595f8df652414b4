import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { testHub } from '../../test/hub';
import type { HubDatabase } from '../db/database';
import { makeSetupLink } from './setup-routes';

describe('the first start', () => {
  let database: HubDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await hubDatabases[0]!.open();
    app = await testHub(database, { publicUrl: 'http://127.0.0.1:4400' });
  }, 30_000);
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('hands out a one-time link that creates the first workspace and its owner', async () => {
    const link = (await makeSetupLink({ db: database.db, now: () => new Date(), publicUrl: 'http://127.0.0.1:4400' }))!;
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:4400\/setup\?token=ksetup_/);
    const page = await app.inject({ url: new URL(link).pathname + new URL(link).search });
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('<script src="/setup.js"></script>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await app.inject({ url: '/setup.js' })).body).toContain("fetch('/v1/setup'");

    const token = new URL(link).searchParams.get('token')!;
    const body = { token, workspaceName: 'Acme Marketing', slug: 'acme', name: 'Maya Lee', email: 'maya@acme.example', password: 'a long enough passphrase' };
    expect((await app.inject({ method: 'POST', url: '/v1/setup', payload: { ...body, slug: 'Acme Inc' } })).json().error).toMatch(/slug: use lower-case letters/);
    const created = await app.inject({ method: 'POST', url: '/v1/setup', payload: body });
    expect(created.statusCode).toBe(201);
    const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'maya@acme.example', password: 'a long enough passphrase', client: 'studio' } });
    expect(login.json()).toMatchObject({ user: { role: 'owner', name: 'Maya Lee' }, workspace: { slug: 'acme', name: 'Acme Marketing' } });

    const again = await app.inject({ method: 'POST', url: '/v1/setup', payload: { ...body, slug: 'acme-two' } });
    expect(again.statusCode).toBe(404);
    expect(again.json().error).toMatch(/already used or has expired/);
    expect(await makeSetupLink({ db: database.db, now: () => new Date(), publicUrl: 'http://x' })).toBeNull();
  });
});
