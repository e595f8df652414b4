import { EventEmitter, on } from 'node:events';
import { z } from 'zod';
import { hubAccountSchema, type HubAccount } from '../../shared/hub/account';
import { publicProcedure, router, type AppContext } from '../trpc';
import { hubUrlSchema } from './hub-status';
import { campaignExperimentsInputSchema, campaignExperimentsSchema, createHubExperiments } from './hub-experiments';
import { asTrpc, createHubSync } from './hub-sync';
import { pullResponseSchema, pushRequestSchema, pushResponseSchema, segmentMembersResponseSchema, segmentsResponseSchema } from '../../shared/sync/protocol';
import { pullInputSchema, segmentMembersInputSchema, segmentsInputSchema } from '../../shared/sync/transport';

/** The Hub client for a call, as the signed-in account (stateless: the account holds the tokens). */
const hubSyncOf = (ctx: AppContext) => createHubSync(ctx.services.hubAccount);

/** The Hub as the UI sees it: reachability and the account (no procedure here answers with a token). */
export const hubRouter = router({
  status: publicProcedure.query(({ ctx }) => ctx.services.hubStatus()),

  account: publicProcedure.output(hubAccountSchema).query(({ ctx }) => ctx.services.hubAccount.current()),

  /** The account now, then on every change (sign-in under way, signed in, signed out and why). */
  accountChanges: publicProcedure.subscription(async function* ({ ctx, signal }) {
    const events = new EventEmitter();
    const stop = ctx.services.hubAccount.onChange((account) => events.emit('account', account));
    // Listening before the first answer, so no change in between is lost.
    const changes = on(events, 'account', { signal });
    try {
      yield hubAccountSchema.parse(await ctx.services.hubAccount.current());
      for await (const [account] of changes) yield hubAccountSchema.parse(account as HubAccount);
    } catch (error) {
      if (!signal?.aborted) throw error;
    } finally {
      stop();
    }
  }),

  setUrl: publicProcedure
    .input(z.object({ url: hubUrlSchema('url') }))
    .output(hubAccountSchema)
    .mutation(({ ctx, input }) => ctx.services.hubAccount.setUrl(input.url)),

  /** Starts signing in; the desktop app opens the page itself, a browser tab opens the URL it gets back. */
  signIn: publicProcedure.output(z.object({ authorizationUrl: z.string() })).mutation(({ ctx }) => ctx.services.hubAccount.signIn()),

  cancelSignIn: publicProcedure.mutation(({ ctx }) => ctx.services.hubAccount.cancelSignIn()),

  signOut: publicProcedure.mutation(({ ctx }) => ctx.services.hubAccount.signOut()),

  /** Sync with the Hub as the signed-in person; failures come as UNAUTHORIZED (signed out), SERVICE_UNAVAILABLE (offline) or BAD_GATEWAY (the Hub refused, with its words). */
  sync: router({
    push: publicProcedure
      .input(pushRequestSchema)
      .output(pushResponseSchema)
      .mutation(async ({ ctx, input }) => {
        const answer = await asTrpc(() => hubSyncOf(ctx).push(input));
        // The Hub is reachable and may now hold the render records previews wait for: send them, beside the sync.
        void ctx.services
          .previewUploads()
          .then((uploads) => uploads.flush())
          .catch(() => undefined);
        return answer;
      }),
    pull: publicProcedure.input(pullInputSchema).output(pullResponseSchema).query(({ ctx, input }) => asTrpc(() => hubSyncOf(ctx).pull(input))),
    segments: publicProcedure.input(segmentsInputSchema).output(segmentsResponseSchema).query(({ ctx, input }) => asTrpc(() => hubSyncOf(ctx).segments(input))),
    segmentMembers: publicProcedure.input(segmentMembersInputSchema).output(segmentMembersResponseSchema).query(({ ctx, input }) => asTrpc(() => hubSyncOf(ctx).segmentMembers(input))),
  }),

  /** A campaign's experiments on the Hub, with the live leader of the running ones (same failures as sync). */
  experiments: router({
    forCampaign: publicProcedure
      .input(campaignExperimentsInputSchema)
      .output(campaignExperimentsSchema)
      .query(({ ctx, input }) => asTrpc(() => createHubExperiments(ctx.services.hubAccount).forCampaign(input.campaignId))),
  }),
});
