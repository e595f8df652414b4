import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { audited, callerOf } from '../http/access';
import { errorResponses } from '../http/errors';
import type { HubServices } from '../http/services';
import { auditEventFilterSchema, auditEventPageSchema, exportAuditEvents, listAuditEvents } from './read';
import { verifyWorkspaceAudit } from './verify';

const eventOut = z.record(z.string(), z.unknown()).describe('An audit event as stored: sequence, workspaceId, actor, action, target, at, ip, userAgent, requestId, changeDigest, previousHash, hash, recordedAt; from Studio also deviceId and deviceTime');
const verificationOut = z.object({
  ok: z.boolean(),
  checked: z.number(),
  signedThrough: z.number().nullable().optional(),
  sequence: z.number().optional(),
  problem: z.string().optional(),
  message: z.string().optional(),
  tombstone: z.record(z.string(), z.unknown()).optional(),
});

/** Reading, exporting and verifying a workspace's audit log. */
export function auditRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/v1/audit/events', { schema: { tags: ['audit'], summary: 'Audit events, newest first, filtered and paged', querystring: auditEventPageSchema, response: { 200: z.object({ events: z.array(eventOut), nextCursor: z.number().nullable() }), ...errorResponses } }, config: { access: { permission: 'audit.read' } } }, async (request) => {
    const page = await listAuditEvents(services.db, callerOf(request).workspaceId, request.query);
    return { events: page.events.map((event) => ({ ...event })), nextCursor: page.nextCursor };
  });

  r.get('/v1/audit/export', { schema: { tags: ['audit'], summary: 'The audit log (filtered) as JSON Lines, oldest first', querystring: auditEventFilterSchema, produces: ['application/x-ndjson'] }, config: { access: { permission: 'audit.export' } } }, async (request, reply) => {
    const { workspaceId } = callerOf(request);
    // Taking a copy of the log is itself worth a line in it.
    await audited(request, services, { action: 'audit.exported', target: { kind: 'workspace', id: workspaceId }, change: request.query }, async () => undefined);
    reply.type('application/x-ndjson; charset=utf-8').header('content-disposition', `attachment; filename="audit-${workspaceId}-${services.now().toISOString().slice(0, 10)}.jsonl"`);
    return reply.send(Readable.from(exportAuditEvents(services.db, workspaceId, request.query)));
  });

  r.get('/v1/audit/verify', { schema: { tags: ['audit'], summary: 'Check the hash chain, its signed checkpoints and retention tombstones; names the first break', response: { 200: verificationOut, ...errorResponses } }, config: { access: { permission: 'audit.read' } } }, async (request) =>
    verifyWorkspaceAudit(services.db, callerOf(request).workspaceId, services.auditKeys),
  );

  r.get('/v1/audit/signing-key', { schema: { tags: ['audit'], summary: 'The public keys that verify checkpoint and tombstone signatures (public by design)', response: { 200: z.object({ keys: z.array(z.object({ keyId: z.string(), publicKeyPem: z.string(), current: z.boolean() })) }) } }, config: { access: 'public' } }, async () => ({
    keys: services.auditKeys.map((key) => ({ keyId: key.keyId, publicKeyPem: key.publicKey.export({ type: 'spki', format: 'pem' }).toString(), current: key.keyId === services.auditSigningKey.keyId })),
  }));
}
