import type { Kysely } from 'kysely';
import { appendAuditEventIn } from '../db/audit-store';
import { lockWorkspaceIngestForChanges } from '../db/cdp-store';
import * as store from '../db/privacy-store';
import type { HubSchema } from '../db/schema';
import { changeDigest } from '../http/access';
import { personalDataErasers, type PersonalDataEraser } from './erasers';
import { exportPerson, type PersonExport } from './export';
import type { PersonalDataCipher } from './personal-data';

export interface PrivacyServices {
  db: Kysely<HubSchema>;
  cipher: PersonalDataCipher;
  now(): Date;
}

/** What a completed request found and did; an export's document is kept here until it is downloaded or its subject erased. */
export type PrivacyResult =
  | { found: false; message: string }
  | { found: true; export: PersonExport }
  | { found: true; erased: Record<string, number> }
  | { removed: string };

export interface RunOutcome {
  status: 'completed' | 'pending' | 'failed' | 'missing';
  /** A plain sentence without personal data, as stored on the request. */
  error?: string;
}

/**
 * Does a privacy request's work, whether a job runs it or the app does so in
 * process, and records the outcome on the request: completed (also when no
 * customer has the identifier: that is an answer, not an error), or, when
 * the work throws, failed (when `finalAttempt`) or pending again with the
 * error until the retry. A completed request is never run twice.
 */
export async function runPrivacyRequest(
  services: PrivacyServices,
  request: { workspaceId: string; id: string },
  options: { finalAttempt: boolean; erasers?: readonly PersonalDataEraser[]; onError?: (error: unknown) => void },
): Promise<RunOutcome> {
  const { workspaceId, id } = request;
  const row = await store.getPrivacyRequest(services.db, workspaceId, id);
  if (!row) return { status: 'missing' };
  if (row.status === 'completed') return { status: 'completed' };
  await store.updatePrivacyRequest(services.db, workspaceId, id, { status: 'running', error: null });
  try {
    if (row.kind === 'export') await completeExport(services, row);
    else await completeErasure(services, row, options.erasers ?? personalDataErasers);
    return { status: 'completed' };
  } catch (error) {
    options.onError?.(error);
    const message = plainError(error);
    if (!options.finalAttempt) {
      await store.updatePrivacyRequest(services.db, workspaceId, id, { status: 'pending', error: `The last attempt failed and will be retried: ${message}` });
      return { status: 'pending', error: message };
    }
    await services.db.transaction().execute(async (tx) => {
      await store.updatePrivacyRequest(tx, workspaceId, id, { status: 'failed', error: message, completed_at: services.now() });
      await appendAuditEventIn(tx, systemAuditEvent(services, row, 'privacy-request.failed', { kind: row.kind, status: 'failed' }));
    });
    return { status: 'failed', error: message };
  }
}

async function completeExport(services: PrivacyServices, request: store.PrivacyRequestRow): Promise<void> {
  const { workspace_id: workspaceId, id } = request;
  const customer = await store.profileByIdentifier(services.db, workspaceId, request.subject_kind, request.subject_hash);
  const document = customer && !customer.erased ? await exportPerson(services.db, services.cipher, workspaceId, customer.id) : null;
  await services.db.transaction().execute(async (tx) => {
    const current = await store.lockPrivacyRequest(tx, workspaceId, id);
    if (!current || current.status === 'completed') return;
    // An erasure of the same person that finished while this export was read wins: nothing of theirs is kept.
    const erasedMeanwhile = current.subject_hash === store.erasedSubjectMarker;
    const result: PrivacyResult = erasedMeanwhile ? { removed: 'The subject was erased while this export was prepared; it was not kept.' } : document ? { found: true, export: document } : notFound;
    await store.updatePrivacyRequest(tx, workspaceId, id, { status: 'completed', result, error: null, completed_at: services.now() });
    await appendAuditEventIn(tx, systemAuditEvent(services, request, 'privacy-request.completed', { kind: 'export', found: document !== null && !erasedMeanwhile }));
  });
}

/**
 * Erases the customer the identifier leads to (following merges) and every
 * profile merged into them, in one transaction that also holds the
 * workspace's ingest lock, so no batch attaches to them half-way. Their
 * identities are gone afterwards: if the person sends events again, ingest
 * knows none of their identifiers and starts a new profile.
 */
async function completeErasure(services: PrivacyServices, request: store.PrivacyRequestRow, erasers: readonly PersonalDataEraser[]): Promise<void> {
  const { workspace_id: workspaceId, id } = request;
  await services.db.transaction().execute(async (tx) => {
    const current = await store.lockPrivacyRequest(tx, workspaceId, id);
    if (!current || current.status === 'completed') return;
    await lockWorkspaceIngestForChanges(tx, workspaceId);
    const customer = await store.profileByIdentifier(tx, workspaceId, current.subject_kind, current.subject_hash);
    let result: PrivacyResult = notFound;
    if (customer && !customer.erased) {
      const profileIds = await store.profileFamily(tx, workspaceId, customer.id);
      const hashes = (await store.identitiesOfProfiles(tx, workspaceId, profileIds)).map((i) => i.value_hash);
      const subject = { workspaceId, requestId: id, keptProfileId: customer.id, profileIds, identifierHashes: [...new Set([current.subject_hash, ...hashes])], at: services.now() };
      const erased: Record<string, number> = {};
      for (const eraser of erasers) erased[eraser.name] = await eraser.erase(tx, subject, services.cipher);
      result = { found: true, erased };
    }
    // The request keeps no trace of whom it was about, found or not.
    await store.updatePrivacyRequest(tx, workspaceId, id, { status: 'completed', result, error: null, completed_at: services.now(), subject_hash: store.erasedSubjectMarker });
    await appendAuditEventIn(tx, systemAuditEvent(services, request, 'privacy-request.completed', { kind: 'erase', ...result }));
  });
}

const notFound: PrivacyResult = { found: false, message: 'No customer in this workspace has this identifier (or they were erased before): there is nothing to export or erase.' };

/** The Hub's own record of a request's outcome: what happened, never whom it was about. */
function systemAuditEvent(services: PrivacyServices, request: store.PrivacyRequestRow, action: string, change: Record<string, unknown>) {
  return {
    workspaceId: request.workspace_id,
    actor: { kind: 'system' as const, id: 'privacy-requests' },
    action,
    target: { kind: 'privacy-request', id: request.id },
    at: services.now().toISOString(),
    ip: null,
    userAgent: null,
    requestId: null,
    changeDigest: changeDigest(change),
  };
}

/** An error as the request may keep it: database errors only by their code (their details can repeat row values). */
function plainError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return `The database refused the work (PostgreSQL error ${code}). Try again; if it persists, the Hub's log has the details.`;
  if (error instanceof Error) return error.message.slice(0, 500);
  return 'The work stopped on an unexpected error.';
}
