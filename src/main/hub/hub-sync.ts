import { TRPCError } from '@trpc/server';
import type { z } from 'zod';
import { pullResponseSchema, pushResponseSchema, segmentMembersResponseSchema, segmentsResponseSchema } from '../../shared/sync/protocol';
import { SyncFailure, trpcCodeOfSyncFailure, type SyncTransport } from '../../shared/sync/transport';
import { describeIssues } from '../../shared/validation';
import { HubAccountError, type HubAccountService } from './hub-account';

/** A push of 8 MB on a slow line still fits; a Hub that hangs longer is treated as unreachable. */
const requestTimeoutMs = 120_000;

const reasonOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
};

/** The Hub's own sentence from an error answer ({ error: "…" }), else its status. */
function hubMessage(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string' && parsed.error.length > 0) return parsed.error.slice(0, 500);
  } catch {
    // Not JSON: a proxy's page, say.
  }
  return `HTTP ${status}`;
}

/** One call to the Hub as the signed-in person: its answer parsed with `schema`, or a SyncFailure saying what went wrong. */
export function hubCaller(account: Pick<HubAccountService, 'fetch'>) {
  return async function call<T>(what: string, path: string, schema: z.ZodType<T>, init: RequestInit = {}): Promise<T> {
    let status: number;
    let body: string;
    try {
      const response = await account.fetch(path, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
      status = response.status;
      body = await response.text();
    } catch (error) {
      if (error instanceof HubAccountError) throw new SyncFailure('signed-out', error.message);
      throw new SyncFailure('offline', `The Hub could not be reached (${reasonOf(error)}); your changes are kept and sent when it can be.`);
    }
    if (status === 401) throw new SyncFailure('signed-out', 'Your Hub session ended; sign in again (Settings → Hub).');
    if (status < 200 || status >= 300) {
      const retry = status >= 500 || status === 429 ? ' Studio tries again later.' : '';
      throw new SyncFailure('hub-error', `The Hub refused ${what} (${status}): ${hubMessage(status, body)}.${retry}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new SyncFailure('hub-error', `The Hub's answer to ${what} is not JSON.`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new SyncFailure('hub-error', `The Hub's answer to ${what} is not what Studio expects (${describeIssues(parsed.error).replaceAll('\n', '; ')}).`);
    return parsed.data;
  };
}

/**
 * Studio's sync calls to the Hub as the signed-in person (main only: the
 * token never leaves it). Answers are parsed with the protocol's schemas;
 * failures say whether Studio is signed out, offline, or what the Hub refused.
 */
export function createHubSync(account: Pick<HubAccountService, 'fetch'>): SyncTransport {
  const call = hubCaller(account);
  const query = (params: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value !== undefined) search.set(key, String(value));
    const text = search.toString();
    return text ? `?${text}` : '';
  };

  return {
    push: (request) => call('the push', '/v1/sync/push', pushResponseSchema, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request) }),
    pull: (input) => call('the pull', `/v1/sync/pull${query({ cursor: input.cursor, limit: input.limit })}`, pullResponseSchema),
    segments: (input) => call('the segment list', `/v1/sync/segments${query({ ids: input.ids?.join(',') })}`, segmentsResponseSchema),
    segmentMembers: (input) =>
      call(`the members of segment ${input.id}`, `/v1/sync/segments/${encodeURIComponent(input.id)}/members${query({ version: input.version, cursor: input.cursor, limit: input.limit })}`, segmentMembersResponseSchema),
  };
}

/** Runs a sync call, turning its failure into the tRPC error whose code the renderer maps back to the kind. */
export async function asTrpc<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof SyncFailure) throw new TRPCError({ code: trpcCodeOfSyncFailure[error.kind], message: error.message, cause: error });
    throw error;
  }
}
