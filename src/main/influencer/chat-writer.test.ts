import { afterEach, describe, expect, it } from 'vitest';
import { parsePersona } from '../../shared/influencer/persona';
import { completion, fakeChatServer, silence, status } from '../../../test/fake-chat-server';
import { ScriptWriterError, writeScriptsWithChat } from './chat-writer';

const persona = parsePersona({ version: 1, id: 'maya', name: 'Maya', handle: '@maya.makes', niche: 'home coffee', brand: { brandName: 'ThermoCo', products: [{ name: 'ThermoCo bottle', benefits: ['keeps coffee hot'] }] } });
const good = JSON.stringify({ variants: [{ hook: 'AI creator here: meet my bottle.', body: 'It keeps coffee hot.', cta: 'Link below. #ad Paid partnership with ThermoCo.' }, { hook: 'Second hook.', body: 'Second body.', cta: 'Second cta #ad' }] });

let server: Awaited<ReturnType<typeof fakeChatServer>> | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

const write = (extra: { timeoutMs?: number; retries?: number; apiKey?: string } = {}) =>
  writeScriptsWithChat({ endpoint: { baseUrl: server!.baseUrl, model: 'local-model', apiKey: 'sk-test', ...extra }, persona, platform: 'tiktok', variants: 2, ids: ['a', 'b'] });

describe('scripts from an OpenAI-compatible chat endpoint', () => {
  it('asks with the persona, the product and the platform length, and returns scripts', async () => {
    server = await fakeChatServer([completion(`\`\`\`json\n${good}\n\`\`\``)]);
    const scripts = await write();
    expect(scripts.map((s) => s.hook.text)).toEqual(['AI creator here: meet my bottle.', 'Second hook.']);
    expect(scripts[0]).toMatchObject({ id: 'a', personaId: 'maya', targets: { tiktok: 30 } });
    const [request] = server.requests;
    expect(request).toMatchObject({ model: 'local-model', authorization: 'Bearer sk-test' });
    expect(request!.messages[1]!.content).toMatch(/home coffee[\s\S]*ThermoCo bottle[\s\S]*at most \d+ words/);
  });

  it('retries a server error and a garbled answer, then succeeds', async () => {
    server = await fakeChatServer([status(503), completion('not json at all'), completion(good)]);
    expect(await write()).toHaveLength(2);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a refused key, and says what to do', async () => {
    server = await fakeChatServer([status(401)]);
    await expect(write()).rejects.toThrow(/refused the API key \(401\)\. Check the key in Settings\./);
    expect(server.requests).toHaveLength(1);
  });

  it('gives up after its retries when the service stays silent', async () => {
    server = await fakeChatServer([silence()]);
    const error = await write({ timeoutMs: 150, retries: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScriptWriterError);
    expect((error as Error).message).toBe('The AI service at ' + new URL(server.baseUrl).host + ' did not answer within 150 ms.');
    expect(server.requests).toHaveLength(2);
  });

  it('names a wrong base URL or model', async () => {
    server = await fakeChatServer([completion(good)]);
    await expect(writeScriptsWithChat({ endpoint: { baseUrl: `${server.baseUrl}/nope`, model: 'm' }, persona, platform: 'tiktok', variants: 1, ids: ['a'] })).rejects.toThrow(/no model "m" or no chat endpoint \(404\)/);
  });
});
