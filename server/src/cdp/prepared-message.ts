/** Ingest's work on a message as it arrives, which reads nothing stored; ingest.ts stores it. */
import type { PersonalDataCipher } from '../privacy/personal-data';
import type { Identifier, IdentifierKind } from './identity-graph';
import { normaliseIdentifier } from './identifiers';
import type { IngestedMessage, Message } from './messages';

/** Traits that are personal data: kept encrypted on the profile (email, phone, name) or not kept at all. */
const personalTraits = new Set(['email', 'phone', 'name', 'firstName', 'lastName', 'first_name', 'last_name', 'birthday', 'address', 'ip']);

export interface Named extends Identifier {
  value: string;
}

/**
 * A message as ingest stores it, worked out before it waits for its
 * workspace's turn (nothing here depends on what is stored): identifiers
 * normalised and hashed, personal traits encrypted, the event row shaped.
 */
export interface PreparedMessage {
  messageId: string;
  occurredAt: Date;
  type: Message['type'];
  own: Named[];
  /** The forms an alias's previousId may take. */
  previous: Named[];
  event: { name: string | null; properties: Record<string, unknown>; context: Record<string, unknown> };
  /** What an identify says about the person. */
  traits: { traits: Record<string, unknown>; emailEnc: string | null; phoneEnc: string | null; nameEnc: string | null } | null;
  /** `context.consent.categoryPreferences`, named as purposes (the workspace's list is checked in turn). */
  consent: [string, boolean][];
}

export function prepareForIngest(cipher: PersonalDataCipher, workspaceId: string, { message, messageId, occurredAt }: IngestedMessage): PreparedMessage {
  const { own, previous } = identifiersIn(message, cipher, workspaceId);
  return {
    messageId,
    occurredAt,
    type: message.type,
    own,
    previous,
    event: { name: eventName(message), properties: propertiesOf(message), context: contextToKeep(message.context) },
    traits: message.type === 'identify' ? personalTraitsOf(message.traits ?? {}, cipher) : null,
    consent: consentPreferences(message.context),
  };
}

/** The identifiers a message carries, normalised and hashed (`previous`: the forms an alias's previousId may take). */
function identifiersIn(message: Message, cipher: PersonalDataCipher, workspaceId: string): { own: Named[]; previous: Named[] } {
  const named = (kind: IdentifierKind, raw: unknown): Named | null => {
    const value = normaliseIdentifier(kind, raw);
    return value ? { kind, value, hash: cipher.lookupHash(workspaceId, kind, value) } : null;
  };
  const context = message.context ?? {};
  const contextTraits = (context.traits ?? {}) as Record<string, unknown>;
  const traits = message.type === 'identify' ? { ...contextTraits, ...(message.traits ?? {}) } : contextTraits;
  const device = (context.device ?? {}) as Record<string, unknown>;
  const own = [named('user_id', message.userId), named('email', traits.email), named('phone', traits.phone), named('device_id', device.id), named('anonymous_id', message.anonymousId)].filter((i): i is Named => i !== null);
  const previous = message.type === 'alias' ? [named('user_id', message.previousId), named('anonymous_id', message.previousId)].filter((i): i is Named => i !== null) : [];
  return { own, previous };
}

function eventName(message: Message): string | null {
  if (message.type === 'track') return message.event;
  if (message.type === 'page' || message.type === 'screen') return message.name ?? null;
  return null;
}

function propertiesOf(message: Message): Record<string, unknown> {
  if (message.type === 'track' || message.type === 'page' || message.type === 'screen') return message.properties ?? {};
  if (message.type === 'group') return { groupId: message.groupId, traits: withoutPersonal(message.traits ?? {}) };
  return {};
}

/** The context minus what identifies a person (their traits and IP address): those live encrypted on the profile, or nowhere. */
function contextToKeep(context: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!context) return {};
  if (!('traits' in context) && !('ip' in context)) return context;
  const { traits: _traits, ip: _ip, ...rest } = context;
  return rest;
}

function withoutPersonal(traits: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(traits).filter(([name]) => !personalTraits.has(name)));
}

function personalTraitsOf(traits: Record<string, unknown>, cipher: PersonalDataCipher): NonNullable<PreparedMessage['traits']> {
  const email = normaliseIdentifier('email', traits.email);
  const phone = normaliseIdentifier('phone', traits.phone);
  const name = (typeof traits.name === 'string' ? traits.name : [traits.firstName ?? traits.first_name, traits.lastName ?? traits.last_name].filter((p) => typeof p === 'string').join(' ')).trim();
  return {
    traits: withoutPersonal(traits),
    emailEnc: email ? cipher.encrypt(email) : null,
    phoneEnc: phone ? cipher.encrypt(phone) : null,
    nameEnc: name ? cipher.encrypt(name.slice(0, 300)) : null,
  };
}

/**
 * Consent as Segment's consent management sends it:
 * `context.consent.categoryPreferences: { "Advertising": true, ... }`.
 * A category names a purpose when lower-cased with spaces as hyphens; it
 * counts when that is one of the workspace's purposes.
 */
export function consentPreferences(context: Record<string, unknown> | undefined): [string, boolean][] {
  const preferences = ((context?.consent ?? {}) as { categoryPreferences?: unknown }).categoryPreferences;
  if (!preferences || typeof preferences !== 'object') return [];
  return Object.entries(preferences as Record<string, unknown>)
    .filter(([, granted]) => typeof granted === 'boolean')
    .map(([category, granted]) => [category.trim().toLowerCase().replace(/[\s_]+/g, '-'), granted as boolean]);
}
