import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePersona } from '../../shared/influencer/persona';
import { binFolder, tempDir } from '../../../test/ffmpeg-fixtures';
import { completion, fakeChatServer } from '../../../test/fake-chat-server';
import { fakeVoiceService } from '../../../test/fake-voice-server';
import { appRouter } from '../router';
import { createStudioServices, type StudioServices } from '../services';

const persona = parsePersona({ version: 1, id: 'maya', name: 'Maya', handle: '@maya.makes', niche: 'home coffee', brand: { brandName: 'ThermoCo', products: [{ name: 'ThermoCo bottle', benefits: ['keeps coffee hot'] }] } });
let server: Awaited<ReturnType<typeof fakeChatServer>>;
let services: StudioServices;

beforeAll(async () => {
  server = await fakeChatServer([completion(JSON.stringify({ variants: [{ hook: 'H', body: 'B', cta: 'C #ad' }] }))]);
  services = createStudioServices({ appVersion: 't', runtime: 'browser-host', ffmpeg: { env: { PATH: await binFolder() }, resourcesDir: await tempDir('r') }, hub: { url: null }, dataDir: await tempDir('d'), aiApiKey: 'sk-from-main' });
});
afterAll(() => server.close());

describe('influencer procedures', () => {
  it('write variants offline by default', async () => {
    const scripts = await appRouter.createCaller({ services }).influencer.generateScripts({ persona, platform: 'youtube-shorts', variants: 2, seed: 'x' });
    expect(scripts).toHaveLength(2);
    expect(scripts[0]!.targets).toEqual({ 'youtube-shorts': 40 });
  });

  it('use the chat endpoint with the key main keeps, never one from the page', async () => {
    const scripts = await appRouter.createCaller({ services }).influencer.generateScripts({ persona, platform: 'tiktok', variants: 1, engine: { kind: 'chat', baseUrl: server.baseUrl, model: 'm' } });
    expect(scripts[0]!.hook.text).toBe('H');
    expect(server.requests[0]!.authorization).toBe('Bearer sk-from-main');
  });

  it('speak with the persona\'s engine: the hosted service when chosen, a clear message when it is not set up', async () => {
    const voice = await fakeVoiceService();
    try {
      const http = { ...persona, voice: { ...persona.voice, engine: 'http' as const, voiceId: 'rachel' } };
      const withService = createStudioServices({ appVersion: 't', runtime: 'browser-host', ffmpeg: { env: { PATH: await binFolder() }, resourcesDir: await tempDir('r') }, hub: { url: null }, dataDir: await tempDir('d'), speechService: { baseUrl: voice.baseUrl } });
      const spoken = await appRouter.createCaller({ services: withService }).influencer.speak({ persona: http, text: 'Hot coffee' });
      expect(spoken.words.map((w) => w.word)).toEqual(['Hot', 'coffee']);
      await expect(appRouter.createCaller({ services }).influencer.speak({ persona: http, text: 'Hot coffee' })).rejects.toThrow(/set KATA_TTS_URL/);
    } finally {
      await voice.close();
    }
  });

  it('refuse a bad persona or endpoint, naming the field', async () => {
    const caller = appRouter.createCaller({ services });
    await expect(caller.influencer.generateScripts({ persona: { ...persona, handle: 'no' }, platform: 'tiktok' })).rejects.toThrow(/handle/);
    await expect(caller.influencer.generateScripts({ persona, platform: 'tiktok', engine: { kind: 'chat', baseUrl: 'ftp://x', model: 'm' } })).rejects.toThrow(/base URL must be an http/);
  });
});
