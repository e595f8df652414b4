import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import { CompositionError } from '../shared/composition/composition';
import { describeIssues } from '../shared/validation';
import { HubAccountError } from './hub/hub-account';
import { MediaFileError } from './media/probe';
import type { StudioServices } from './services';
import { DesktopOnlyError, FfmpegUnavailableError } from './services';

export interface AppContext {
  services: StudioServices;
}

const t = initTRPC.context<AppContext>().create({
  isServer: true,
  errorFormatter: ({ shape, error }) => ({
    ...shape,
    // The UI shows each problem of a composition by its path.
    data: { ...shape.data, issues: error.cause instanceof CompositionError ? error.cause.issues : undefined },
  }),
});

/** Errors the user can act on keep their message and get the right code; others stay internal. */
const userErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (result.ok) return result;
  const cause = result.error.cause;
  // A bad input is told field by field ("url: url must be an http(s) URL…"), not as the validator's JSON.
  if (cause instanceof ZodError && result.error.code === 'BAD_REQUEST') throw new TRPCError({ code: 'BAD_REQUEST', message: describeIssues(cause), cause });
  if (cause instanceof CompositionError || cause instanceof MediaFileError) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: cause.message, cause });
  }
  if (cause instanceof FfmpegUnavailableError || cause instanceof DesktopOnlyError || cause instanceof HubAccountError) throw new TRPCError({ code: 'PRECONDITION_FAILED', message: cause.message, cause });
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(userErrors);
