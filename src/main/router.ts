import { publicProcedure, router } from './trpc';
import { influencerRouter } from './influencer/influencer-router';
import { mediaRouter } from './media/media-router';
import { renderRouter } from './render/render-router';
import { systemRouter } from './system-router';

/** The whole API the UI may call, over IPC in Electron and over WebSocket in the browser host. */
export const appRouter = router({
  system: systemRouter,
  render: renderRouter,
  media: mediaRouter,
  influencer: influencerRouter,
  hub: router({
    status: publicProcedure.query(({ ctx }) => ctx.services.hubStatus()),
  }),
});

export type AppRouter = typeof appRouter;
