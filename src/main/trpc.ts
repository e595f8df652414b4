import { initTRPC } from '@trpc/server';
import type { StudioServices } from './services';

export interface AppContext {
  services: StudioServices;
}

const t = initTRPC.context<AppContext>().create({ isServer: true });

export const router = t.router;
export const publicProcedure = t.procedure;
