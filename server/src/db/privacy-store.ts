import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { HubSchema } from './schema';

/** Data-subject requests (export, erase): the request rows, and everything a person's profiles left in the customer tables. */
type Db = Kysely<HubSchema>;
type Tx = Transaction<HubSchema>;
export type PrivacyRequestRow = Selectable<HubSchema['privacy_requests']>;
export type PrivacyRequestStatus = PrivacyRequestRow['status'];

/** What stands in for a subject's identifier hash once they are erased: the row keeps nothing that leads back to them. */
export const erasedSubjectMarker = 'erased';

export async function createPrivacyRequest(db: Db, request: { workspace_id: string; id: string; kind: 'export' | 'erase'; subject_kind: string; subject_hash: string; requested_by: string; created_at: Date }): Promise<void> {
  await db.insertInto('privacy_requests').values({ ...request, status: 'pending', result: null, error: null, completed_at: null }).execute();
}

export function getPrivacyRequest(db: Db, workspaceId: string, id: string): Promise<PrivacyRequestRow | undefined> {
  return db.selectFrom('privacy_requests').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

/** The row, locked until the transaction ends, so two runs of one request never both do the work. */
export function lockPrivacyRequest(tx: Tx, workspaceId: string, id: string): Promise<PrivacyRequestRow | undefined> {
  return tx.selectFrom('privacy_requests').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).forUpdate().executeTakeFirst();
}

/** Newest first; `before` is the id of the last request of the previous page. */
export function listPrivacyRequests(db: Db, workspaceId: string, page: { before?: string; limit: number }) {
  let query = db.selectFrom('privacy_requests').select(['id', 'kind', 'subject_kind', 'status', 'requested_by', 'created_at', 'completed_at', 'error']).where('workspace_id', '=', workspaceId);
  if (page.before) query = query.where(sql<boolean>`(created_at, id) < (select c.created_at, c.id from privacy_requests c where c.workspace_id = ${workspaceId} and c.id = ${page.before})`);
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).execute();
}

export async function updatePrivacyRequest(db: Db, workspaceId: string, id: string, change: { status: PrivacyRequestStatus; error?: string | null; result?: unknown; completed_at?: Date | null; subject_hash?: string }): Promise<void> {
  const { result, ...rest } = change;
  await db
    .updateTable('privacy_requests')
    .set({ ...rest, ...(result !== undefined && { result: result === null ? null : JSON.stringify(result) }) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

// The subject's profiles

/** The live profile an identifier leads to (following merges), erased or not; nothing for an unknown identifier. */
export async function profileByIdentifier(db: Db, workspaceId: string, kind: string, hash: string): Promise<{ id: string; erased: boolean } | undefined> {
  const identity = await db.selectFrom('identities').select('profile_id').where('workspace_id', '=', workspaceId).where('kind', '=', kind).where('value_hash', '=', hash).executeTakeFirst();
  let id = identity?.profile_id;
  for (let hops = 0; id !== undefined && hops < 32; hops++) {
    const row = await db.selectFrom('profiles').select(['id', 'merged_into', 'erased_at']).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    if (!row.merged_into) return { id: row.id, erased: row.erased_at !== null };
    id = row.merged_into;
  }
  return undefined;
}

/** The profile and every profile merged into it, directly or through others; the profile itself first. */
export async function profileFamily(db: Db, workspaceId: string, profileId: string): Promise<string[]> {
  const rows = await sql<{ id: string }>`
    with recursive family(id) as (
      select ${profileId}::text collate "C"
      union
      select p.id from profiles p join family f on p.merged_into = f.id where p.workspace_id = ${workspaceId}
    )
    select id from family`.execute(db);
  return [profileId, ...rows.rows.map((r) => r.id).filter((id) => id !== profileId)];
}

export function profilesByIds(db: Db, workspaceId: string, ids: string[]) {
  return db.selectFrom('profiles').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', ids).orderBy('created_at').orderBy('id').execute();
}

export function identitiesOfProfiles(db: Db, workspaceId: string, ids: string[]) {
  return db.selectFrom('identities').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', 'in', ids).orderBy('first_seen_at').orderBy('kind').execute();
}

/** Every identity of these profiles (not only their own: a merge or conflict may name one that now sits elsewhere), by kind and hash. */
export function identitiesByHashes(db: Db, workspaceId: string, hashes: string[]) {
  if (hashes.length === 0) return Promise.resolve([]);
  return db.selectFrom('identities').selectAll().where('workspace_id', '=', workspaceId).where('value_hash', 'in', hashes).execute();
}

export function eventsOfProfiles(db: Db, workspaceId: string, ids: string[]) {
  return db.selectFrom('events').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', 'in', ids).orderBy('occurred_at').orderBy('message_id').execute();
}

export function consentsOfProfiles(db: Db, workspaceId: string, ids: string[]) {
  return db.selectFrom('consents').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', 'in', ids).orderBy('purpose').execute();
}

export function consentHistoryOfProfiles(db: Db, workspaceId: string, ids: string[]) {
  return db.selectFrom('consent_history').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', 'in', ids).orderBy('recorded_at').orderBy('id').execute();
}

export function mergesNaming(db: Db, workspaceId: string, ids: string[]) {
  return db
    .selectFrom('profile_merges')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('survivor_id', 'in', ids), eb('merged_id', 'in', ids)]))
    .orderBy('merged_at')
    .orderBy('id')
    .execute();
}

export function conflictsNaming(db: Db, workspaceId: string, ids: string[]) {
  return db
    .selectFrom('identity_conflicts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('profile_id', 'in', ids), eb('other_profile_id', 'in', ids)]))
    .orderBy('seen_at')
    .orderBy('id')
    .execute();
}

/** The segment versions these profiles were members of, with the segment's name (also of deleted segments whose lists remain). */
export function segmentMembershipsOf(db: Db, workspaceId: string, ids: string[]) {
  return db
    .selectFrom('segment_members as m')
    .leftJoin('segments as s', (join) => join.onRef('s.workspace_id', '=', 'm.workspace_id').onRef('s.id', '=', 'm.segment_id'))
    .select(['m.segment_id', 's.name', 'm.version'])
    .where('m.workspace_id', '=', workspaceId)
    .where('m.profile_id', 'in', ids)
    .groupBy(['m.segment_id', 's.name', 'm.version'])
    .orderBy('m.segment_id')
    .orderBy('m.version')
    .execute();
}

// Erasure: each function removes or anonymises one kind of row and says how many it touched.

const counted = (result: { numDeletedRows?: bigint; numUpdatedRows?: bigint }) => Number(result.numDeletedRows ?? result.numUpdatedRows ?? 0n);

export async function deleteIdentitiesOf(tx: Tx, workspaceId: string, ids: string[]): Promise<number> {
  return counted(await tx.deleteFrom('identities').where('workspace_id', '=', workspaceId).where('profile_id', 'in', ids).executeTakeFirst());
}

export async function deleteMergesNaming(tx: Tx, workspaceId: string, ids: string[]): Promise<number> {
  return counted(await tx.deleteFrom('profile_merges').where('workspace_id', '=', workspaceId).where((eb) => eb.or([eb('survivor_id', 'in', ids), eb('merged_id', 'in', ids)])).executeTakeFirst());
}

export async function deleteConflictsNaming(tx: Tx, workspaceId: string, ids: string[]): Promise<number> {
  return counted(await tx.deleteFrom('identity_conflicts').where('workspace_id', '=', workspaceId).where((eb) => eb.or([eb('profile_id', 'in', ids), eb('other_profile_id', 'in', ids)])).executeTakeFirst());
}

export async function deleteConsentsOf(tx: Tx, workspaceId: string, ids: string[]): Promise<number> {
  return counted(await tx.deleteFrom('consents').where('workspace_id', '=', workspaceId).where('profile_id', 'in', ids).executeTakeFirst());
}

export async function deleteConsentHistoryOf(tx: Tx, workspaceId: string, ids: string[]): Promise<number> {
  return counted(await tx.deleteFrom('consent_history').where('workspace_id', '=', workspaceId).where('profile_id', 'in', ids).executeTakeFirst());
}

/** Membership lists lose the person; each snapshot's member count and digest stay, as the aggregate they were. */
export async function deleteSegmentMembershipsOf(tx: Tx, workspaceId: string, ids: string[]): Promise<number> {
  return counted(await tx.deleteFrom('segment_members').where('workspace_id', '=', workspaceId).where('profile_id', 'in', ids).executeTakeFirst());
}

/** Removes another profile's email and/or phone (the subject's, given under another user id). */
export async function clearProfileContacts(tx: Tx, workspaceId: string, profileId: string, fields: { email: boolean; phone: boolean }): Promise<number> {
  const result = await tx
    .updateTable('profiles')
    .set({ ...(fields.email && { email_enc: null }), ...(fields.phone && { phone_enc: null }) })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', profileId)
    .executeTakeFirst();
  return counted(result);
}

/** Events keep type, name, time and message id (so counts per name stay, and a replayed batch stays a duplicate); the rest goes. */
export async function anonymiseEventsOf(tx: Tx, workspaceId: string, ids: string[], keptProfileId: string): Promise<number> {
  return counted(
    await tx
      .updateTable('events')
      .set({ profile_id: keptProfileId, properties: '{}', context: '{}' })
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', ids)
      .executeTakeFirst(),
  );
}

/** External conversions (CRM deals) keep source, id, name, value, currency and time (so attribution's totals stay, and a deal pulled again stays one row); whom they were about and their details go. */
export async function anonymiseExternalConversionsOf(tx: Tx, workspaceId: string, ids: string[], keptProfileId: string): Promise<number> {
  return counted(
    await tx
      .updateTable('external_conversions')
      .set({ profile_id: keptProfileId, properties: '{}' })
      .where('workspace_id', '=', workspaceId)
      .where('profile_id', 'in', ids)
      .executeTakeFirst(),
  );
}

/** Removes the merged-away profiles and empties the kept one: no personal fields, no traits, marked erased; counters and first/last seen stay. */
export async function eraseProfiles(tx: Tx, workspaceId: string, ids: string[], keptProfileId: string, at: Date): Promise<number> {
  const removed = counted(await tx.deleteFrom('profiles').where('workspace_id', '=', workspaceId).where('id', 'in', ids).where('id', '!=', keptProfileId).executeTakeFirst());
  await tx.updateTable('profiles').set({ email_enc: null, phone_enc: null, name_enc: null, traits: '{}', merged_into: null, erased_at: at }).where('workspace_id', '=', workspaceId).where('id', '=', keptProfileId).execute();
  return removed + 1;
}

/**
 * Earlier requests about the same person (found by any of their identifier
 * hashes) forget whom they were about, and an export's contents go: the
 * request history stays, the personal data does not.
 */
export async function forgetSubjectInRequests(tx: Tx, options: { workspaceId: string; hashes: string[]; exceptId: string; note: Record<string, unknown> }): Promise<number> {
  const { workspaceId, hashes, exceptId, note } = options;
  if (hashes.length === 0) return 0;
  const exports = counted(
    await tx
      .updateTable('privacy_requests')
      .set({ subject_hash: erasedSubjectMarker, result: JSON.stringify(note) })
      .where('workspace_id', '=', workspaceId)
      .where('subject_hash', 'in', hashes)
      .where('kind', '=', 'export')
      .executeTakeFirst(),
  );
  const erasures = counted(await tx.updateTable('privacy_requests').set({ subject_hash: erasedSubjectMarker }).where('workspace_id', '=', workspaceId).where('subject_hash', 'in', hashes).where('id', '!=', exceptId).executeTakeFirst());
  return exports + erasures;
}
