import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { publicProcedure, router } from './trpc';

const heartbeatInput = z
  .object({ intervalMs: z.number().int().min(50).max(60_000).default(1000) })
  .default({ intervalMs: 1000 });

export const systemRouter = router({
  info: publicProcedure
    .input(z.object({ refresh: z.boolean().default(false) }).optional())
    .query(async ({ ctx, input }) => ({
      appVersion: ctx.services.appVersion,
      runtime: ctx.services.runtime,
      platform: process.platform,
      arch: process.arch,
      ffmpeg: await ctx.services.ffmpegStatus({ refresh: input?.refresh ?? false }),
    })),

  /** A tick every interval until the client unsubscribes: proves subscriptions over each link. */
  heartbeat: publicProcedure.input(heartbeatInput).subscription(async function* ({ input, signal }) {
    let beat = 0;
    while (!signal?.aborted) {
      yield { beat: beat++, at: new Date().toISOString() };
      try {
        await sleep(input.intervalMs, undefined, { signal });
      } catch {
        return;
      }
    }
  }),
});
