import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { describeIssues } from '../../../src/shared/validation';
import { callerOf } from '../http/access';
import { errorResponses, HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { ingestQueue } from './ingest-queue';
import { batchBody, batchSizeLimit, bodyTextOf, eventSizeLimit, mayHoldNul, prepareMessage, type IngestedMessage, type MessageType } from './messages';

const accepted = z.object({ success: z.literal(true), accepted: z.number(), duplicates: z.number() });
const responses = { 200: accepted, ...errorResponses, 413: errorResponses[400] };

/**
 * Segment's HTTP tracking API: the same paths and bodies, authenticated by
 * a workspace write key, so analytics libraries can point at the Hub.
 */
export function ingestRoutes(app: FastifyInstance, services: HubServices): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const queue = ingestQueue({ db: services.db, cipher: services.cipher, now: services.now });

  // Each type also answers at its one-letter path (/v1/t, /v1/i, …), as analytics.js sends them.
  for (const [type, url] of (['track', 'identify', 'page', 'screen', 'group', 'alias'] as const satisfies readonly MessageType[]).flatMap((t) => [[t, `/v1/${t}`] as const, [t, `/v1/${t[0]}`] as const])) {
    r.post(
      url,
      { bodyLimit: eventSizeLimit, schema: { tags: ['ingest'], summary: `Record one ${type} message (Segment spec)`, hide: url.length === 4, body: z.record(z.string(), z.unknown()), response: responses }, config: { access: 'write-key' } },
      async (request) => {
        const { writeKey: _writeKey, ...body } = request.body;
        const prepared = prepareMessage({ ...body, type }, services.now(), {}, { withoutNul: bodyTextOf(request)?.mayHoldNul === false });
        if (!prepared.ok) throw new HubError(400, `Invalid ${type} message: ${describeIssues(prepared.error).replace(/\n/g, '; ')}`, 'invalid-message');
        const result = await queue.ingest(callerOf(request).workspaceId, [prepared.value]);
        return { success: true as const, accepted: result.accepted, duplicates: result.duplicates };
      },
    );
  }

  r.post(
    '/v1/batch',
    { bodyLimit: batchSizeLimit, schema: { tags: ['ingest'], summary: 'Record a batch of messages in order (Segment spec; 500 KB a batch, 32 KB a message)', body: batchBody, response: responses }, config: { access: 'write-key' } },
    async (request) => {
      const { batch, context, sentAt } = request.body;
      const now = services.now();
      const problems: string[] = [];
      const messages: IngestedMessage[] = [];
      // A body within one message's limit, or without an escaped NUL, spares writing each message as JSON again to measure it or search it.
      const text = bodyTextOf(request);
      const small = text !== undefined && text.bytes <= eventSizeLimit;
      const withoutNul = text !== undefined && !text.mayHoldNul;
      const contextWithoutNul = withoutNul || !context || !mayHoldNul(JSON.stringify(context));
      batch.forEach((raw, index) => {
        let json: string | undefined;
        const asJson = () => (json ??= JSON.stringify(raw));
        const size = small ? undefined : Buffer.byteLength(asJson());
        if (size !== undefined && size > eventSizeLimit) return void problems.push(`batch.${index}: the message is ${size.toLocaleString('en-US')} bytes; the limit is 32 KB`);
        const prepared = prepareMessage(raw, now, { context, sentAt }, { withoutNul: withoutNul || (contextWithoutNul && !mayHoldNul(asJson())) });
        if (!prepared.ok) problems.push(...describeIssues(prepared.error).split('\n').map((line) => `batch.${index}.${line}`));
        else messages.push(prepared.value);
      });
      // A batch is stored whole or not at all, so a sender can fix it and send it again.
      if (problems.length > 0) throw new HubError(400, `Invalid batch, nothing was stored: ${problems.slice(0, 20).join('; ')}${problems.length > 20 ? `; and ${problems.length - 20} more` : ''}`, 'invalid-message');
      const result = await queue.ingest(callerOf(request).workspaceId, messages);
      return { success: true as const, accepted: result.accepted, duplicates: result.duplicates };
    },
  );
}
