import { sql, type Kysely, type Transaction } from 'kysely';
import type { HubSchema } from './schema';

/** Queries for ingest, profiles, identities, merges and consent; each batch touches the database a handful of times, not once per event. */
type Db = Kysely<HubSchema>;
type Tx = Transaction<HubSchema>;

/** One ingest at a time per workspace, so identity merges never race; other workspaces go on in parallel. */
export async function lockWorkspaceIngest(tx: Tx, workspaceId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`ingest:${workspaceId}`}, 0))`.execute(tx);
}

export async function knownMessageIds(db: Db, workspaceId: string, messageIds: string[]): Promise<Set<string>> {
  if (messageIds.length === 0) return new Set();
  const rows = await db.selectFrom('events').select('message_id').where('workspace_id', '=', workspaceId).where('message_id', 'in', messageIds).execute();
  return new Set(rows.map((r) => r.message_id));
}

export async function identitiesFor(db: Db, workspaceId: string, identifiers: { kind: string; hash: string }[]): Promise<{ kind: string; hash: string; profileId: string }[]> {
  if (identifiers.length === 0) return [];
  // By (kind, hash) pairs, so the primary key finds each one directly.
  const pairs = JSON.stringify(identifiers.map((i) => ({ kind: i.kind, hash: i.hash })));
  const rows = await sql<{ kind: string; value_hash: string; profile_id: string }>`
    select i.kind, i.value_hash, i.profile_id from identities i
    join jsonb_to_recordset(${pairs}::jsonb) as wanted(kind text, hash text) on i.kind = wanted.kind and i.value_hash = wanted.hash
    where i.workspace_id = ${workspaceId}`.execute(db);
  return rows.rows.map((r) => ({ kind: r.kind, hash: r.value_hash, profileId: r.profile_id }));
}

/** Every user id of these profiles, so the graph knows which profiles already have one. */
export async function userIdsOf(db: Db, workspaceId: string, profileIds: string[]): Promise<{ kind: string; hash: string; profileId: string }[]> {
  if (profileIds.length === 0) return [];
  const rows = await db.selectFrom('identities').select(['kind', 'value_hash', 'profile_id']).where('workspace_id', '=', workspaceId).where('kind', '=', 'user_id').where('profile_id', 'in', profileIds).execute();
  return rows.map((r) => ({ kind: r.kind, hash: r.value_hash, profileId: r.profile_id }));
}

export async function consentsOf(db: Db, workspaceId: string, profileIds: string[]) {
  if (profileIds.length === 0) return [];
  return db.selectFrom('consents').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', 'in', profileIds).execute();
}

export async function insertProfiles(tx: Tx, workspaceId: string, profiles: { id: string; seenAt: Date }[]): Promise<void> {
  if (profiles.length === 0) return;
  await tx
    .insertInto('profiles')
    .values(profiles.map((p) => ({ workspace_id: workspaceId, id: p.id, first_seen_at: p.seenAt, last_seen_at: p.seenAt, merged_into: null, email_enc: null, phone_enc: null, name_enc: null, erased_at: null })))
    .execute();
}

export async function insertIdentities(tx: Tx, workspaceId: string, identities: { kind: string; hash: string; valueEnc: string; profileId: string; seenAt: Date }[]): Promise<void> {
  if (identities.length === 0) return;
  await tx
    .insertInto('identities')
    .values(identities.map((i) => ({ workspace_id: workspaceId, kind: i.kind, value_hash: i.hash, value_enc: i.valueEnc, profile_id: i.profileId, first_seen_at: i.seenAt })))
    .onConflict((oc) => oc.columns(['workspace_id', 'kind', 'value_hash']).doNothing())
    .execute();
}

/**
 * Folds `merged` into `survivor`: identities, events and consent move over
 * (the more recent consent per purpose wins; history keeps both), counters
 * add up, traits combine (the survivor's win), and the merge is recorded.
 */
export async function mergeProfiles(tx: Tx, merge: { workspaceId: string; id: string; survivor: string; merged: string; identifierKind: string; identifierHash: string; messageId: string | null; at: Date }): Promise<void> {
  const { workspaceId, survivor, merged } = merge;
  await tx.updateTable('identities').set({ profile_id: survivor }).where('workspace_id', '=', workspaceId).where('profile_id', '=', merged).execute();
  await tx.updateTable('events').set({ profile_id: survivor }).where('workspace_id', '=', workspaceId).where('profile_id', '=', merged).execute();
  await sql`
    insert into consents (workspace_id, profile_id, purpose, status, source, legal_basis, updated_at)
    select workspace_id, ${survivor}, purpose, status, source, legal_basis, updated_at from consents where workspace_id = ${workspaceId} and profile_id = ${merged}
    on conflict (workspace_id, profile_id, purpose) do update set status = excluded.status, source = excluded.source, legal_basis = excluded.legal_basis, updated_at = excluded.updated_at
    where excluded.updated_at > consents.updated_at`.execute(tx);
  await tx.deleteFrom('consents').where('workspace_id', '=', workspaceId).where('profile_id', '=', merged).execute();
  await tx.updateTable('consent_history').set({ profile_id: survivor }).where('workspace_id', '=', workspaceId).where('profile_id', '=', merged).execute();
  await sql`
    update profiles s set
      first_seen_at = least(s.first_seen_at, m.first_seen_at),
      last_seen_at = greatest(s.last_seen_at, m.last_seen_at),
      event_count = s.event_count + m.event_count,
      traits = m.traits || s.traits,
      email_enc = coalesce(s.email_enc, m.email_enc),
      phone_enc = coalesce(s.phone_enc, m.phone_enc),
      name_enc = coalesce(s.name_enc, m.name_enc)
    from profiles m
    where s.workspace_id = ${workspaceId} and s.id = ${survivor} and m.workspace_id = ${workspaceId} and m.id = ${merged}`.execute(tx);
  await tx.updateTable('profiles').set({ merged_into: survivor, event_count: 0 }).where('workspace_id', '=', workspaceId).where((eb) => eb.or([eb('id', '=', merged), eb('merged_into', '=', merged)])).execute();
  await tx.insertInto('profile_merges').values({ workspace_id: workspaceId, id: merge.id, survivor_id: survivor, merged_id: merged, identifier_kind: merge.identifierKind, identifier_hash: merge.identifierHash, message_id: merge.messageId, merged_at: merge.at }).execute();
}

export async function recordConflicts(tx: Tx, conflicts: { workspaceId: string; id: string; profileId: string; otherProfileId: string; identifierKind: string; identifierHash: string; messageId: string | null; seenAt: Date }[]): Promise<void> {
  if (conflicts.length === 0) return;
  await tx
    .insertInto('identity_conflicts')
    .values(conflicts.map((c) => ({ workspace_id: c.workspaceId, id: c.id, profile_id: c.profileId, other_profile_id: c.otherProfileId, identifier_kind: c.identifierKind, identifier_hash: c.identifierHash, message_id: c.messageId, seen_at: c.seenAt })))
    .execute();
}

export interface StoredEvent {
  messageId: string;
  type: string;
  name: string | null;
  profileId: string;
  properties: Record<string, unknown>;
  context: Record<string, unknown>;
  occurredAt: Date;
}

/** Appends events (as one parameter, however many there are); one already stored (a replay racing in) is skipped. Returns the ids actually stored. */
export async function insertEvents(tx: Tx, workspaceId: string, events: StoredEvent[], receivedAt: Date): Promise<Set<string>> {
  if (events.length === 0) return new Set();
  const rows = JSON.stringify(events.map((e) => ({ message_id: e.messageId, type: e.type, name: e.name, profile_id: e.profileId, properties: e.properties, context: e.context, occurred_at: e.occurredAt.toISOString() })));
  const result = await sql<{ message_id: string }>`
    insert into events (workspace_id, message_id, type, name, profile_id, properties, context, occurred_at, received_at)
    select ${workspaceId}, e.message_id, e.type, e.name, e.profile_id, e.properties, e.context, e.occurred_at, ${receivedAt}
    from jsonb_to_recordset(${rows}::jsonb) as e(message_id text, type text, name text, profile_id text, properties jsonb, context jsonb, occurred_at timestamptz)
    on conflict (workspace_id, message_id) do nothing
    returning message_id`.execute(tx);
  return new Set(result.rows.map((r) => r.message_id));
}

export interface ProfileUpdate {
  id: string;
  firstSeen: Date;
  lastSeen: Date;
  events: number;
  traits: Record<string, unknown>;
  emailEnc: string | null;
  phoneEnc: string | null;
  nameEnc: string | null;
}

/** Every touched profile's counters, times, traits and personal fields, in one statement. */
export async function updateProfiles(tx: Tx, workspaceId: string, updates: ProfileUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const rows = JSON.stringify(updates.map((u) => ({ id: u.id, first_seen: u.firstSeen.toISOString(), last_seen: u.lastSeen.toISOString(), events: u.events, traits: u.traits, email_enc: u.emailEnc, phone_enc: u.phoneEnc, name_enc: u.nameEnc })));
  await sql`
    update profiles p set
      first_seen_at = least(p.first_seen_at, u.first_seen),
      last_seen_at = greatest(p.last_seen_at, u.last_seen),
      event_count = p.event_count + u.events,
      traits = p.traits || u.traits,
      email_enc = coalesce(u.email_enc, p.email_enc),
      phone_enc = coalesce(u.phone_enc, p.phone_enc),
      name_enc = coalesce(u.name_enc, p.name_enc)
    from jsonb_to_recordset(${rows}::jsonb) as u(id text, first_seen timestamptz, last_seen timestamptz, events integer, traits jsonb, email_enc text, phone_enc text, name_enc text)
    where p.workspace_id = ${workspaceId} and p.id = u.id`.execute(tx);
}

export interface ConsentChange {
  profileId: string;
  purpose: string;
  status: 'granted' | 'denied' | 'unknown';
  source: string;
  legalBasis: string;
  messageId: string | null;
  at: Date;
}

/** Sets consent (unknown removes the row) and appends each change to the history. */
export async function applyConsentChanges(tx: Tx, workspaceId: string, changes: ConsentChange[]): Promise<void> {
  if (changes.length === 0) return;
  // The current state is each (customer, purpose)'s last change in the batch; the history keeps every one.
  const latest = [...new Map(changes.map((c) => [`${c.profileId}\n${c.purpose}`, c])).values()];
  const stated = latest.filter((c) => c.status !== 'unknown');
  if (stated.length > 0) {
    await tx
      .insertInto('consents')
      .values(stated.map((c) => ({ workspace_id: workspaceId, profile_id: c.profileId, purpose: c.purpose, status: c.status as 'granted' | 'denied', source: c.source, legal_basis: c.legalBasis, updated_at: c.at })))
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'profile_id', 'purpose']).doUpdateSet((eb) => ({ status: eb.ref('excluded.status'), source: eb.ref('excluded.source'), legal_basis: eb.ref('excluded.legal_basis'), updated_at: eb.ref('excluded.updated_at') })),
      )
      .execute();
  }
  for (const cleared of latest.filter((c) => c.status === 'unknown')) {
    await tx.deleteFrom('consents').where('workspace_id', '=', workspaceId).where('profile_id', '=', cleared.profileId).where('purpose', '=', cleared.purpose).execute();
  }
  await tx
    .insertInto('consent_history')
    .values(changes.map((c) => ({ workspace_id: workspaceId, profile_id: c.profileId, purpose: c.purpose, status: c.status, source: c.source, legal_basis: c.legalBasis, message_id: c.messageId, recorded_at: c.at })))
    .execute();
}

export function workspaceConsentPurposes(db: Db, workspaceId: string): Promise<string[]> {
  return db.selectFrom('workspaces').select('consent_purposes').where('id', '=', workspaceId).executeTakeFirstOrThrow().then((r) => r.consent_purposes);
}

// Write keys

export async function createWriteKey(db: Db, key: { id: string; workspace_id: string; name: string; secret_hash: string; created_by: string }): Promise<void> {
  await db.insertInto('write_keys').values(key).execute();
}

export function listWriteKeys(db: Db, workspaceId: string) {
  return db.selectFrom('write_keys').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id').execute();
}

export function findLiveWriteKey(db: Db, id: string) {
  return db.selectFrom('write_keys').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function touchWriteKey(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('write_keys').set({ last_used_at: now }).where('id', '=', id).execute();
}

export async function revokeWriteKey(db: Db, workspaceId: string, id: string, now: Date): Promise<boolean> {
  const result = await db.updateTable('write_keys').set({ revoked_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// Customers as the API shows them

export type ProfileRow = Awaited<ReturnType<typeof getProfile>>;

/** The live profile a profile id leads to (following merges), or nothing for an unknown or erased one. */
export async function getProfile(db: Db, workspaceId: string, profileId: string) {
  let id = profileId;
  for (let hops = 0; hops < 32; hops++) {
    const row = await db.selectFrom('profiles').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    if (!row || row.erased_at) return undefined;
    if (!row.merged_into) return row;
    id = row.merged_into;
  }
  return undefined;
}

export async function profileIdByIdentifier(db: Db, workspaceId: string, kind: string, hash: string): Promise<string | undefined> {
  const row = await db.selectFrom('identities').select('profile_id').where('workspace_id', '=', workspaceId).where('kind', '=', kind).where('value_hash', '=', hash).executeTakeFirst();
  return row?.profile_id;
}

/** Live profiles by id, for paging through customers (keyset: after the last id seen). */
export function listProfiles(db: Db, workspaceId: string, page: { after?: string; limit: number }) {
  let query = db.selectFrom('profiles').selectAll().where('workspace_id', '=', workspaceId).where('merged_into', 'is', null).where('erased_at', 'is', null);
  if (page.after) query = query.where('id', '>', page.after);
  return query.orderBy('id').limit(page.limit).execute();
}

export function identitiesOf(db: Db, workspaceId: string, profileId: string) {
  return db.selectFrom('identities').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', '=', profileId).orderBy('first_seen_at').execute();
}

export function mergesInto(db: Db, workspaceId: string, profileId: string) {
  return db.selectFrom('profile_merges').selectAll().where('workspace_id', '=', workspaceId).where('survivor_id', '=', profileId).orderBy('merged_at').execute();
}

export function conflictsOf(db: Db, workspaceId: string, profileId: string) {
  return db
    .selectFrom('identity_conflicts')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where((eb) => eb.or([eb('profile_id', '=', profileId), eb('other_profile_id', '=', profileId)]))
    .orderBy('seen_at')
    .execute();
}

/** The identity whose hash a merge or conflict names, to say which value it was. */
export function identityByHash(db: Db, workspaceId: string, kind: string, hash: string) {
  return db.selectFrom('identities').selectAll().where('workspace_id', '=', workspaceId).where('kind', '=', kind).where('value_hash', '=', hash).executeTakeFirst();
}

export function eventsOf(db: Db, workspaceId: string, profileId: string, page: { before?: Date; limit: number }) {
  let query = db.selectFrom('events').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', '=', profileId);
  if (page.before) query = query.where('occurred_at', '<', page.before);
  return query.orderBy('occurred_at', 'desc').orderBy('message_id', 'desc').limit(page.limit).execute();
}

export function consentHistoryOf(db: Db, workspaceId: string, profileId: string) {
  return db.selectFrom('consent_history').selectAll().where('workspace_id', '=', workspaceId).where('profile_id', '=', profileId).orderBy('id').execute();
}

export async function setConsentPurposes(db: Db, workspaceId: string, purposes: string[]): Promise<void> {
  await db.updateTable('workspaces').set({ consent_purposes: JSON.stringify(purposes) }).where('id', '=', workspaceId).execute();
}

/** Workspaces that keep raw events for a limited time. */
export async function workspacesWithEventRetention(db: Db): Promise<{ id: string; days: number }[]> {
  const rows = await db.selectFrom('workspaces').select(['id', 'event_retention_days']).where('kind', '=', 'tenant').where('event_retention_days', 'is not', null).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, days: r.event_retention_days! }));
}

/** Removes raw events that happened before `cutoff`; profiles keep their counters and first/last seen times. */
export async function removeEventsBefore(db: Db, workspaceId: string, cutoff: Date): Promise<number> {
  const result = await db.deleteFrom('events').where('workspace_id', '=', workspaceId).where('occurred_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
