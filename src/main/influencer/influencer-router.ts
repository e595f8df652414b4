import { z } from 'zod';
import { generateScripts } from '../../shared/influencer/generator';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { presetIds, type PresetId } from '../../shared/composition/presets';
import { personaSchema } from '../../shared/influencer/persona';
import { defaultTargetSeconds, scriptSchema } from '../../shared/influencer/script';
import { publicProcedure, router } from '../trpc';
import { writeScriptsWithChat } from './chat-writer';
import { makeInfluencerVideo, speechEngineFor } from './video-maker';

const platform = z.enum(Object.keys(defaultTargetSeconds) as [keyof typeof defaultTargetSeconds, ...(keyof typeof defaultTargetSeconds)[]]);
const engine = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offline') }),
  z.object({ kind: z.literal('chat'), baseUrl: z.url({ protocol: /^https?$/, error: 'the AI base URL must be an http(s) address' }), model: z.string().min(1, 'name the model') }),
]);

const presetList = z.array(z.enum(presetIds)).min(1, 'choose at least one platform').max(9);

export const influencerRouter = router({
  /** Hear the persona say a text (offline, espeak-ng), for the voice preview button. */
  speak: publicProcedure
    .input(z.object({ persona: personaSchema, text: z.string().trim().min(1, 'give something to say').max(2000) }))
    .query(async ({ ctx, input, signal }) => {
      const folder = await mkdtemp(join(tmpdir(), 'kata-voice-'));
      try {
        const spoken = await speechEngineFor(input.persona, ctx.services).speak({ text: input.text, voiceId: input.persona.voice.voiceId, ratePercent: input.persona.voice.ratePercent, pitchPercent: input.persona.voice.pitchPercent, outputPath: join(folder, 'preview.wav'), signal });
        return { dataUrl: `data:audio/wav;base64,${(await readFile(spoken.outputPath)).toString('base64')}`, durationSeconds: spoken.durationSeconds, words: spoken.words };
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    }),

  /** Speaks the script and builds its composition for each platform (to open in the compositor or render). */
  createVideo: publicProcedure
    .input(z.object({ persona: personaSchema, script: scriptSchema, presets: presetList, portraitPath: z.string().min(1, 'choose a portrait image'), musicPath: z.string().min(1).optional(), brollPaths: z.array(z.string().min(1)).max(2).default([]) }))
    .mutation(async ({ ctx, input, signal }) => {
      const made = await makeInfluencerVideo({ services: ctx.services, persona: input.persona, script: input.script, presets: input.presets, portraitPath: input.portraitPath, musicPath: input.musicPath, brollPaths: input.brollPaths, signal });
      return made.compositions;
    }),

  /** One action: the video for every platform the persona posts on, through the render queue. */
  renderAllPlatforms: publicProcedure
    .input(z.object({ persona: personaSchema, script: scriptSchema, portraitPath: z.string().min(1), musicPath: z.string().min(1).optional(), outputFolder: z.string().min(1).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'give an absolute folder') }))
    .mutation(async ({ ctx, input, signal }) => {
      const presets = input.persona.platforms as PresetId[];
      const made = await makeInfluencerVideo({ services: ctx.services, persona: input.persona, script: input.script, presets, portraitPath: input.portraitPath, musicPath: input.musicPath, signal });
      const queue = await ctx.services.renderQueue();
      const safe = `${input.persona.handle.replace(/^@/, '')}-${input.script.title}`.replace(/[^\w.-]+/g, '-');
      const jobs = [];
      for (const composition of made.compositions) jobs.push(await queue.enqueue({ composition, outputPath: join(input.outputFolder, `${safe}-${composition.preset}.mp4`) }));
      return jobs.map((job) => ({ id: job.id, outputPath: job.outputPath, state: job.state }));
    }),

  /** Script variants for a persona and platform: offline from templates, or from a chat endpoint (the key stays in main). */
  generateScripts: publicProcedure
    .input(z.object({ persona: personaSchema, platform, variants: z.number().int().min(1).max(5).default(3), seed: z.string().max(100).default('kata'), productName: z.string().optional(), engine: engine.default({ kind: 'offline' }) }))
    .mutation(async ({ ctx, input, signal }) => {
      const ids = Array.from({ length: input.variants }, () => crypto.randomUUID());
      if (input.engine.kind === 'offline') {
        return generateScripts({ persona: input.persona, platform: input.platform, variants: input.variants, seed: input.seed, ids, productName: input.productName });
      }
      return writeScriptsWithChat({
        endpoint: { baseUrl: input.engine.baseUrl, model: input.engine.model, apiKey: ctx.services.aiApiKey },
        persona: input.persona,
        platform: input.platform,
        variants: input.variants,
        ids,
        productName: input.productName,
        signal,
      });
    }),
});
