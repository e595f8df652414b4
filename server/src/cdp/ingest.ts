import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as store from '../db/cdp-store';
import type { HubSchema } from '../db/schema';
import type { PersonalDataCipher } from '../privacy/personal-data';
import { IdentityGraph, type Identifier, type IdentifierKind } from './identity-graph';
import { normaliseIdentifier } from './identifiers';
import type { IngestedMessage, Message } from './messages';

export interface IngestServices {
  db: Kysely<HubSchema>;
  cipher: PersonalDataCipher;
  now(): Date;
}

export interface IngestResult {
  /** Messages stored now. */
  accepted: number;
  /** Messages already stored before (a replay), or repeated within the batch: skipped. */
  duplicates: number;
  merges: number;
  conflicts: number;
  consentChanges: number;
}

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
  return {
    messageId,
    occurredAt,
    type: message.type,
    ...identifiersIn(message, cipher, workspaceId),
    event: { name: eventName(message), properties: propertiesOf(message), context: contextToKeep(message.context) },
    traits: message.type === 'identify' ? personalTraitsOf(message.traits ?? {}, cipher) : null,
    consent: consentPreferences(message.context),
  };
}

/**
 * Stores a batch of messages for a workspace, in order and in one
 * transaction: events are appended, identities resolved (merging profiles by
 * the graph's rule), profiles and consent updated. Replaying a batch changes
 * nothing: a message whose id is stored already is skipped.
 */
export async function ingestMessages(services: IngestServices, workspaceId: string, messages: readonly IngestedMessage[]): Promise<IngestResult> {
  return (await ingestBatches(services, workspaceId, [messages.map((m) => prepareForIngest(services.cipher, workspaceId, m))]))[0]!;
}

/**
 * Stores several senders' batches for a workspace as one, in the order given,
 * in one transaction of four or five statements (lock, read, read what resolution needs of the profiles found if anything, merges if any, write),
 * and answers each with its own counts: a message id that an earlier batch of
 * the same call carries counts as that batch's, and as a duplicate in the
 * later one.
 */
export async function ingestBatches(services: IngestServices, workspaceId: string, batches: readonly (readonly PreparedMessage[])[], options: IngestBatchOptions = {}): Promise<IngestResult[]> {
  try {
    return await storeBatches(services, workspaceId, batches, { ...options, lookForStored: false });
  } catch (error) {
    if (!store.isStoredMessageConflict(error)) throw error;
    return storeBatches(services, workspaceId, batches, { ...options, lookForStored: true });
  }
}

export interface IngestBatchOptions {
  /**
   * Called once the transaction has written everything and only its commit
   * is left (not at all when it fails before): the workspace's next
   * transaction may start now and wait for the ingest lock in PostgreSQL,
   * which hands it over at the commit, instead of beginning only after the
   * Hub has heard of the commit.
   */
  onCommitting?: () => void;
}

/**
 * The batches in one transaction. Senders rarely send a message again, so
 * first every message is taken as new and the events' own key finds one that
 * is stored already (the insert fails, and the transaction leaves nothing);
 * then the batches go again, looking up which message ids are stored. That
 * lookup walked the events' key index once more per message, for nothing
 * nearly every time.
 */
async function storeBatches(services: IngestServices, workspaceId: string, batches: readonly (readonly PreparedMessage[])[], options: IngestBatchOptions & { lookForStored: boolean }): Promise<IngestResult[]> {
  const ownerOf = new Map<string, number>();
  const unique: PreparedMessage[] = [];
  batches.forEach((batch, index) => {
    for (const m of batch) {
      if (ownerOf.has(m.messageId)) continue;
      ownerOf.set(m.messageId, index);
      unique.push(m);
    }
  });
  const results = batches.map((batch): IngestResult => ({ accepted: 0, duplicates: batch.length, merges: 0, conflicts: 0, consentChanges: 0 }));
  const count = (messageId: string, field: keyof IngestResult) => results[ownerOf.get(messageId)!]![field]++;
  const receivedAt = services.now();
  return services.db.transaction().execute(async (tx) => {
    await store.beginIngest(tx, workspaceId);
    const state = await store.readIngestState(tx, workspaceId, {
      messageIds: options.lookForStored ? unique.map((m) => m.messageId) : [],
      identifiers: unique.flatMap((m) => [...m.own, ...m.previous]),
    });
    const fresh = unique.filter((m) => !state.storedMessageIds.has(m.messageId));
    if (fresh.length === 0) {
      options.onCommitting?.();
      return results;
    }
    const details = await store.readProfileDetails(tx, workspaceId, profilesToRead(fresh, state.identities));
    const graph = new IdentityGraph([...state.identities, ...details.userIds] as (Identifier & { profileId: string })[], () => randomUUID());
    const consentState = new Map(details.consents.map((c) => [`${c.profileId}\n${c.purpose}`, c.status]));

    const created = new Map<string, Date>();
    const newIdentities: (Named & { profileId: string; seenAt: Date })[] = [];
    const merges: { survivor: string; merged: string; via: Identifier; messageId: string }[] = [];
    const conflicts: { profile: string; other: string; via: Identifier; messageId: string }[] = [];
    const events: (PreparedMessage['event'] & { messageId: string; type: string; profileId: string; occurredAt: Date })[] = [];
    const profileChanges = new Map<string, store.ProfileUpdate>();
    const consentChanges: store.ConsentChange[] = [];

    for (const message of fresh) {
      const { messageId, occurredAt } = message;
      const resolution = message.type === 'alias' ? graph.alias(message.own[0]!, message.previous) : graph.resolve(message.own);
      if (resolution.created) created.set(resolution.profileId, occurredAt);
      for (const attached of resolution.attached) {
        const { value } = message.own.find((i) => i.hash === attached.hash) ?? message.previous.find((i) => i.hash === attached.hash)!;
        newIdentities.push({ kind: attached.kind, hash: attached.hash, value, profileId: resolution.profileId, seenAt: occurredAt });
      }
      for (const merge of resolution.merges) merges.push({ ...merge, messageId });
      for (const conflict of resolution.conflicts) conflicts.push({ ...conflict, messageId });

      events.push({ ...message.event, messageId, type: message.type, profileId: resolution.profileId, occurredAt });
      const change = profileChanges.get(resolution.profileId) ?? { id: resolution.profileId, firstSeen: occurredAt, lastSeen: occurredAt, events: 0, traits: {}, emailEnc: null, phoneEnc: null, nameEnc: null };
      change.events++;
      if (occurredAt < change.firstSeen) change.firstSeen = occurredAt;
      if (occurredAt > change.lastSeen) change.lastSeen = occurredAt;
      if (message.traits) {
        Object.assign(change.traits, message.traits.traits);
        change.emailEnc = message.traits.emailEnc ?? change.emailEnc;
        change.phoneEnc = message.traits.phoneEnc ?? change.phoneEnc;
        change.nameEnc = message.traits.nameEnc ?? change.nameEnc;
      }
      profileChanges.set(resolution.profileId, change);

      for (const [purpose, granted] of message.consent) {
        if (!state.purposes.includes(purpose)) continue;
        const status = granted ? 'granted' : 'denied';
        const stateKey = `${resolution.profileId}\n${purpose}`;
        if (consentState.get(stateKey) === status) continue;
        consentState.set(stateKey, status);
        consentChanges.push({ profileId: resolution.profileId, purpose, status, source: `event:${message.type}`, legalBasis: 'consent', messageId, at: occurredAt });
      }
    }

    // A merge needs both profiles stored: then new profiles go in bare first and are updated like the others.
    if (merges.length > 0) {
      await store.insertProfiles(tx, workspaceId, [...created].map(([id, seenAt]) => ({ id, seenAt })));
      for (const merge of merges) await store.mergeProfiles(tx, { workspaceId, id: randomUUID(), survivor: graph.canonical(merge.survivor), merged: merge.merged, identifierKind: merge.via.kind, identifierHash: merge.via.hash, messageId: merge.messageId, at: receivedAt });
    }
    const canonical = (id: string) => graph.canonical(id);
    const changes = foldProfileChanges([...profileChanges.values()], canonical);
    const insertWhole = (change: store.ProfileUpdate) => merges.length === 0 && created.has(change.id);
    await store.writeIngest(tx, workspaceId, {
      receivedAt,
      newProfiles: changes.filter(insertWhole),
      profileUpdates: changes.filter((change) => !insertWhole(change)),
      identities: newIdentities.map((i) => ({ kind: i.kind, hash: i.hash, valueEnc: services.cipher.encrypt(i.value), profileId: canonical(i.profileId), seenAt: i.seenAt })),
      events: events.map((e) => ((e.profileId = canonical(e.profileId)), e)),
      conflicts: conflicts.map((c) => ({ id: randomUUID(), profileId: canonical(c.profile), otherProfileId: canonical(c.other), identifierKind: c.via.kind, identifierHash: c.via.hash, messageId: c.messageId, seenAt: receivedAt })),
      consentChanges: consentChanges.map((c) => ({ ...c, profileId: canonical(c.profileId) })),
    });
    options.onCommitting?.();
    for (const { messageId } of fresh) {
      count(messageId, 'accepted');
      results[ownerOf.get(messageId)!]!.duplicates--;
    }
    for (const merge of merges) count(merge.messageId, 'merges');
    for (const conflict of conflicts) count(conflict.messageId, 'conflicts');
    for (const change of consentChanges) count(change.messageId!, 'consentChanges');
    return results;
  });
}

/**
 * The stored profiles whose user ids and consent resolution may need, found
 * from where the batch's identifiers are stored:
 * - user ids (the graph's rule 3) matter only where a message may attach an
 *   identifier or merge profiles: an alias, or a message with an identifier
 *   not stored yet or with identifiers on more than one profile. A message
 *   whose identifiers are all stored on one profile changes nothing in the
 *   graph, so the profiles of the other messages are all it can meet.
 * - consent matters for the profiles a message states consent for, and, as
 *   a message earlier in the batch may merge profiles or attach one of its
 *   identifiers to a stored profile, the profiles of the messages that may.
 */
export function profilesToRead(messages: readonly Pick<PreparedMessage, 'type' | 'own' | 'previous' | 'consent'>[], stored: readonly { kind: string; hash: string; profileId: string }[]): { userIdsOf: string[]; consentOf: string[] } {
  const ownerOf = new Map(stored.map((i) => [`${i.kind}\n${i.hash}`, i.profileId]));
  const userIdsOf = new Set<string>();
  const consentOf = new Set<string>();
  let statesConsent = false;
  for (const message of messages) {
    const owners = new Set<string>();
    let unknown = false;
    for (const identifier of [...message.own, ...message.previous]) {
      const owner = ownerOf.get(`${identifier.kind}\n${identifier.hash}`);
      if (owner === undefined) unknown = true;
      else owners.add(owner);
    }
    if (message.type === 'alias' || unknown || owners.size > 1) for (const owner of owners) userIdsOf.add(owner);
    if (message.consent.length > 0) {
      statesConsent = true;
      for (const owner of owners) consentOf.add(owner);
    }
  }
  if (statesConsent) for (const owner of userIdsOf) consentOf.add(owner);
  return { userIdsOf: [...userIdsOf], consentOf: [...consentOf] };
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

/** Changes gathered per profile, folded onto the profiles that survived the batch's merges. */
function foldProfileChanges(changes: store.ProfileUpdate[], canonical: (id: string) => string): store.ProfileUpdate[] {
  const folded = new Map<string, store.ProfileUpdate>();
  for (const change of changes) {
    const id = canonical(change.id);
    const into = folded.get(id);
    if (!into) {
      folded.set(id, { ...change, id, traits: { ...change.traits } });
      continue;
    }
    into.events += change.events;
    if (change.firstSeen < into.firstSeen) into.firstSeen = change.firstSeen;
    if (change.lastSeen > into.lastSeen) into.lastSeen = change.lastSeen;
    Object.assign(into.traits, change.traits);
    into.emailEnc = change.emailEnc ?? into.emailEnc;
    into.phoneEnc = change.phoneEnc ?? into.phoneEnc;
    into.nameEnc = change.nameEnc ?? into.nameEnc;
  }
  return [...folded.values()];
}
