import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import * as store from '../db/cdp-store';
import type { HubSchema } from '../db/schema';
import type { PersonalDataCipher } from '../privacy/personal-data';
import { IdentityGraph, type Identifier } from './identity-graph';
import type { IngestedMessage } from './messages';
import { prepareForIngest, type Named, type PreparedMessage } from './prepared-message';

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
 * and answers each with its own counts: a message id that an earlier batch of
 * the same call carries counts as that batch's, and as a duplicate in the
 * later one. A group resolved ahead (see prepareIngest) whose plan still
 * holds is written in one statement (see writeIngestAlone); otherwise in one
 * transaction of four or five statements (lock, read, read what resolution
 * needs of the profiles found if anything, merges if any, write).
 */
export async function ingestBatches(services: IngestServices, workspaceId: string, batches: readonly (readonly PreparedMessage[])[], options: IngestBatchOptions = {}): Promise<IngestResult[]> {
  try {
    return await storeBatches(services, workspaceId, batches, { ...options, lookForStored: false });
  } catch (error) {
    if (options.prepared) options.prepared.writes.abandoned = true;
    if (!store.isStoredMessageConflict(error)) throw error;
    return storeBatches(services, workspaceId, batches, { ...options, prepared: undefined, lookForStored: true });
  }
}

export interface IngestBatchOptions {
  /** The same batches resolved ahead by prepareIngest: written as they are when nothing changed since, else resolved again under the lock. */
  prepared?: PreparedGroup;
  /** Called with what the group writes and the number it took under the lock, once both are known (for a group written in one statement, once it is written). */
  onWriting?: (written: GroupWrites) => void;
  /** Says whether the group was written as prepared ahead or resolved under the lock. */
  onResolved?: (how: 'prepared' | 'under the lock') => void;
}

/**
 * What a group writes that a later group's resolution reads: the identities
 * it stores and the consent it sets, and once it holds the lock with that
 * plan, the number its transaction took (`turn`). Null `changes` when it
 * merges profiles: a merge moves identities and consent a later group may
 * meet, so that group resolves under the lock instead of ahead. A group
 * resolved again writes another GroupWrites.
 */
export interface GroupWrites {
  changes: Pick<store.IngestWrite, 'identities' | 'consentChanges'> | null;
  turn?: store.IngestTurn;
  /** Set when these writes will never be written: the group was resolved again, or failed. */
  abandoned?: boolean;
}

/**
 * A group resolved ahead: the number of the state it read (`basis`), the
 * groups not yet committed when it read it, in order, whose writes it was
 * resolved against (`over`), and what it writes itself (`writes`, handed on
 * to the groups resolved after it).
 */
export interface PreparedGroup {
  basis: string | null;
  over: readonly GroupWrites[];
  plan: IngestPlan;
  writes: GroupWrites;
}

/**
 * The number the state must have under the lock for a plan made ahead to
 * hold: the last of the groups it was resolved against, each of which took
 * its turn right after the one before; and the state it read must be one in
 * that chain (a group it holds already was laid over again, which changes
 * nothing). Undefined when that cannot hold: a group has yet to take its
 * turn, was resolved again or failed, or something else was written in
 * between.
 */
export function expectedState(prepared: PreparedGroup): string | null | undefined {
  if (prepared.over.length === 0) return prepared.basis;
  const chain = [prepared.over[0]!.turn?.previous];
  for (const writes of prepared.over) {
    if (!writes.turn || writes.turn.previous !== chain.at(-1)) return undefined;
    chain.push(writes.turn.version);
  }
  return chain.includes(prepared.basis) ? chain.at(-1) : undefined;
}

/** State resolution reads: where the identifiers are, the user ids and consent of some profiles, the workspace's purposes. */
interface ResolutionState {
  identities: { kind: string; hash: string; profileId: string }[];
  userIds: { kind: string; hash: string; profileId: string }[];
  consents: { profileId: string; purpose: string; status: string }[];
  purposes: string[];
}

/** What a group writes, worked out from the state it read. */
interface IngestPlan {
  fresh: PreparedMessage[];
  /** Profiles the group created, with when it first saw each; stored bare before merges when there are any. */
  created: Map<string, Date>;
  merges: { survivor: string; merged: string; via: Identifier; messageId: string }[];
  write: store.IngestWrite;
  conflictMessageIds: string[];
}

const consentKey = (profileId: string, purpose: string) => `${profileId}\n${purpose}`;

/** The group's messages once each (the first batch to carry an id owns it), and each batch's counts, all duplicates until stored. */
function groupMessages(batches: readonly (readonly PreparedMessage[])[]) {
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
  return { ownerOf, unique, results };
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
  const { ownerOf, unique, results } = groupMessages(batches);
  const count = (messageId: string, field: keyof IngestResult) => results[ownerOf.get(messageId)!]![field]++;
  const counted = (plan: IngestPlan) => {
    for (const { messageId } of plan.fresh) {
      count(messageId, 'accepted');
      results[ownerOf.get(messageId)!]!.duplicates--;
    }
    for (const merge of plan.merges) count(merge.messageId, 'merges');
    for (const messageId of plan.conflictMessageIds) count(messageId, 'conflicts');
    for (const change of plan.write.consentChanges) count(change.messageId!, 'consentChanges');
    return results;
  };
  const prepared = options.lookForStored ? undefined : options.prepared;
  const expected = prepared && prepared.plan.merges.length === 0 && prepared.plan.fresh.length > 0 ? expectedState(prepared) : undefined;
  if (prepared && expected !== undefined) {
    const { turn, written } = await store.writeIngestAlone(services.db, workspaceId, prepared.plan.write, expected);
    if (written) {
      options.onResolved?.('prepared');
      options.onWriting?.(Object.assign(prepared.writes, { turn }));
      return counted(prepared.plan);
    }
  }
  // Groups resolved against this plan learn at once that it will not be written, so that none is resolved ahead against them.
  if (prepared) prepared.writes.abandoned = true;
  let announced: GroupWrites | undefined;
  return services.db.transaction().execute(async (tx) => {
    const turn = await store.beginIngest(tx, workspaceId);
    const state = await store.readIngestState(tx, workspaceId, {
      messageIds: options.lookForStored ? unique.map((m) => m.messageId) : [],
      identifiers: unique.flatMap((m) => [...m.own, ...m.previous]),
    });
    const fresh = unique.filter((m) => !state.storedMessageIds.has(m.messageId));
    const wanted = profilesToRead(fresh, state.identities);
    const details = fresh.length === 0 ? { userIds: [], consents: [] } : await store.readProfileDetails(tx, workspaceId, wanted);
    const plan = planIngest(services, fresh, { identities: state.identities, userIds: details.userIds, consents: details.consents, purposes: state.purposes });
    options.onResolved?.('under the lock');
    announced = { ...writesOf(plan), turn };
    options.onWriting?.(announced);
    if (plan.fresh.length === 0) return results;
    // A merge needs both profiles stored: then new profiles go in bare first and are updated like the others.
    if (plan.merges.length > 0) {
      await store.insertProfiles(tx, workspaceId, [...plan.created].map(([id, seenAt]) => ({ id, seenAt })));
      for (const merge of plan.merges) await store.mergeProfiles(tx, { workspaceId, id: randomUUID(), survivor: merge.survivor, merged: merge.merged, identifierKind: merge.via.kind, identifierHash: merge.via.hash, messageId: merge.messageId, at: plan.write.receivedAt });
    }
    await store.writeIngest(tx, workspaceId, plan.write);
    return counted(plan);
  }).catch((error: unknown) => {
    // Rolled back: what it announced was never written.
    if (announced) announced.abandoned = true;
    throw error;
  });
}

/** What a plan writes that later groups resolve against (nothing they can use when it merges). */
const writesOf = (plan: IngestPlan): GroupWrites => ({ changes: plan.merges.length > 0 ? null : plan.write });

/**
 * Resolves a group ahead, while the groups before it still write: the same
 * reads as under the lock, in one snapshot (REPEATABLE READ), with what
 * those groups write laid over them in order. `pending` is every group
 * before this one that had not committed when it was called, in order: the
 * snapshot holds some of them or none, and laying one over again that it
 * holds changes nothing (the same identities on the same profiles, the same
 * consent last). The plan is written as it is only when the state's numbers
 * say that nothing but those groups was written in between (see
 * expectedState and writeIngestAlone). Otherwise (consent set through the
 * API, an erasure, another Hub's ingest, a group before that failed or was
 * resolved again) the group resolves again under the lock, so a stale plan
 * is never written.
 *
 * Undefined when a group it would be resolved against merges profiles, or
 * is known not to write what it planned (abandoned): the group then resolves
 * under the lock, and the next is formed only once it has, so that one
 * stale plan never dooms the groups after it one by one.
 */
export async function prepareIngest(services: IngestServices, workspaceId: string, batches: readonly (readonly PreparedMessage[])[], pending: readonly GroupWrites[]): Promise<PreparedGroup | undefined> {
  const changes = pending.map((writes) => writes.changes);
  const doomed = () => pending.some((writes) => writes.abandoned);
  if (changes.some((c) => c === null) || doomed()) return undefined;
  const written = { identities: changes.flatMap((c) => c!.identities), consentChanges: changes.flatMap((c) => c!.consentChanges) };
  const { unique } = groupMessages(batches);
  return services.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (tx) => {
      const identifiers = unique.flatMap((m) => [...m.own, ...m.previous]);
      const state = await store.readIngestState(tx, workspaceId, { messageIds: [], identifiers });
      // Identities are only ever added by a group without merges: one they stored replaces nothing the snapshot holds.
      const wanted = new Set(identifiers.map((i) => i.hash));
      const identities = [...state.identities, ...written.identities.filter((i) => wanted.has(i.hash)).map(({ kind, hash, profileId }) => ({ kind, hash, profileId }))];
      const toRead = profilesToRead(unique, identities);
      const details = await store.readProfileDetails(tx, workspaceId, toRead);
      const userIdsOf = new Set(toRead.userIdsOf);
      const userIds = [...details.userIds, ...written.identities.filter((i) => i.kind === 'user_id' && userIdsOf.has(i.profileId)).map(({ kind, hash, profileId }) => ({ kind, hash, profileId }))];
      // Consent as those groups leave it: their last change per customer and purpose over what the snapshot holds.
      const consentOf = new Set(toRead.consentOf);
      const status = new Map(details.consents.map((c) => [consentKey(c.profileId, c.purpose), c]));
      for (const { profileId, purpose, status: given } of written.consentChanges) if (consentOf.has(profileId)) status.set(consentKey(profileId, purpose), { profileId, purpose, status: given });
      // A plan against writes abandoned meanwhile could never be written, and groups resolved against it neither.
      if (doomed()) return undefined;
      const plan = planIngest(services, unique, { identities, userIds, consents: [...status.values()], purposes: state.purposes });
      return { basis: state.version, over: pending, plan, writes: writesOf(plan) };
    });
}

/** Resolves the fresh messages in order against the state read, and works out every row the group writes. */
function planIngest(services: IngestServices, fresh: PreparedMessage[], state: ResolutionState): IngestPlan {
  const receivedAt = services.now();
  const graph = new IdentityGraph([...state.identities, ...state.userIds] as (Identifier & { profileId: string })[], () => randomUUID());
  const consentState = new Map(state.consents.map((c) => [consentKey(c.profileId, c.purpose), c.status]));

  const created = new Map<string, Date>();
  const newIdentities: (Named & { profileId: string; seenAt: Date })[] = [];
  const merges: IngestPlan['merges'] = [];
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

    events.push({ name: message.event.name, properties: message.event.properties, context: message.event.context, messageId, type: message.type, profileId: resolution.profileId, occurredAt });
    const change = profileChanges.get(resolution.profileId) ?? { id: resolution.profileId, firstSeen: occurredAt, lastSeen: occurredAt, events: 0, traits: {}, emailEnc: null, phoneEnc: null, nameEnc: null };
    change.events++;
    if (occurredAt.getTime() < change.firstSeen.getTime()) change.firstSeen = occurredAt;
    if (occurredAt.getTime() > change.lastSeen.getTime()) change.lastSeen = occurredAt;
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
      const stateKey = consentKey(resolution.profileId, purpose);
      if (consentState.get(stateKey) === status) continue;
      consentState.set(stateKey, status);
      consentChanges.push({ profileId: resolution.profileId, purpose, status, source: `event:${message.type}`, legalBasis: 'consent', messageId, at: occurredAt });
    }
  }

  const canonical = (id: string) => graph.canonical(id);
  return {
    fresh,
    created,
    merges: merges.map((merge) => ((merge.survivor = canonical(merge.survivor)), merge)),
    conflictMessageIds: conflicts.map((c) => c.messageId),
    write: {
      receivedAt,
      profiles: foldProfileChanges([...profileChanges.values()], canonical),
      identities: newIdentities.map((i) => ({ kind: i.kind, hash: i.hash, valueEnc: services.cipher.encrypt(i.value), profileId: canonical(i.profileId), seenAt: i.seenAt })),
      events: events.map((e) => ((e.profileId = canonical(e.profileId)), e)),
      conflicts: conflicts.map((c) => ({ id: randomUUID(), profileId: canonical(c.profile), otherProfileId: canonical(c.other), identifierKind: c.via.kind, identifierHash: c.via.hash, messageId: c.messageId, seenAt: receivedAt })),
      consentChanges: consentChanges.map((c) => ((c.profileId = canonical(c.profileId)), c)),
    },
  };
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
  const ownerOf = new Map(stored.map((i) => [i.hash, i.profileId]));
  const userIdsOf = new Set<string>();
  const consentOf = new Set<string>();
  let statesConsent = false;
  for (const message of messages) {
    const owners = new Set<string>();
    let unknown = false;
    for (const identifier of [...message.own, ...message.previous]) {
      const owner = ownerOf.get(identifier.hash);
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

/** Changes gathered per profile (planIngest's own objects, folded in place) onto the profiles that survived the batch's merges. */
function foldProfileChanges(changes: store.ProfileUpdate[], canonical: (id: string) => string): store.ProfileUpdate[] {
  const folded = new Map<string, store.ProfileUpdate>();
  for (const change of changes) {
    const id = canonical(change.id);
    const into = folded.get(id);
    if (!into) {
      change.id = id;
      folded.set(id, change);
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
