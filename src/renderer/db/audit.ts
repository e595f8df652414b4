import { canonicalJson } from '../../shared/audit/canonical-json';
import { deviceAuditEventSchema, type DeviceAuditEvent } from '../../shared/sync/protocol';
import type { KataDatabase } from './database';
import { enqueueMutation, systemClock, type Clock } from './outbox';

/** What Studio tells the Hub's audit log (travels in the outbox, appended to the hash chain on sync). */
export type AuditEventKind = 'script-safety-override' | 'render-exported' | 'persona-changed' | 'segment-exported' | 'sign-in';

/** The Hub's action name (it records it as `studio.<action>`) and the kind of thing each event is about. */
const auditActions: Record<AuditEventKind, { action: string; target: string }> = {
  'script-safety-override': { action: 'script.safety-override', target: 'script' },
  'render-exported': { action: 'render.exported', target: 'render' },
  'persona-changed': { action: 'persona.changed', target: 'persona' },
  'segment-exported': { action: 'segment.exported', target: 'segment' },
  'sign-in': { action: 'auth.sign-in', target: 'device' },
};

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Records an audit event with the time on this device; it reaches the Hub with the next sync. The details travel only as a digest. */
export async function recordAuditEvent(options: { db: KataDatabase; kind: AuditEventKind; subjectId: string; details: Record<string, unknown>; clock?: Clock }): Promise<void> {
  const { db } = options;
  const { action, target } = auditActions[options.kind];
  // Digested before the transaction: IndexedDB transactions end on a wait that is not their own.
  const event: DeviceAuditEvent = deviceAuditEventSchema.parse({ action, target: { kind: target, id: options.subjectId }, changeDigest: await sha256Hex(canonicalJson(options.details)) });
  await db.transaction('rw', db.outbox, () => enqueueMutation({ db, clock: options.clock ?? systemClock, recordType: 'audit', recordId: options.subjectId, op: 'create', changes: event }));
}
