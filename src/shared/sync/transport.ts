import { z } from 'zod';
import { maxPullPage, type PullResponse, type PushRequest, type PushResponse, type SegmentMembersResponse, type SegmentsResponse } from './protocol';

/**
 * How Studio's sync engine reaches the Hub: tRPC `hub.sync.*` in the app, the
 * main-side Hub client directly in tests. Every failure is a SyncFailure whose
 * kind decides what the status bar says and whether the engine tries again.
 */
export const syncFailureKinds = ['signed-out', 'offline', 'hub-error'] as const;
export type SyncFailureKind = (typeof syncFailureKinds)[number];

export class SyncFailure extends Error {
  override name = 'SyncFailure';
  constructor(
    readonly kind: SyncFailureKind,
    message: string,
  ) {
    super(message);
  }
}

export const pullInputSchema = z.object({
  cursor: z.string().min(1).max(64).optional(),
  limit: z.number().int().min(1).max(maxPullPage).optional(),
});
export type PullInput = z.infer<typeof pullInputSchema>;

export const segmentsInputSchema = z.object({
  /** Absent: all the workspace's segments. */
  ids: z.array(z.string().min(1).max(128)).min(1).max(500).optional(),
});
export type SegmentsInput = z.infer<typeof segmentsInputSchema>;

export const segmentMembersInputSchema = z.object({
  id: z.string().min(1).max(128),
  version: z.number().int().positive().optional(),
  cursor: z.string().min(1).max(128).optional(),
  limit: z.number().int().min(1).max(10_000).optional(),
});
export type SegmentMembersInput = z.infer<typeof segmentMembersInputSchema>;

export interface SyncTransport {
  push(request: PushRequest): Promise<PushResponse>;
  pull(input: PullInput): Promise<PullResponse>;
  segments(input: SegmentsInput): Promise<SegmentsResponse>;
  segmentMembers(input: SegmentMembersInput): Promise<SegmentMembersResponse>;
}

/** The tRPC error code each failure travels as between main and the renderer. */
export const trpcCodeOfSyncFailure = { 'signed-out': 'UNAUTHORIZED', offline: 'SERVICE_UNAVAILABLE', 'hub-error': 'BAD_GATEWAY' } as const satisfies Record<SyncFailureKind, string>;

export const syncFailureKindOfTrpcCode = (code: unknown): SyncFailureKind | undefined =>
  syncFailureKinds.find((kind) => trpcCodeOfSyncFailure[kind] === code);
