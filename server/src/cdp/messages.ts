import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../../../src/shared/audit/canonical-json';

/**
 * The Segment Spec's messages (track, identify, page, screen, group, alias),
 * as analytics.js, analytics-node and the mobile libraries send them, so they
 * can point at the Hub unchanged.
 */
export const eventSizeLimit = 32 * 1024;
export const batchSizeLimit = 500 * 1024;

/** A JSON object, as a message's context, properties and traits are: checked to be one, not copied key by key (as z.record would) before it is stored whole. */
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const jsonObject = z.custom<Record<string, unknown>>(isObject, { error: 'must be a JSON object' }).meta({ type: 'object' });
const id = z.union([z.string().min(1).max(256), z.number().transform(String)]);
const time = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time, e.g. 2026-11-24T10:00:00Z' });

const common = {
  messageId: z.string().min(1).max(256).optional(),
  userId: id.nullish(),
  anonymousId: id.nullish(),
  timestamp: time.optional(),
  originalTimestamp: time.optional(),
  sentAt: time.optional(),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
};

const withSomeone = <T extends z.ZodObject>(schema: T) => schema.refine((m: { userId?: string | null; anonymousId?: string | null }) => Boolean(m.userId || m.anonymousId), { error: 'userId or anonymousId is required', path: ['userId'] });

export const trackMessage = withSomeone(z.object({ ...common, type: z.literal('track'), event: z.string().min(1).max(200), properties: jsonObject.optional() }));
export const identifyMessage = withSomeone(z.object({ ...common, type: z.literal('identify'), traits: jsonObject.optional() }));
export const pageMessage = withSomeone(z.object({ ...common, type: z.literal('page'), name: z.string().max(200).nullish(), category: z.string().max(200).nullish(), properties: jsonObject.optional() }));
export const screenMessage = withSomeone(z.object({ ...common, type: z.literal('screen'), name: z.string().max(200).nullish(), category: z.string().max(200).nullish(), properties: jsonObject.optional() }));
export const groupMessage = withSomeone(z.object({ ...common, type: z.literal('group'), groupId: id, traits: jsonObject.optional() }));
export const aliasMessage = z.object({ ...common, type: z.literal('alias'), previousId: id, userId: id });

export const messageSchema = z.discriminatedUnion('type', [trackMessage, identifyMessage, pageMessage, screenMessage, groupMessage, aliasMessage], { error: 'must be one of track, identify, page, screen, group, alias' });
export type Message = z.infer<typeof messageSchema>;
export type MessageType = Message['type'];

/** A message of a batch: checked to be an object here and parsed whole by prepareMessage. */
const batchMessage = z.custom<Record<string, unknown>>(isObject, { error: 'must be an object (a Segment message)' }).meta({ type: 'object' });

export const batchBody = z.object({
  batch: z.array(batchMessage).min(1, { error: 'is empty' }).max(10_000),
  context: jsonObject.optional(),
  integrations: jsonObject.optional(),
  sentAt: time.optional(),
  writeKey: z.string().optional(),
});

/** A message ready for the store: its id (given, or derived from its content so a replay is recognised) and when it happened. */
export interface IngestedMessage {
  message: Message;
  messageId: string;
  occurredAt: Date;
}

/**
 * Parses one message; the error names the field. A message without a
 * messageId gets one derived from its content, so sending it twice still
 * stores it once.
 */
export function prepareMessage(
  raw: unknown,
  now: Date,
  defaults: { context?: Record<string, unknown>; sentAt?: string } = {},
  /** Set when the caller has seen the message (and the defaults) as JSON without a NUL, so it need not be searched for one. */
  known: { withoutNul?: boolean } = {},
): { ok: true; value: IngestedMessage } | { ok: false; error: z.ZodError } {
  const merged = typeof raw === 'object' && raw !== null && defaults.context ? { ...raw, context: { ...defaults.context, ...((raw as { context?: object }).context ?? {}) } } : raw;
  const nul = known.withoutNul ? undefined : pathToNul(merged);
  if (nul) return { ok: false, error: new z.ZodError([{ code: 'custom', path: nul, message: 'contains the character U+0000, which cannot be stored', input: undefined }]) };
  const parsed = messageSchema.safeParse(merged);
  if (!parsed.success) return { ok: false, error: parsed.error };
  const message = parsed.data;
  const messageId = message.messageId ?? `derived-${createHash('sha256').update(canonicalJson(merged)).digest('base64url').slice(0, 32)}`;
  return { ok: true, value: { message, messageId, occurredAt: occurredAt(message, now, defaults.sentAt) } };
}

/**
 * Whether a value written as JSON (JSON.stringify) may hold a NUL character:
 * JSON writes one as `\u0000`. False means it certainly holds none; true may
 * also be an escaped backslash followed by `u0000`, which pathToNul then clears.
 */
export function mayHoldNul(json: string): boolean {
  return json.includes('\\u0000');
}

/** What ingest knows of a request's body from its text as sent: its size in bytes, and whether it may hold a NUL (see mayHoldNul). */
export interface BodyText {
  bytes: number;
  mayHoldNul: boolean;
}

const bodyTexts = new WeakMap<object, BodyText>();

/** Notes a request's body text as it is parsed, so that the checks of each message need not write it as JSON again (see bodyTextOf). */
export function noteBodyText(request: object, text: string): void {
  bodyTexts.set(request, { bytes: Buffer.byteLength(text), mayHoldNul: mayHoldNul(text) });
}

/**
 * What was noted of the request's body, if it was parsed from text. Every
 * message in a body of at most eventSizeLimit bytes is within the limit as
 * sent; in a body whose text has no `\u0000`, no string holds a NUL (JSON
 * writes a NUL inside a string only escaped).
 */
export function bodyTextOf(request: object): BodyText | undefined {
  return bodyTexts.get(request);
}

/** Where a NUL character hides in a message (PostgreSQL stores no text or JSON with one), or nothing. */
function pathToNul(value: unknown, path: (string | number)[] = []): (string | number)[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof key === 'string' && key.includes('\u0000')) return [...path, key.replaceAll('\u0000', '\\0')];
    const found = pathToNul(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Segment's clock-skew correction: the device's timestamp shifted by how far its clock was off when it sent. */
function occurredAt(message: Message, now: Date, batchSentAt?: string): Date {
  const stated = message.timestamp ?? message.originalTimestamp;
  if (!stated) return now;
  const sentAt = message.sentAt ?? batchSentAt;
  if (!message.timestamp && sentAt) return new Date(now.getTime() - (Date.parse(sentAt) - Date.parse(stated)));
  return new Date(stated);
}
