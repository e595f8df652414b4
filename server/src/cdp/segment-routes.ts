import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { parseStoredSegmentRule, segmentReferences, segmentRuleSchema, type SegmentRule } from '../../../src/shared/audience/segment-rule';
import { segmentMembersQuerySchema, segmentMembersResponseSchema, type SegmentMembersResponse } from '../../../src/shared/sync/protocol';
import { idParams } from '../auth/schemas';
import { getWorkspace } from '../db/identity-store';
import { countSegmentMembers, resolveSegment, SegmentRuleError, snapshotSegmentIn, type ResolvedSegment } from '../db/segment-query';
import * as store from '../db/segment-store';
import { actorIdOf, audited, callerOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';

const segmentName = z.string().trim().min(1).max(120);
const purposeName = z.string().min(1).max(64).describe("One of the workspace's consent purposes: members always have granted consent for it");
const snapshotOut = z.object({ version: z.number(), memberCount: z.number(), computedAt: z.string() });
const segmentOut = z.object({
  id: z.string(),
  name: z.string(),
  purpose: z.string(),
  rule: segmentRuleSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  snapshot: snapshotOut.nullable().describe('The current membership version: when it changes, the membership changed'),
});
const conflict = { 409: errorResponses[400] };

/**
 * Segments of the workspace's customers: saved rules, a preview count,
 * versioned membership snapshots, and their member ids for Studio. Members
 * always have granted consent for the segment's purpose.
 */
export function segmentRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const present = (segment: store.SegmentRow, snapshot: store.SnapshotRow | undefined) => ({
    id: segment.id,
    name: segment.name,
    purpose: segment.purpose,
    rule: parseStoredSegmentRule(segment.rule),
    createdAt: segment.created_at.toISOString(),
    updatedAt: segment.updated_at.toISOString(),
    snapshot: snapshot ? { version: snapshot.version, memberCount: snapshot.member_count, computedAt: snapshot.computed_at.toISOString() } : null,
  });
  const presentOne = async (workspaceId: string, id: string) => {
    const segment = await store.getSegment(services.db, workspaceId, id);
    if (!segment) throw notFound(id);
    return present(segment, await store.getSnapshot(services.db, workspaceId, id));
  };

  /** Checks the purpose and inlines the segments the rule names; problems answer 400 naming the field. */
  async function checked(workspaceId: string, segment: { id?: string; purpose: string; rule: SegmentRule }): Promise<ResolvedSegment> {
    const workspace = await getWorkspace(services.db, workspaceId);
    const purposes = workspace?.consent_purposes ?? [];
    if (!purposes.includes(segment.purpose)) throw new HubError(400, `purpose: "${segment.purpose}" is not one of this workspace's consent purposes (${purposes.join(', ')}).`, 'unknown-purpose');
    try {
      return await resolveSegment(services.db, { workspaceId, segment });
    } catch (error) {
      if (error instanceof SegmentRuleError) throw new HubError(400, `rule.${error.message}`, 'invalid-rule');
      throw error;
    }
  }

  r.get('/v1/segments', { schema: { tags: ['segments'], summary: "The workspace's segments, each with its current membership version", response: { 200: z.object({ segments: z.array(segmentOut) }), ...errorResponses } }, config: { access: { permission: 'customers.read' } } }, async (request) => {
    const { workspaceId } = callerOf(request);
    const segments = await store.listSegments(services.db, workspaceId);
    const snapshots = await store.latestSnapshots(services.db, workspaceId, segments.map((s) => s.id));
    return { segments: segments.map((s) => present(s, snapshots.get(s.id))) };
  });

  r.get('/v1/segments/:id', { schema: { tags: ['segments'], summary: 'A segment, its rule and its current membership version', params: idParams, response: { 200: segmentOut, ...errorResponses } }, config: { access: { permission: 'customers.read' } } }, async (request) =>
    presentOne(callerOf(request).workspaceId, request.params.id),
  );

  r.post(
    '/v1/segments',
    { schema: { tags: ['segments'], summary: 'Save a segment: a rule and the consent purpose it is used for', body: z.object({ name: segmentName, purpose: purposeName, rule: segmentRuleSchema }).strict(), response: { 201: segmentOut, ...errorResponses } }, config: { access: { permission: 'customers.write' } } },
    async (request, reply) => {
      const caller = callerOf(request);
      const { name, purpose, rule } = request.body;
      await checked(caller.workspaceId, { purpose, rule });
      const id = randomUUID();
      await audited(request, services, { action: 'segment.created', target: { kind: 'segment', id }, change: { name, purpose, rule } }, (tx) =>
        store.createSegment(tx, { workspace_id: caller.workspaceId, id, name, purpose, rule, created_by: actorIdOf(caller), now: services.now() }),
      );
      return reply.status(201).send(await presentOne(caller.workspaceId, id));
    },
  );

  r.patch(
    '/v1/segments/:id',
    {
      schema: { tags: ['segments'], summary: 'Rename a segment or change its purpose or rule (the next snapshot shows the new membership)', params: idParams, body: z.object({ name: segmentName.optional(), purpose: purposeName.optional(), rule: segmentRuleSchema.optional() }).strict(), response: { 200: segmentOut, ...errorResponses } },
      config: { access: { permission: 'customers.write' } },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const { id } = request.params;
      const change = request.body;
      if (change.name === undefined && change.purpose === undefined && change.rule === undefined) throw new HubError(400, 'body: give name, purpose or rule to change.', 'nothing-to-change');
      const segment = await store.getSegment(services.db, workspaceId, id);
      if (!segment) throw notFound(id);
      if (change.purpose !== undefined || change.rule !== undefined) await checked(workspaceId, { id, purpose: change.purpose ?? segment.purpose, rule: change.rule ?? parseStoredSegmentRule(segment.rule) });
      await audited(request, services, { action: 'segment.updated', target: { kind: 'segment', id }, change }, async (tx) => {
        if (!(await store.updateSegment(tx, workspaceId, id, change, services.now()))) throw notFound(id);
      });
      return presentOne(workspaceId, id);
    },
  );

  r.delete('/v1/segments/:id', { schema: { tags: ['segments'], summary: 'Delete a segment and its member lists', params: idParams, response: { 204: z.null(), ...errorResponses, ...conflict } }, config: { access: { permission: 'customers.write' } } }, async (request, reply) => {
    const { workspaceId } = callerOf(request);
    const { id } = request.params;
    const users = (await store.listSegments(services.db, workspaceId)).filter((s) => s.id !== id && segmentReferences(parseStoredSegmentRule(s.rule)).some((ref) => ref.segmentId === id));
    if (users.length > 0 && (await store.getSegment(services.db, workspaceId, id))) {
      throw new HubError(409, `Segment ${id} is used by ${users.map((s) => `"${s.name}" (${s.id})`).join(', ')}: change those rules first.`, 'segment-in-use');
    }
    await audited(request, services, { action: 'segment.deleted', target: { kind: 'segment', id } }, async (tx) => {
      if (!(await store.deleteSegment(tx, workspaceId, id, services.now()))) throw notFound(id);
    });
    return reply.status(204).send(null);
  });

  r.post(
    '/v1/segments/preview',
    { schema: { tags: ['segments'], summary: 'How many customers an unsaved rule holds for a purpose, now (changes nothing)', body: z.object({ purpose: purposeName, rule: segmentRuleSchema }).strict(), response: { 200: z.object({ purpose: z.string(), count: z.number() }), ...errorResponses } }, config: { access: { permission: 'customers.read' } } },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const resolved = await checked(workspaceId, request.body);
      return { purpose: request.body.purpose, count: await countSegmentMembers(services.db, resolved, { workspaceId, now: services.now() }) };
    },
  );

  r.post(
    '/v1/segments/:id/snapshot',
    {
      schema: {
        tags: ['segments'],
        summary: 'Evaluate a segment now: a new membership version when the members changed, else the current one',
        params: idParams,
        body: z.object({}).strict().nullish(),
        response: { 200: snapshotOut.extend({ segmentId: z.string(), changed: z.boolean() }), ...errorResponses, ...conflict },
      },
      config: { access: { permission: 'customers.write' } },
    },
    async (request) => {
      const { workspaceId } = callerOf(request);
      const { id } = request.params;
      const now = services.now();
      const snapshot = await audited(request, services, { action: 'segment.snapshot-taken', target: { kind: 'segment', id } }, async (tx) => {
        try {
          // Thrown inside, so that a missing segment leaves no audit event behind.
          const result = await snapshotSegmentIn(tx, { workspaceId, segmentId: id, now });
          if (!result) throw notFound(id);
          return result;
        } catch (error) {
          if (error instanceof SegmentRuleError) throw new HubError(409, `This segment cannot be evaluated: rule.${error.message}. Change its rule.`, 'invalid-rule');
          throw error;
        }
      });
      return { segmentId: id, version: snapshot.version, memberCount: snapshot.memberCount, computedAt: snapshot.computedAt.toISOString(), changed: snapshot.changed };
    },
  );

  segmentMembersRoute(app, services, { url: '/v1/segments/:id/members', tag: 'segments', summary: 'The profile ids of a membership version (the current one unless `version` is given), in pages; no personal data' });
}

/**
 * The members of a segment's membership version, in pages, consent-filtered
 * in SQL; only for 'segments.export'. Served to the console's API and to
 * Studio's sync under one set of rules.
 */
export function segmentMembersRoute(app: FastifyInstance, services: HubServices, route: { url: string; tag: string; summary: string }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    route.url,
    {
      schema: {
        tags: [route.tag],
        summary: route.summary,
        description: 'Customers who withdrew consent for the purpose, were erased or merged since the snapshot are left out, so a page may hold fewer than memberCount ids.',
        params: idParams,
        querystring: segmentMembersQuerySchema,
        response: { 200: segmentMembersResponseSchema, ...errorResponses },
      },
      config: { access: { permission: 'segments.export' } },
    },
    async (request) => consentedMembersPage(services, callerOf(request).workspaceId, request.params.id, request.query),
  );
}

/** A page of a membership version's members, each with granted consent for the segment's purpose now (the store filters in SQL). */
async function consentedMembersPage(services: HubServices, workspaceId: string, id: string, query: z.output<typeof segmentMembersQuerySchema>): Promise<SegmentMembersResponse> {
  const { version, cursor, limit } = query;
  const segment = await store.getSegment(services.db, workspaceId, id);
  if (!segment) throw notFound(id);
  const snapshot = await store.getSnapshot(services.db, workspaceId, id, version);
  if (!snapshot) {
    const kept = await store.snapshotVersions(services.db, workspaceId, id);
    if (kept.length === 0) throw new HubError(404, `Segment ${id} has no snapshot yet: take one with POST /v1/segments/${id}/snapshot.`, 'no-snapshot');
    throw new HubError(404, `version: segment ${id} has no version ${version} (kept: ${kept.join(', ')}).`, 'no-snapshot');
  }
  const page = await store.snapshotMembersPage(services.db, { workspaceId, segmentId: id, version: snapshot.version, purpose: segment.purpose, after: cursor, limit: limit + 1 });
  const members = page.slice(0, limit);
  return { segmentId: id, version: snapshot.version, memberCount: snapshot.member_count, computedAt: snapshot.computed_at.toISOString(), members, nextCursor: page.length > limit ? members.at(-1)! : null };
}

function notFound(id: string): HubError {
  return new HubError(404, `No segment ${id} in this workspace.`, 'not-found');
}
