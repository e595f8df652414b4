import type { ChainedAuditEvent } from '../../../../../src/shared/audit/hash-chain';

/** GET /v1/audit/events: one event as the Hub stored it. */
export interface ListedAuditEvent extends ChainedAuditEvent {
  recordedAt: string;
}

export interface AuditPage {
  events: ListedAuditEvent[];
  nextCursor: number | null;
}

/** The filters GET /v1/audit/events and /v1/audit/export take (from/to as ISO times). */
export interface AuditFilter {
  action?: string;
  actorId?: string;
  targetKind?: string;
  targetId?: string;
  from?: string;
  to?: string;
}
export const filterNames = ['action', 'actorId', 'targetKind', 'targetId', 'from', 'to'] as const;

/** GET /v1/audit/verify. */
export type AuditVerification =
  | { ok: true; checked: number; signedThrough?: number | null; tombstone?: Record<string, unknown> }
  | { ok: false; checked: number; sequence: number; problem: string; message: string };

export function filterFrom(params: URLSearchParams): AuditFilter {
  const filter: AuditFilter = {};
  for (const name of filterNames) {
    const value = params.get(name);
    if (value) filter[name] = value;
  }
  return filter;
}
