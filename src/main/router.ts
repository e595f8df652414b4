import { router } from './trpc';
import { hubRouter } from './hub/hub-router';
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
  hub: hubRouter,
});

export type AppRouter = typeof appRouter;
