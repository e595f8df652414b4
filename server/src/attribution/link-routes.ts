import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParams } from '../auth/schemas';
import * as store from '../db/attribution-store';
import { actorIdOf, audited, callerOf } from '../http/access';
import { errorBody, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { manage, read, responses } from './access';
import { attributionSettingsOf } from './settings';
import { channelsOf, trackedDestination } from './touchpoints';

const linkOut = z.object({ id: z.string(), campaignId: z.string(), channel: z.string(), destinationUrl: z.string(), url: z.string(), createdAt: z.string(), revokedAt: z.string().nullable() });

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'give the full http(s) address of the campaign’s landing page' })
  .max(2000)
  .refine((value) => {
    if (!URL.canParse(value)) return true; // the url check above has said so
    const url = new URL(value);
    return !url.username && !url.password;
  }, 'the address may not carry a user name or password');

/**
 * Studio campaigns' tracking links: made, listed and revoked by admins, and
 * followed by anyone (the redirect is public by design).
 */
export function trackingLinkRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  const linkUrl = (id: string) => `${services.publicUrl}/v1/attribution/go/${id}`;
  const presentLink = (row: Awaited<ReturnType<typeof store.listTrackingLinks>>[number]) => ({
    id: row.id,
    campaignId: row.campaign_id,
    channel: row.channel,
    destinationUrl: row.destination_url,
    url: linkUrl(row.id),
    createdAt: row.created_at.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
  });

  r.post(
    '/v1/attribution/links',
    {
      schema: {
        tags: ['attribution'],
        summary: "Make a tracking link for a Studio campaign: it redirects to the campaign's landing page with utm_source=kata, utm_medium=<channel>, utm_campaign and kata_cid=<campaign id>",
        body: z.object({ campaignId: z.string().min(1).max(128), channel: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'use a channel of the grouping, e.g. "paid-social"'), destinationUrl: httpUrl }).strict(),
        response: { 201: linkOut, ...responses },
      },
      config: manage,
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const { workspaceId } = caller;
      const { campaignId, channel, destinationUrl } = request.body;
      if (!(await store.campaignExists(services.db, workspaceId, campaignId))) throw new HubError(400, 'campaignId: no such campaign has been synced from Studio to this workspace.', 'unknown-campaign');
      const channels = channelsOf((await attributionSettingsOf(services, workspaceId)).channelGrouping);
      if (!channels.includes(channel)) throw new HubError(400, `channel: "${channel}" is not a channel of this workspace's grouping (${channels.join(', ')}).`, 'unknown-channel');
      const id = randomBytes(12).toString('base64url');
      await audited(request, services, { action: 'attribution.link-created', target: { kind: 'attribution-link', id }, change: request.body }, (tx) =>
        store.createTrackingLink(tx, { workspace_id: workspaceId, id, campaign_id: campaignId, channel, destination_url: destinationUrl, created_by: actorIdOf(caller), created_at: services.now() }),
      );
      const created = (await store.listTrackingLinks(services.db, workspaceId)).find((l) => l.id === id)!;
      return reply.status(201).send(presentLink(created));
    },
  );

  r.get('/v1/attribution/links', { schema: { tags: ['attribution'], summary: "The workspace's tracking links", response: { 200: z.object({ links: z.array(linkOut) }), ...responses } }, config: read }, async (request) => ({
    links: (await store.listTrackingLinks(services.db, callerOf(request).workspaceId)).map(presentLink),
  }));

  r.delete('/v1/attribution/links/:id', { schema: { tags: ['attribution'], summary: 'Revoke a tracking link: it stops redirecting', params: idParams, response: { 204: z.null(), ...responses } }, config: manage }, async (request, reply) => {
    const { workspaceId } = callerOf(request);
    await audited(request, services, { action: 'attribution.link-revoked', target: { kind: 'attribution-link', id: request.params.id } }, async (tx) => {
      if (!(await store.revokeTrackingLink(tx, workspaceId, request.params.id, services.now()))) throw new HubError(404, `No live tracking link ${request.params.id} in this workspace.`, 'not-found');
    });
    return reply.status(204).send(null);
  });

  // Public by design: anyone with the link follows it. It only ever redirects to the destination stored with the link
  // (an http(s) address an admin gave), never to an address from the request: no open redirect.
  r.get(
    '/v1/attribution/go/:id',
    { schema: { tags: ['attribution'], summary: "Follow a tracking link: a redirect to its campaign's landing page", params: idParams, response: { 302: z.null(), 404: errorBody } }, config: { access: 'public' } },
    async (request, reply) => {
      const link = await store.liveTrackingLink(services.db, request.params.id);
      if (!link) throw new HubError(404, 'This tracking link is unknown or was revoked.', 'not-found');
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer-when-downgrade').redirect(trackedDestination({ destinationUrl: link.destination_url, campaignId: link.campaign_id, channel: link.channel }), 302);
    },
  );
}
