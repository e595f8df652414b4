import type { Transaction } from 'kysely';
import { deleteDeadLettersOf, markRecordsForErasure } from '../db/connector-store';
import { deleteRollupOf } from '../db/experiment-rollup-store';
import * as store from '../db/privacy-store';
import type { HubSchema } from '../db/schema';
import type { PersonalDataCipher } from './personal-data';

/** The person being erased, as every eraser sees them. */
export interface ErasureSubject {
  workspaceId: string;
  /** The erase request doing this. */
  requestId: string;
  /** The live profile: kept, emptied and marked erased, so that aggregates still add up. */
  keptProfileId: string;
  /** The kept profile and every profile merged into it. */
  profileIds: string[];
  /** Keyed hashes of every identifier those profiles had, collected before any eraser runs. */
  identifierHashes: string[];
  at: Date;
}

/**
 * One place personal data lives, and how to remove it. All erasers run in
 * one transaction, in this order: a failure in any leaves everything as it
 * was. Each returns how many rows it removed or anonymised, which the
 * request's result reports under its name.
 */
export interface PersonalDataEraser {
  name: string;
  erase(tx: Transaction<HubSchema>, subject: ErasureSubject, cipher: PersonalDataCipher): Promise<number>;
}

/**
 * Every eraser the Hub runs for an erase request.
 *
 * Extension point: a feature that keeps personal data somewhere else adds
 * its eraser here. The CRM connectors do: the person's dead letters are
 * dropped, and their CRM records are marked for deletion at the next run
 * (the CRM's record id is kept until then: it is all that can find them).
 */
export const personalDataErasers: readonly PersonalDataEraser[] = [
  { name: 'sharedIdentifiersOnOtherProfiles', erase: forgetSharedIdentifiers },
  { name: 'identities', erase: (tx, s) => store.deleteIdentitiesOf(tx, s.workspaceId, s.profileIds) },
  { name: 'merges', erase: (tx, s) => store.deleteMergesNaming(tx, s.workspaceId, s.profileIds) },
  { name: 'conflicts', erase: (tx, s) => store.deleteConflictsNaming(tx, s.workspaceId, s.profileIds) },
  { name: 'consents', erase: (tx, s) => store.deleteConsentsOf(tx, s.workspaceId, s.profileIds) },
  { name: 'consentHistory', erase: (tx, s) => store.deleteConsentHistoryOf(tx, s.workspaceId, s.profileIds) },
  { name: 'segmentMemberships', erase: (tx, s) => store.deleteSegmentMembershipsOf(tx, s.workspaceId, s.profileIds) },
  { name: 'eventsAnonymised', erase: (tx, s) => store.anonymiseEventsOf(tx, s.workspaceId, s.profileIds, s.keptProfileId) },
  // Experiment results: the person's units go (their exposures are anonymised above, so the raw totals no longer count them either).
  { name: 'experimentRollup', erase: (tx, s) => deleteRollupOf(tx, s.workspaceId, s.profileIds) },
  // Conversions from a CRM or the API that attribution reads: like events, they stay counted under the erased profile, without details.
  { name: 'externalConversionsAnonymised', erase: (tx, s) => store.anonymiseExternalConversionsOf(tx, s.workspaceId, s.profileIds, s.keptProfileId) },
  {
    name: 'earlierRequests',
    erase: (tx, s) => store.forgetSubjectInRequests(tx, { workspaceId: s.workspaceId, hashes: s.identifierHashes, exceptId: s.requestId, note: { removed: `The subject was erased by request ${s.requestId}; this export is gone.` } }),
  },
  // CRM connectors: the person leaves the dead letters, and each CRM record pushed for them is deleted at the next run.
  { name: 'connectorDeadLetters', erase: (tx, s) => deleteDeadLettersOf(tx, s.workspaceId, s.profileIds) },
  { name: 'connectorRecordsToDelete', erase: (tx, s) => markRecordsForErasure(tx, s.workspaceId, s.profileIds) },
  { name: 'profiles', erase: (tx, s) => store.eraseProfiles(tx, s.workspaceId, s.profileIds, s.keptProfileId, s.at) },
];

/**
 * A customer with another user id who gave the same email or phone (an
 * identity conflict: not merged) keeps that value encrypted on their
 * profile. It is the subject's identifier, so it goes too. Runs before the
 * identities and conflicts that find it are removed.
 */
async function forgetSharedIdentifiers(tx: Transaction<HubSchema>, subject: ErasureSubject, cipher: PersonalDataCipher): Promise<number> {
  const { workspaceId, profileIds } = subject;
  const own = new Set(profileIds);
  const values = (await store.identitiesOfProfiles(tx, workspaceId, profileIds)).filter((i) => i.kind === 'email' || i.kind === 'phone').map((i) => `${i.kind}:${cipher.decrypt(i.value_enc)}`);
  if (values.length === 0) return 0;
  const conflicts = await store.conflictsNaming(tx, workspaceId, profileIds);
  const others = [...new Set(conflicts.flatMap((c) => [c.profile_id, c.other_profile_id]).filter((id) => !own.has(id)))];
  if (others.length === 0) return 0;
  const shares = (kind: string, sealed: string | null) => sealed !== null && values.includes(`${kind}:${cipher.decrypt(sealed)}`);
  let cleared = 0;
  for (const profile of await store.profilesByIds(tx, workspaceId, others)) {
    const fields = { email: shares('email', profile.email_enc), phone: shares('phone', profile.phone_enc) };
    if (fields.email || fields.phone) cleared += await store.clearProfileContacts(tx, workspaceId, profile.id, fields);
  }
  return cleared;
}
