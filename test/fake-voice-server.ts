import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local stand-in for an ElevenLabs-style service: a sine tone for the text, with one timing per character. */
export async function fakeVoiceService(options: { failFirst?: number; key?: string } = {}) {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls++;
      res.setHeader('Content-Type', 'application/json');
      if (options.key && req.headers['xi-api-key'] !== options.key) return void ((res.statusCode = 401), res.end('{}'));
      if (calls <= (options.failFirst ?? 0)) return void ((res.statusCode = 503), res.end('{}'));
      if (req.method === 'GET' && req.url === '/v1/voices') return void res.end(JSON.stringify({ voices: [{ voice_id: 'rachel', name: 'Rachel', labels: { accent: 'american' } }] }));
      const match = /^\/v1\/text-to-speech\/([^/]+)\/with-timestamps\?output_format=pcm_(\d+)$/.exec(req.url ?? '');
      if (!match) return void ((res.statusCode = 404), res.end('{}'));
      const rate = Number(match[2]);
      const { text } = JSON.parse(body) as { text: string };
      const perCharacter = 0.06;
      const samples = Buffer.alloc(Math.round(text.length * perCharacter * rate) * 2);
      for (let i = 0; i < samples.length / 2; i++) samples.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate)), i * 2);
      const characters = [...text];
      res.end(JSON.stringify({
        audio_base64: samples.toString('base64'),
        alignment: { characters, character_start_times_seconds: characters.map((_, i) => i * perCharacter), character_end_times_seconds: characters.map((_, i) => (i + 1) * perCharacter) },
      }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

