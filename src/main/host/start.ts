import { join, resolve } from 'node:path';
import { z } from 'zod';
import { describeIssues } from '../../shared/validation';
import { hubSettingFromEnv } from '../hub/hub-status';
import { defaultDataDir } from '../data-dir';
import { createStudioServices } from '../services';
import { loopbackHosts, startBrowserHost } from './browser-host';

// `npm run studio:web`: Studio's UI in any browser, backed by this Node process.
declare const __KATA_VERSION__: string;

const envSchema = z.object({
  KATA_STUDIO_HOST: z.enum(loopbackHosts).default('127.0.0.1'),
  KATA_STUDIO_PORT: z.coerce.number().int().min(0).max(65_535).default(4410),
  KATA_ENCODER_PRESET: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow']).optional(),
});

async function main(): Promise<void> {
  const parsed = envSchema.safeParse(process.env);
  if (!parsed.success) {
    console.error(`Kata Studio cannot start:\n${describeIssues(parsed.error)}`);
    process.exit(2);
  }
  const appRoot = resolve(__dirname, '../..');
  const services = createStudioServices({
    appVersion: __KATA_VERSION__,
    runtime: 'browser-host',
    ffmpeg: { env: process.env, resourcesDir: join(appRoot, 'resources') },
    hub: hubSettingFromEnv(process.env),
    dataDir: defaultDataDir(process.env),
    encoderPreset: parsed.data.KATA_ENCODER_PRESET,
    aiApiKey: process.env.KATA_AI_API_KEY || undefined,
    speechService: process.env.KATA_TTS_URL ? { baseUrl: process.env.KATA_TTS_URL, apiKey: process.env.KATA_TTS_API_KEY || undefined } : undefined,
    onWarning: (message) => console.warn(`Kata Studio: ${message}`),
  });
  const host = await startBrowserHost({
    services,
    staticDir: join(appRoot, 'out/renderer'),
    host: parsed.data.KATA_STUDIO_HOST,
    port: parsed.data.KATA_STUDIO_PORT,
  });
  console.log(`Kata Studio ${__KATA_VERSION__} is running. Open this URL in your browser:\n\n  ${host.url}\n`);
  console.log('Press Ctrl+C to stop.');

  const stop = () => {
    void host
      .close()
      .then(() => services.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = /EADDRINUSE/.test(message) ? ' Another program uses that port: set KATA_STUDIO_PORT to a free one (0 picks any).' : '';
  console.error(`Kata Studio cannot start: ${message}.${hint}`);
  process.exit(1);
});
