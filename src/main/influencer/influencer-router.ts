import { z } from 'zod';
import { generateScripts } from '../../shared/influencer/generator';
import { personaSchema } from '../../shared/influencer/persona';
import { defaultTargetSeconds } from '../../shared/influencer/script';
import { publicProcedure, router } from '../trpc';
import { writeScriptsWithChat } from './chat-writer';

const platform = z.enum(Object.keys(defaultTargetSeconds) as [keyof typeof defaultTargetSeconds, ...(keyof typeof defaultTargetSeconds)[]]);
const engine = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offline') }),
  z.object({ kind: z.literal('chat'), baseUrl: z.url({ protocol: /^https?$/, error: 'the AI base URL must be an http(s) address' }), model: z.string().min(1, 'name the model') }),
]);

export const influencerRouter = router({
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
