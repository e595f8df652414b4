import { z } from 'zod';

/** Studio's Hub account as the UI sees it: who is signed in, never a token. */
export const hubAccountSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('signed-out'), hubUrl: z.string().nullable(), problem: z.string().optional() }),
  z.object({ state: z.literal('signing-in'), hubUrl: z.string(), authorizationUrl: z.string() }),
  z.object({
    state: z.literal('signed-in'),
    hubUrl: z.string(),
    user: z.object({ name: z.string(), email: z.string(), role: z.string() }),
    workspace: z.object({ name: z.string(), slug: z.string() }),
  }),
]);
export type HubAccount = z.infer<typeof hubAccountSchema>;
