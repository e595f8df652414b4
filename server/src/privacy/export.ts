import type { Kysely } from 'kysely';
import * as store from '../db/privacy-store';
import type { HubSchema } from '../db/schema';
import type { PersonalDataCipher } from './personal-data';

/**
 * Everything the Hub holds about one person, as they may ask for it: the
 * customer and every profile merged into them, with personal fields
 * decrypted, identities, all events, consent and its history, the merges and
 * conflicts that shaped the profile, and the segment versions they were in.
 */
export interface PersonExport {
  format: 'kata-hub.person-export';
  version: 1;
  customer: ProfileOut;
  /** Profiles that were found to be the same person and merged into the customer. */
  mergedProfiles: (ProfileOut & { mergedInto: string | null })[];
  identities: { kind: string; value: string; customerId: string; firstSeenAt: string }[];
  events: { messageId: string; type: string; name: string | null; customerId: string; occurredAt: string; receivedAt: string; properties: Record<string, unknown>; context: Record<string, unknown> }[];
  consent: { purpose: string; status: string; source: string; legalBasis: string; updatedAt: string }[];
  consentHistory: { purpose: string; status: string; source: string; legalBasis: string; messageId: string | null; recordedAt: string }[];
  merges: { survivorId: string; mergedId: string; because: { kind: string; value: string | null }; messageId: string | null; mergedAt: string }[];
  /** Identifiers also seen on a customer with another user id, so not merged. */
  conflicts: { because: { kind: string; value: string | null }; messageId: string | null; seenAt: string }[];
  segments: { segmentId: string; name: string | null; versions: number[] }[];
}

interface ProfileOut {
  id: string;
  email: string | null;
  phone: string | null;
  name: string | null;
  traits: Record<string, unknown>;
  firstSeenAt: string;
  lastSeenAt: string;
  eventCount: number;
}

export async function exportPerson(db: Kysely<HubSchema>, cipher: PersonalDataCipher, workspaceId: string, customerId: string): Promise<PersonExport> {
  const ids = await store.profileFamily(db, workspaceId, customerId);
  const open = (sealed: string | null) => (sealed ? cipher.decrypt(sealed) : null);
  const profiles = await store.profilesByIds(db, workspaceId, ids);
  const profileOut = (p: (typeof profiles)[number]): ProfileOut => ({ id: p.id, email: open(p.email_enc), phone: open(p.phone_enc), name: open(p.name_enc), traits: p.traits, firstSeenAt: p.first_seen_at.toISOString(), lastSeenAt: p.last_seen_at.toISOString(), eventCount: p.event_count });
  const merges = await store.mergesNaming(db, workspaceId, ids);
  const conflicts = await store.conflictsNaming(db, workspaceId, ids);
  // Merges and conflicts name an identifier by its hash; say which value it was.
  const named = await store.identitiesByHashes(db, workspaceId, [...new Set([...merges.map((m) => m.identifier_hash), ...conflicts.map((c) => c.identifier_hash)])]);
  const because = (kind: string, hash: string) => {
    const identity = named.find((i) => i.kind === kind && i.value_hash === hash);
    return { kind, value: identity ? cipher.decrypt(identity.value_enc) : null };
  };
  const memberships = await store.segmentMembershipsOf(db, workspaceId, ids);
  const segments = new Map<string, PersonExport['segments'][number]>();
  for (const m of memberships) {
    const segment = segments.get(m.segment_id) ?? { segmentId: m.segment_id, name: m.name, versions: [] };
    segment.versions.push(m.version);
    segments.set(m.segment_id, segment);
  }
  return {
    format: 'kata-hub.person-export',
    version: 1,
    customer: profileOut(profiles.find((p) => p.id === customerId)!),
    mergedProfiles: profiles.filter((p) => p.id !== customerId).map((p) => ({ ...profileOut(p), mergedInto: p.merged_into })),
    identities: (await store.identitiesOfProfiles(db, workspaceId, ids)).map((i) => ({ kind: i.kind, value: cipher.decrypt(i.value_enc), customerId: i.profile_id, firstSeenAt: i.first_seen_at.toISOString() })),
    events: (await store.eventsOfProfiles(db, workspaceId, ids)).map((e) => ({
      messageId: e.message_id,
      type: e.type,
      name: e.name,
      customerId: e.profile_id,
      occurredAt: e.occurred_at.toISOString(),
      receivedAt: e.received_at.toISOString(),
      properties: e.properties,
      context: e.context,
    })),
    consent: (await store.consentsOfProfiles(db, workspaceId, ids)).map((c) => ({ purpose: c.purpose, status: c.status, source: c.source, legalBasis: c.legal_basis, updatedAt: c.updated_at.toISOString() })),
    consentHistory: (await store.consentHistoryOfProfiles(db, workspaceId, ids)).map((h) => ({ purpose: h.purpose, status: h.status, source: h.source, legalBasis: h.legal_basis, messageId: h.message_id, recordedAt: h.recorded_at.toISOString() })),
    merges: merges.map((m) => ({ survivorId: m.survivor_id, mergedId: m.merged_id, because: because(m.identifier_kind, m.identifier_hash), messageId: m.message_id, mergedAt: m.merged_at.toISOString() })),
    conflicts: conflicts.map((c) => ({ because: because(c.identifier_kind, c.identifier_hash), messageId: c.message_id, seenAt: c.seen_at.toISOString() })),
    segments: [...segments.values()],
  };
}
