import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCipher, testSigningKey } from '../test/hub';
import { buildApp } from './app';
import { loadConfig } from './config';
import { openDatabase, type HubDatabase } from './db/database';

let database: HubDatabase;
let app: Awaited<ReturnType<typeof buildApp>>;
const logLines: string[] = [];

beforeAll(async () => {
  database = await openDatabase({});
  const stream = new Writable({ write: (chunk, _enc, done) => void (logLines.push(String(chunk)), done()) });
  app = await buildApp({ database, logger: { level: 'info', stream }, bodyLimitBytes: 2048, audit: { signingKey: testSigningKey }, personalData: testCipher });
  app.post('/v1/test-echo', { config: { access: 'public' } }, async (request) => ({ got: request.body }));
}, 30_000);
afterAll(async () => {
  await app.close();
  await database.close();
});

describe('Kata Hub', () => {
  it('answers /healthz and /readyz with the database it uses', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', database: 'pglite' });
  });

  it('answers unknown routes with 404 in JSON, with a request id and no stack trace', async () => {
    const response = await app.inject({ url: '/v1/nope' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'No route GET /v1/nope', requestId: expect.any(String) });
    expect(response.headers['x-request-id']).toBe(response.json().requestId);
  });

  it('keeps a caller-given request id and sends security headers, with CORS closed', async () => {
    const response = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'req-12345678', origin: 'https://evil.example' } });
    expect(response.headers['x-request-id']).toBe('req-12345678');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a body over the limit', async () => {
    const response = await app.inject({ method: 'POST', url: '/v1/test-echo', payload: { blob: 'x'.repeat(4096) } });
    expect(response.statusCode).toBe(413);
    expect(response.json().error).toMatch(/too large/i);
  });

  it('publishes an OpenAPI document and a readable reference', async () => {
    const openapi = (await app.inject({ url: '/openapi.json' })).json();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(openapi.info.title).toBe('Kata Hub API');
    expect(openapi.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(openapi.paths['/v1/auth/login'].post.security).toEqual([]);
    expect(openapi.paths['/v1/members'].get.security).toBeUndefined();
    expect(openapi.paths['/v1/members/{id}'].patch.requestBody.content['application/json'].schema.properties.role.enum).toContain('viewer');
    // Segment messages are checked without copying them, and still documented as objects.
    expect(openapi.paths['/v1/batch'].post.requestBody.content['application/json'].schema.properties.batch.items).toMatchObject({ type: 'object' });
    expect((await app.inject({ url: '/docs/' })).statusCode).toBe(200);
  });

  it('never logs secrets or personal data', async () => {
    await app.inject({ url: '/healthz', headers: { authorization: 'Bearer very-secret-token', cookie: 'session=abc' } });
    await app.inject({ url: '/setup?token=ksetup_one-time-secret&lang=en' });
    await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'maya@example.com', password: 'hunter2-hunter2' } });
    app.log.info({ token: 'tok-123', user: { email: 'maya@example.com', password: 'hunter2' } }, 'sign-in attempt');
    const log = logLines.join('');
    expect(log).toContain('"token":"[redacted]"');
    expect(log).toContain('/setup?token=%5Bredacted%5D&lang=en');
    for (const secret of ['very-secret-token', 'session=abc', 'tok-123', 'maya@example.com', 'hunter2', 'ksetup_one-time-secret']) expect(log).not.toContain(secret);
  });
});

describe('Hub configuration', () => {
  it('reads defaults and names a bad variable', () => {
    expect(loadConfig({})).toMatchObject({ KATA_HUB_HOST: '127.0.0.1', KATA_HUB_PORT: 4400, KATA_HUB_CORS_ORIGINS: [] });
    expect(loadConfig({ KATA_HUB_CORS_ORIGINS: 'https://a.example, https://b.example' }).KATA_HUB_CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
    expect(() => loadConfig({ KATA_HUB_PORT: 'eighty' })).toThrow(/KATA_HUB_PORT:/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: use a postgres:\/\/ address/);
  });
});
