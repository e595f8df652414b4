import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { HubSchema } from './schema';
import { preparedStatement } from './prepared';
import { keyQueries } from './key-store';

/** Queries for ingest, profiles, identities, merges and consent; each batch touches the database a handful of times, not once per event. */
type Db = Kysely<HubSchema>;
type Tx = Transaction<HubSchema>;

/**
 * One ingest at a time per workspace, so identity merges never race; other
 * workspaces go on in parallel. For readers that need what ingest committed
 * to be settled (the experiment rollup's watermark); a transaction that
 * changes what resolution reads takes lockWorkspaceIngestForChanges.
 */
export async function lockWorkspaceIngest(tx: Tx, workspaceId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`ingest:${workspaceId}`}, 0))`.execute(tx);
}

/** The number a transaction took for the workspace's identity-resolution state under its ingest lock, and the one before (null: none yet). */
export interface IngestTurn {
  previous: string | null;
  version: string;
}

/**
 * The ingest lock taken and a new number for the state (migration 0025), as
 * the common table expressions `locked` and `turn` of one statement. The
 * lock comes first (`turn` reads from it), and ON CONFLICT DO UPDATE works
 * on the newest committed row, so `previous` is the number of the last
 * transaction that changed the state.
 */
const turnTaken = (workspaceId: string, settings: RawBuilder<unknown>) => sql`locked as (select pg_advisory_xact_lock(hashtextextended(${`ingest:${workspaceId}`}, 0))${settings}),
  turn as (
    insert into ingest_versions (workspace_id, previous, version) select ${workspaceId}, null, nextval('ingest_version_seq') from locked
    on conflict (workspace_id) do update set previous = ingest_versions.version, version = excluded.version
    returning previous, version
  )`;

const takeTurn = (workspaceId: string, settings: RawBuilder<unknown>) => sql<IngestTurn>`${sql.raw(preparedStatement)}
  with ${turnTaken(workspaceId, settings)} select previous, version from turn`;

/** For consent set through the API and erasure: the ingest lock, and a new number, so that a group ingest resolved ahead sees the change. */
export async function lockWorkspaceIngestForChanges(tx: Tx, workspaceId: string): Promise<IngestTurn> {
  return turnOf((await takeTurn(workspaceId, sql``).execute(tx)).rows[0]!);
}

/** Numbers as text on either database (PGlite and pg parse bigint differently). */
const versionText = (value: unknown) => (value === null || value === undefined ? null : String(value));
const turnOf = (row: IngestTurn): IngestTurn => ({ previous: versionText(row.previous), version: versionText(row.version)! });

/**
 * Ingest's own start: the workspace's ingest lock and a new number (see
 * takeTurn), and for the rest of the transaction the plans its prepared
 * statements were first given. Left to itself, PostgreSQL plans such a
 * statement again for its parameters on every run when the generic plan
 * looks costlier, which for ingest's statements (a probe by key per row,
 * whatever the rows) it always does: the planning took about a tenth of
 * PostgreSQL's ingest work (perf), for the same plan.
 */
export async function beginIngest(tx: Tx, workspaceId: string): Promise<IngestTurn> {
  return turnOf((await takeTurn(workspaceId, sql`, set_config('plan_cache_mode', 'force_generic_plan', true)`).execute(tx)).rows[0]!);
}

/**
 * What a batch's resolution needs first, in one statement: which of its
 * message ids are stored already (only those given: ingest asks after its
 * write found one stored), the profiles its identifiers belong to, the
 * workspace's purposes, and the number of the state read (see takeTurn).
 *
 * Each row is probed by its key (LATERAL … LIMIT 1 keeps the planner from
 * turning a probe into a scan of the workspace): a workspace that grew since
 * the last ANALYZE looks tiny to the planner, which would otherwise read all
 * of its rows for every batch.
 */
export async function readIngestState(tx: Tx, workspaceId: string, wanted: { messageIds: string[]; identifiers: { kind: string; hash: string }[] }) {
  // A person's events name them again and again: each identifier is looked up once (its hash alone names it: the kind is part of what is hashed).
  const identifiers = [...new Map(wanted.identifiers.map((i) => [i.hash, i])).values()];
  const { rows } = await sql<{ stored: string[]; identities: [string, string, string][]; purposes: string[]; version: string | null }>`${sql.raw(preparedStatement)}
    select
      (select coalesce(json_agg(e.message_id), '[]') from unnest(${wanted.messageIds}::text[]) as m(id)
        cross join lateral (select message_id from events where workspace_id = ${workspaceId} and message_id = m.id limit 1) e) as stored,
      (select coalesce(json_agg(json_build_array(i.kind, w.hash, i.profile_id)), '[]') from unnest(${identifiers.map((i) => i.kind)}::text[], ${identifiers.map((i) => i.hash)}::text[]) as w(kind, hash)
        cross join lateral (select kind, profile_id from identities where workspace_id = ${workspaceId} and value_hash = w.hash limit 1) i
        where i.kind = w.kind) as identities,
      (select consent_purposes from workspaces where id = ${workspaceId}) as purposes,
      (select version from ingest_versions where workspace_id = ${workspaceId}) as version`.execute(tx);
  const state = rows[0]!;
  return {
    storedMessageIds: new Set(state.stored),
    identities: state.identities.map(([kind, hash, profileId]) => ({ kind, hash, profileId })),
    purposes: state.purposes,
    version: versionText(state.version),
  };
}

/**
 * What resolution needs to know of some stored profiles, once the batch's
 * identifiers are found: the user ids of those a message may merge or attach
 * a user id to, and the consent of those a message states consent for.
 * Nothing is asked when neither list has a profile.
 */
export async function readProfileDetails(tx: Tx, workspaceId: string, wanted: { userIdsOf: string[]; consentOf: string[] }) {
  if (wanted.userIdsOf.length === 0 && wanted.consentOf.length === 0) return { userIds: [], consents: [] };
  const { rows } = await sql<{ user_ids: [string, string][]; consents: [string, string, string][] }>`${sql.raw(preparedStatement)}
    select
      (select coalesce(json_agg(json_build_array(u.value_hash, p.id)), '[]') from unnest(${wanted.userIdsOf}::text[]) as p(id)
        cross join lateral (select value_hash from identities where workspace_id = ${workspaceId} and profile_id = p.id and kind = 'user_id' offset 0) u) as user_ids,
      (select coalesce(json_agg(json_build_array(p.id, c.purpose, c.status)), '[]') from unnest(${wanted.consentOf}::text[]) as p(id)
        cross join lateral (select purpose, status from consents where workspace_id = ${workspaceId} and profile_id = p.id offset 0) c) as consents`.execute(tx);
  const details = rows[0]!;
  return {
    userIds: details.user_ids.map(([hash, profileId]) => ({ kind: 'user_id', hash, profileId })),
    consents: details.consents.map(([profileId, purpose, status]) => ({ profileId, purpose, status })),
  };
}

/** Whether an ingest failed on a message id stored already: the events' key refused a second row for it. */
export function isStoredMessageConflict(error: unknown): boolean {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'events_pkey';
}

export async function insertProfiles(tx: Tx, workspaceId: string, profiles: { id: string; seenAt: Date }[]): Promise<void> {
  if (profiles.length === 0) return;
  const rows = JSON.stringify(profiles.map((p) => ({ id: p.id, seen: p.seenAt.toISOString() })));
  await sql`
    insert into profiles (workspace_id, id, first_seen_at, last_seen_at)
    select ${workspaceId}, p.id, p.seen, p.seen from jsonb_to_recordset(${rows}::jsonb) as p(id text, seen timestamptz)`.execute(tx);
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

export interface IngestWrite {
  receivedAt: Date;
  /** The profiles the batch created or changed, upserted: a new one stored whole; a stored one gets counters added, first/last seen widened, traits combined, personal fields replaced. */
  profiles: ProfileUpdate[];
  identities: { kind: string; hash: string; valueEnc: string; profileId: string; seenAt: Date }[];
  events: { messageId: string; type: string; name: string | null; profileId: string; properties: Record<string, unknown>; context: Record<string, unknown>; occurredAt: Date }[];
  conflicts: { id: string; profileId: string; otherProfileId: string; identifierKind: string; identifierHash: string; messageId: string; seenAt: Date }[];
  /** Granted or denied: ingest never clears consent. */
  consentChanges: ConsentChange[];
}

const json = (rows: unknown[]) => JSON.stringify(rows);
const profileRows = (profiles: ProfileUpdate[]) =>
  json(profiles.map((u) => ({ id: u.id, first_seen: u.firstSeen.toISOString(), last_seen: u.lastSeen.toISOString(), events: u.events, traits: u.traits, email_enc: u.emailEnc, phone_enc: u.phoneEnc, name_enc: u.nameEnc })));
const profileColumns = sql`(id text, first_seen timestamptz, last_seen timestamptz, events integer, traits jsonb, email_enc text, phone_enc text, name_enc text)`;

/**
 * The common table expressions that write everything a batch changes, each
 * kind of row passed as one JSON parameter however many there are (read
 * through `rows`, which may hold them back, see writeIngestAlone). The parts
 * of one statement do not see each other's rows: new profiles and changes to
 * stored ones go in as one upsert, which finds a stored profile by its key
 * even when it was committed after the statement began. Plain inserts
 * otherwise, no ON CONFLICT: under the workspace's ingest lock, resolution
 * has already said which message ids and identities are stored, so every
 * event given is stored (or the statement fails, see isStoredMessageConflict).
 */
function ingestWrites(workspaceId: string, write: IngestWrite, rows: (json: string) => RawBuilder<unknown>) {
  const events = json(write.events.map((e) => ({ message_id: e.messageId, type: e.type, name: e.name, profile_id: e.profileId, properties: e.properties, context: e.context, occurred_at: e.occurredAt.toISOString() })));
  const identities = json(write.identities.map((i) => ({ kind: i.kind, hash: i.hash, enc: i.valueEnc, profile: i.profileId, seen: i.seenAt.toISOString() })));
  const conflicts = json(write.conflicts.map((c) => ({ id: c.id, profile_id: c.profileId, other_profile_id: c.otherProfileId, kind: c.identifierKind, hash: c.identifierHash, message_id: c.messageId, seen_at: c.seenAt.toISOString() })));
  const latestConsent = [...new Map(write.consentChanges.map((c) => [`${c.profileId}\n${c.purpose}`, c])).values()];
  const consentRows = (changes: ConsentChange[]) => json(changes.map((c) => ({ profile_id: c.profileId, purpose: c.purpose, status: c.status, source: c.source, legal_basis: c.legalBasis, message_id: c.messageId, at: c.at.toISOString() })));
  const consentColumns = sql`(profile_id text, purpose text, status text, source text, legal_basis text, message_id text, at timestamptz)`;
  return sql`profiles_now as (
      insert into profiles as p (workspace_id, id, first_seen_at, last_seen_at, event_count, traits, email_enc, phone_enc, name_enc)
      select ${workspaceId}, u.id, u.first_seen, u.last_seen, u.events, u.traits, u.email_enc, u.phone_enc, u.name_enc from jsonb_to_recordset(${rows(profileRows(write.profiles))}) as u${profileColumns}
      on conflict (workspace_id, id) do update set
        first_seen_at = least(p.first_seen_at, excluded.first_seen_at),
        last_seen_at = greatest(p.last_seen_at, excluded.last_seen_at),
        event_count = p.event_count + excluded.event_count,
        traits = case when excluded.traits = '{}'::jsonb then p.traits else p.traits || excluded.traits end,
        email_enc = coalesce(excluded.email_enc, p.email_enc),
        phone_enc = coalesce(excluded.phone_enc, p.phone_enc),
        name_enc = coalesce(excluded.name_enc, p.name_enc)
    ), new_identities as (
      insert into identities (workspace_id, kind, value_hash, value_enc, profile_id, first_seen_at)
      select ${workspaceId}, i.kind, i.hash, i.enc, i.profile, i.seen from jsonb_to_recordset(${rows(identities)}) as i(kind text, hash text, enc text, profile text, seen timestamptz)
    ), new_conflicts as (
      insert into identity_conflicts (workspace_id, id, profile_id, other_profile_id, identifier_kind, identifier_hash, message_id, seen_at)
      select ${workspaceId}, c.id, c.profile_id, c.other_profile_id, c.kind, c.hash, c.message_id, c.seen_at
      from jsonb_to_recordset(${rows(conflicts)}) as c(id text, profile_id text, other_profile_id text, kind text, hash text, message_id text, seen_at timestamptz)
    ), consent_now as (
      insert into consents (workspace_id, profile_id, purpose, status, source, legal_basis, updated_at)
      select ${workspaceId}, c.profile_id, c.purpose, c.status, c.source, c.legal_basis, c.at from jsonb_to_recordset(${rows(consentRows(latestConsent))}) as c${consentColumns}
      on conflict (workspace_id, profile_id, purpose) do update set status = excluded.status, source = excluded.source, legal_basis = excluded.legal_basis, updated_at = excluded.updated_at
    ), consent_changes as (
      insert into consent_history (workspace_id, profile_id, purpose, status, source, legal_basis, message_id, recorded_at)
      select ${workspaceId}, c.profile_id, c.purpose, c.status, c.source, c.legal_basis, c.message_id, c.at from jsonb_to_recordset(${rows(consentRows(write.consentChanges))}) as c${consentColumns}
    ), new_events as (
      insert into events (workspace_id, message_id, type, name, profile_id, properties, context, occurred_at, received_at)
      select ${workspaceId}, e.message_id, e.type, e.name, e.profile_id, e.properties, e.context, e.occurred_at, ${write.receivedAt}
      from jsonb_to_recordset(${rows(events)}) as e(message_id text, type text, name text, profile_id text, properties jsonb, context jsonb, occurred_at timestamptz)
    )`;
}

/** Everything a batch changes, in one statement of the transaction that holds the workspace's ingest lock (see ingestWrites). */
export async function writeIngest(tx: Tx, workspaceId: string, write: IngestWrite): Promise<void> {
  await sql`${sql.raw(preparedStatement)}
    with ${ingestWrites(workspaceId, write, (rows) => sql`${rows}::jsonb`)}
    select 1`.execute(tx);
}

/**
 * A group resolved ahead, written in one statement that is its own
 * transaction: it takes the workspace's ingest lock and a new number (see
 * turnTaken), and writes only if the number it replaced is `expected`, the
 * state the group was resolved against; otherwise it writes nothing, and
 * the group is resolved again under the lock. No trip back to the Hub while
 * the lock is held.
 */
export async function writeIngestAlone(db: Db, workspaceId: string, write: IngestWrite, expected: string | null): Promise<{ turn: IngestTurn; written: boolean }> {
  const { rows } = await sql<IngestTurn & { written: boolean }>`${sql.raw(preparedStatement)}
    with ${turnTaken(workspaceId, sql``)}, go as materialized (select previous is not distinct from ${expected}::bigint as ok from turn),
    ${ingestWrites(workspaceId, write, (rows) => sql`(select ${rows}::jsonb from go where ok)`)}
    select previous, version, (select ok from go) as written from turn`.execute(db);
  const row = rows[0]!;
  return { turn: turnOf(row), written: row.written };
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

/**
 * Sets consent (unknown removes the row) and appends each change to the
 * history. Under the workspace's ingest lock, as ingest's own consent
 * changes are: the experiment rollup finds changes by their history's
 * ingest_seq, and a number it reads under that lock must bound what is
 * committed.
 */
export async function applyConsentChanges(tx: Tx, workspaceId: string, changes: ConsentChange[]): Promise<void> {
  if (changes.length === 0) return;
  await lockWorkspaceIngestForChanges(tx, workspaceId);
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

// Write keys

/** List, find, touch and revoke write keys. */
export const writeKeys = keyQueries('write_keys');

export async function createWriteKey(db: Db, key: { id: string; workspace_id: string; name: string; secret_hash: string; created_by: string }): Promise<void> {
  await db.insertInto('write_keys').values(key).execute();
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
