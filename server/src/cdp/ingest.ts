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

interface Named extends Identifier {
  value: string;
}

/**
 * Stores a batch of messages for a workspace, in order and in one
 * transaction: events are appended, identities resolved (merging profiles by
 * the graph's rule), profiles and consent updated. Replaying a batch changes
 * nothing: a message whose id is stored already is skipped.
 */
export async function ingestMessages(services: IngestServices, workspaceId: string, messages: readonly IngestedMessage[]): Promise<IngestResult> {
  const seen = new Set<string>();
  const unique = messages.filter((m) => !seen.has(m.messageId) && seen.add(m.messageId));
  const receivedAt = services.now();
  return services.db.transaction().execute(async (tx) => {
    await store.lockWorkspaceIngest(tx, workspaceId);
    const stored = await store.knownMessageIds(tx, workspaceId, unique.map((m) => m.messageId));
    const fresh = unique.filter((m) => !stored.has(m.messageId));
    const result: IngestResult = { accepted: 0, duplicates: messages.length - fresh.length, merges: 0, conflicts: 0, consentChanges: 0 };
    if (fresh.length === 0) return result;

    const identifiersOf = new Map(fresh.map((m) => [m.messageId, identifiersIn(m.message, services.cipher, workspaceId)]));
    const allIdentifiers = [...identifiersOf.values()].flatMap((ids) => [...ids.own, ...ids.previous]);
    const known = await store.identitiesFor(tx, workspaceId, allIdentifiers);
    const knownProfiles = [...new Set(known.map((k) => k.profileId))];
    const graph = new IdentityGraph([...known, ...(await store.userIdsOf(tx, workspaceId, knownProfiles))] as (Identifier & { profileId: string })[], () => randomUUID());
    const purposes = await store.workspaceConsentPurposes(tx, workspaceId);
    const consentState = new Map((await store.consentsOf(tx, workspaceId, knownProfiles)).map((c) => [`${c.profile_id}\n${c.purpose}`, c.status as string]));

    const newProfiles: { id: string; seenAt: Date }[] = [];
    const newIdentities: (Named & { profileId: string; seenAt: Date })[] = [];
    const merges: { survivor: string; merged: string; via: Identifier; messageId: string; at: Date }[] = [];
    const conflicts: Parameters<typeof store.recordConflicts>[1] = [];
    const events: store.StoredEvent[] = [];
    const profileChanges = new Map<string, store.ProfileUpdate>();
    const consentChanges: store.ConsentChange[] = [];

    for (const { message, messageId, occurredAt } of fresh) {
      const ids = identifiersOf.get(messageId)!;
      const resolution = message.type === 'alias' ? graph.alias(ids.own[0]!, ids.previous) : graph.resolve(ids.own);
      if (resolution.created) newProfiles.push({ id: resolution.profileId, seenAt: occurredAt });
      const values = new Map([...ids.own, ...ids.previous].map((i) => [`${i.kind}:${i.hash}`, i.value]));
      for (const attached of resolution.attached) newIdentities.push({ ...attached, value: values.get(`${attached.kind}:${attached.hash}`)!, profileId: resolution.profileId, seenAt: occurredAt });
      for (const merge of resolution.merges) merges.push({ ...merge, messageId, at: receivedAt });
      for (const conflict of resolution.conflicts) conflicts.push({ workspaceId, id: randomUUID(), profileId: conflict.profile, otherProfileId: conflict.other, identifierKind: conflict.via.kind, identifierHash: conflict.via.hash, messageId, seenAt: receivedAt });

      events.push({ messageId, type: message.type, name: eventName(message), profileId: resolution.profileId, properties: propertiesOf(message), context: contextToKeep(message.context), occurredAt });
      const change = profileChanges.get(resolution.profileId) ?? { id: resolution.profileId, firstSeen: occurredAt, lastSeen: occurredAt, events: 0, traits: {}, emailEnc: null, phoneEnc: null, nameEnc: null };
      change.events++;
      if (occurredAt < change.firstSeen) change.firstSeen = occurredAt;
      if (occurredAt > change.lastSeen) change.lastSeen = occurredAt;
      if (message.type === 'identify') absorbTraits(change, message.traits ?? {}, services.cipher);
      profileChanges.set(resolution.profileId, change);

      for (const [purpose, granted] of consentPreferences(message.context, purposes)) {
        const status = granted ? 'granted' : 'denied';
        const stateKey = `${resolution.profileId}\n${purpose}`;
        if (consentState.get(stateKey) === status) continue;
        consentState.set(stateKey, status);
        consentChanges.push({ profileId: resolution.profileId, purpose, status, source: `event:${message.type}`, legalBasis: 'consent', messageId, at: occurredAt });
      }
    }

    // Write in an order that keeps every row on its surviving profile.
    await store.insertProfiles(tx, workspaceId, newProfiles);
    for (const merge of merges) await store.mergeProfiles(tx, { workspaceId, id: randomUUID(), survivor: graph.canonical(merge.survivor), merged: merge.merged, identifierKind: merge.via.kind, identifierHash: merge.via.hash, messageId: merge.messageId, at: merge.at });
    const canonical = (id: string) => graph.canonical(id);
    await store.insertIdentities(tx, workspaceId, newIdentities.map((i) => ({ kind: i.kind, hash: i.hash, valueEnc: services.cipher.encrypt(i.value), profileId: canonical(i.profileId), seenAt: i.seenAt })));
    const inserted = await store.insertEvents(tx, workspaceId, events.map((e) => ({ ...e, profileId: canonical(e.profileId) })), receivedAt);
    await store.updateProfiles(tx, workspaceId, foldProfileChanges([...profileChanges.values()], canonical));
    await store.recordConflicts(tx, conflicts.map((c) => ({ ...c, profileId: canonical(c.profileId), otherProfileId: canonical(c.otherProfileId) })));
    await store.applyConsentChanges(tx, workspaceId, consentChanges.map((c) => ({ ...c, profileId: canonical(c.profileId) })));
    return { ...result, accepted: inserted.size, merges: merges.length, conflicts: conflicts.length, consentChanges: consentChanges.length };
  });
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

function absorbTraits(change: store.ProfileUpdate, traits: Record<string, unknown>, cipher: PersonalDataCipher): void {
  Object.assign(change.traits, withoutPersonal(traits));
  const email = normaliseIdentifier('email', traits.email);
  if (email) change.emailEnc = cipher.encrypt(email);
  const phone = normaliseIdentifier('phone', traits.phone);
  if (phone) change.phoneEnc = cipher.encrypt(phone);
  const name = typeof traits.name === 'string' ? traits.name : [traits.firstName ?? traits.first_name, traits.lastName ?? traits.last_name].filter((p) => typeof p === 'string').join(' ');
  if (name.trim()) change.nameEnc = cipher.encrypt(name.trim().slice(0, 300));
}

/**
 * Consent as Segment's consent management sends it:
 * `context.consent.categoryPreferences: { "Advertising": true, ... }`.
 * A category counts when its name, lower-cased with spaces as hyphens,
 * is one of the workspace's purposes.
 */
export function consentPreferences(context: Record<string, unknown> | undefined, purposes: readonly string[]): [string, boolean][] {
  const preferences = ((context?.consent ?? {}) as { categoryPreferences?: unknown }).categoryPreferences;
  if (!preferences || typeof preferences !== 'object') return [];
  return Object.entries(preferences as Record<string, unknown>)
    .filter(([, granted]) => typeof granted === 'boolean')
    .map(([category, granted]) => [category.trim().toLowerCase().replace(/[\s_]+/g, '-'), granted as boolean] as [string, boolean])
    .filter(([purpose]) => purposes.includes(purpose));
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
