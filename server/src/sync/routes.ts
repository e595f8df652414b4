import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseStoredSegmentRule } from '../../../src/shared/audience/segment-rule';
import {
  decodeCursor,
  encodeCursor,
  hubRecordOf,
  maxPushBytes,
  pullQuerySchema,
  pullResponseSchema,
  pushRequestSchema,
  pushResponseSchema,
  readPermissionOf,
  recordHistoryResponseSchema,
  segmentsQuerySchema,
  segmentsResponseSchema,
  storedRecordTypes,
  type SyncSegment,
} from '../../../src/shared/sync/protocol';
import { idParams } from '../auth/schemas';
import { segmentMembersRoute } from '../cdp/segment-routes';
import * as segmentStore from '../db/segment-store';
import * as store from '../db/sync-store';
import { actorIdOf, auditBase, callerCan, callerOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { applyPush, type PushContext } from './push';

/**
 * Sync with Studio: push outbox mutations (applied exactly once, answered per
 * mutation), pull the workspace's changes after a cursor, and read the
 * segments campaigns target with their consent-filtered members.
 */
export function syncRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/v1/sync/push',
    {
      bodyLimit: maxPushBytes,
      schema: {
        tags: ['sync'],
        summary: "Apply a batch of Studio's outbox mutations, each exactly once; one answer per mutation, in order",
        description: 'A mutation already applied (same id) gets its first answer again and changes nothing. Conflicts are answered, not applied; values a change replaced that its device had not seen are listed in `overwritten`.',
        body: pushRequestSchema,
        response: { 200: pushResponseSchema, ...errorResponses },
      },
      config: { access: 'signed-in' },
    },
    async (request) => {
      const caller = callerOf(request);
      const { deviceId, mutations } = request.body;
      const now = services.now();
      const context: PushContext = { workspaceId: caller.workspaceId, actorId: actorIdOf(caller), deviceId, now, auditBase: auditBase(request, caller, now), may: (permission) => permission === 'signed-in' || callerCan(caller, permission) };
      return { results: await applyPush(services.db, context, mutations) };
    },
  );

  r.get(
    '/v1/sync/pull',
    {
      schema: {
        tags: ['sync'],
        summary: "The workspace's synced records changed after the cursor, in change order, as far as the caller's role may read them",
        querystring: pullQuerySchema,
        response: { 200: pullResponseSchema, ...errorResponses },
      },
      config: { access: 'signed-in' },
    },
    async (request) => {
      const caller = callerOf(request);
      const after = request.query.cursor === undefined ? 0 : decodeCursor(request.query.cursor)!;
      const { limit } = request.query;
      const recordTypes = storedRecordTypes.filter((type) => callerCan(caller, readPermissionOf[type]));
      const page = await store.changesAfter(services.db, { workspaceId: caller.workspaceId, after, recordTypes, limit: limit + 1 });
      const changes = page.slice(0, limit);
      return { changes: changes.map((c) => hubRecordOf(c.record, c.changeSeq)), cursor: encodeCursor(changes.at(-1)?.changeSeq ?? after), more: page.length > limit };
    },
  );

  r.get(
    '/v1/sync/records/:id/history',
    {
      schema: {
        tags: ['sync'],
        summary: "A synced record's losing values, oldest first: what same-field conflicts overwrote and what deletes removed",
        params: idParams,
        response: { 200: recordHistoryResponseSchema, ...errorResponses },
      },
      config: { access: { permission: 'campaigns.read' } },
    },
    async (request) => {
      const caller = callerOf(request);
      const { id } = request.params;
      const found = (await store.recordsByIds(services.db, caller.workspaceId, [id])).get(id);
      // A record the role may not pull is as absent as one that does not exist.
      if (!found || !callerCan(caller, readPermissionOf[found.record.recordType])) throw new HubError(404, `No synced record ${id} in this workspace.`, 'not-found');
      const history = await store.recordHistory(services.db, caller.workspaceId, id);
      return { recordType: found.record.recordType, recordId: id, history: history.map((h) => ({ mutationId: h.mutationId, recordedAt: h.recordedAt.toISOString(), entry: h.entry })) };
    },
  );

  r.get(
    '/v1/sync/segments',
    {
      schema: {
        tags: ['sync'],
        summary: 'Segments for Studio: definition, purpose, member count and membership version (all of them, or the `ids` given); no members',
        querystring: segmentsQuerySchema,
        response: { 200: segmentsResponseSchema, ...errorResponses },
      },
      config: { access: { permission: 'campaigns.read' } },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const wanted = request.query.ids && new Set(request.query.ids);
      const segments = (await segmentStore.listSegments(services.db, workspaceId)).filter((s) => !wanted || wanted.has(s.id));
      const snapshots = await segmentStore.latestSnapshots(services.db, workspaceId, segments.map((s) => s.id));
      return {
        segments: segments.map((segment): SyncSegment => {
          const snapshot = snapshots.get(segment.id);
          return {
            id: segment.id,
            name: segment.name,
            purpose: segment.purpose,
            rule: parseStoredSegmentRule(segment.rule),
            memberCount: snapshot?.member_count ?? null,
            membershipVersion: snapshot?.version ?? null,
            computedAt: snapshot?.computed_at.toISOString() ?? null,
            updatedAt: segment.updated_at.toISOString(),
          };
        }),
      };
    },
  );

  segmentMembersRoute(app, services, { url: '/v1/sync/segments/:id/members', tag: 'sync', summary: "A segment's members for Studio (the current membership version unless `version` is given), consent-filtered by the Hub, in pages" });
}
