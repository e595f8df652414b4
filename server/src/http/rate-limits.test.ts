import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { callHub, testHub, testWorkspace } from '../../test/hub';
import type { HubDatabase } from '../db/database';

describe('rate limits', () => {
  let database: HubDatabase;
  let redis: Redis;
  let first: FastifyInstance;
  let second: FastifyInstance;
  let alone: FastifyInstance;
  beforeAll(async () => {
    database = await hubDatabases[0]!.open();
    // The Redis every machine here runs (REDIS_URL in production).
    redis = new Redis(process.env.KATA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
    const limits = { perIp: 4, perUser: 5, perApiKey: 3, signIn: 10_000 };
    first = await testHub(database, { rateLimits: limits, redis });
    second = await testHub(database, { rateLimits: limits, redis });
    alone = await testHub(database, { rateLimits: limits });
  }, 30_000);
  afterAll(async () => {
    await Promise.all([first.close(), second.close(), alone.close()]);
    redis.disconnect();
    await database.close();
  });

  it('counts per user across Hub instances that share Redis, with the standard headers', async () => {
    const ws = await testWorkspace(first, database);
    const statuses: number[] = [];
    for (const app of [first, second, first, second, first, second]) {
      const response = await callHub(app, 'GET', '/v1/me', undefined, ws.ownerToken);
      statuses.push(response.statusCode);
      if (response.statusCode === 200) expect(response.headers['ratelimit-limit']).toBe('5');
      else {
        expect(response.headers['retry-after']).toMatch(/^\d+$/);
        expect(response.json().error).toMatch(/limit is 5 a minute/);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('gives each API key its own limit, apart from its creator', async () => {
    const ws = await testWorkspace(alone, database);
    const key = (await ws.call('POST', '/v1/api-keys', { name: 'k', scopes: ['members.read'] })).json().key;
    const byKey = [];
    for (let i = 0; i < 4; i++) byKey.push((await callHub(alone, 'GET', '/v1/members', undefined, key)).statusCode);
    expect(byKey).toEqual([200, 200, 200, 429]);
    expect((await ws.call('GET', '/v1/members')).statusCode).toBe(200);
  });

  it('counts callers without credentials per IP address', async () => {
    const anonymous = [];
    for (let i = 0; i < 5; i++) anonymous.push((await alone.inject({ url: '/v1/workspace', remoteAddress: '198.51.100.7' })).statusCode);
    expect(anonymous).toEqual([401, 401, 401, 401, 429]);
    expect((await alone.inject({ url: '/v1/workspace', remoteAddress: '198.51.100.8' })).statusCode).toBe(401);
  });
});
