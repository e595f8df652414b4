import { describe, expect, it } from 'vitest';
import { buildApp } from './app';
import { loadConfig } from './config';

describe('Kata Hub placeholder', () => {
  it('answers /healthz', async () => {
    const app = buildApp();
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/nope' })).statusCode).toBe(404);
    await app.close();
  });

  it('reads its address from the environment and names a bad variable', () => {
    expect(loadConfig({})).toEqual({ KATA_HUB_HOST: '127.0.0.1', KATA_HUB_PORT: 4400 });
    expect(loadConfig({ KATA_HUB_PORT: '5000' }).KATA_HUB_PORT).toBe(5000);
    expect(() => loadConfig({ KATA_HUB_PORT: 'eighty' })).toThrow(/KATA_HUB_PORT:/);
  });
});
