import { sql, type Kysely, type Selectable } from 'kysely';
import type { HubSchema } from './schema';

/** CRM connections, what they pushed, their runs and dead letters; every query scoped by workspace. */
type Db = Kysely<HubSchema>;
export type ConnectionRow = Selectable<HubSchema['connector_connections']>;
export type ConnectorRecordRow = Selectable<HubSchema['connector_records']>;
export type RunRow = Selectable<HubSchema['connector_runs']>;
export type DeadLetterRow = Selectable<HubSchema['connector_dead_letters']>;

export async function createConnection(db: Db, row: Omit<ConnectionRow, 'settings' | 'pull_cursor'> & { settings: object }): Promise<void> {
  await db.insertInto('connector_connections').values({ ...row, settings: JSON.stringify(row.settings), pull_cursor: null }).execute();
}

export function getConnection(db: Db, workspaceId: string, id: string): Promise<ConnectionRow | undefined> {
  return db.selectFrom('connector_connections').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

export function listConnections(db: Db, workspaceId: string): Promise<ConnectionRow[]> {
  return db.selectFrom('connector_connections').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
}

/** Every authorized connection of every workspace, for the scheduled sync. */
export function connectionsToSync(db: Db): Promise<{ workspace_id: string; id: string }[]> {
  return db.selectFrom('connector_connections').select(['workspace_id', 'id']).where('status', '!=', 'awaiting-authorization').orderBy('workspace_id').orderBy('id').execute();
}

export async function updateConnection(db: Db, workspaceId: string, id: string, change: { name?: string; settings?: object; status?: ConnectionRow['status']; credentials_enc?: string | null; pull_cursor?: string | null }, now: Date): Promise<boolean> {
  const { settings, ...rest } = change;
  const result = await db
    .updateTable('connector_connections')
    .set({ ...rest, ...(settings !== undefined && { settings: JSON.stringify(settings) }), updated_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Removes a connection and everything kept about what it pushed (the CRM keeps its own records). */
export async function deleteConnection(db: Db, workspaceId: string, id: string): Promise<boolean> {
  for (const table of ['connector_segments', 'connector_records', 'connector_dead_letters', 'connector_runs', 'connector_oauth_states'] as const) {
    await db.deleteFrom(table).where('workspace_id', '=', workspaceId).where('connection_id', '=', id).execute();
  }
  const result = await db.deleteFrom('connector_connections').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function setConnectionSegments(db: Db, workspaceId: string, connectionId: string, segmentIds: string[]): Promise<void> {
  await db.deleteFrom('connector_segments').where('workspace_id', '=', workspaceId).where('connection_id', '=', connectionId).execute();
  if (segmentIds.length > 0) await db.insertInto('connector_segments').values(segmentIds.map((segment_id) => ({ workspace_id: workspaceId, connection_id: connectionId, segment_id }))).execute();
}

/** The live segments a connection pushes, with their purpose. */
export function connectionSegments(db: Db, workspaceId: string, connectionId: string): Promise<{ id: string; purpose: string }[]> {
  return db
    .selectFrom('connector_segments as b')
    .innerJoin('segments as s', (join) => join.onRef('s.workspace_id', '=', 'b.workspace_id').onRef('s.id', '=', 'b.segment_id'))
    .select(['s.id', 's.purpose'])
    .where('b.workspace_id', '=', workspaceId)
    .where('b.connection_id', '=', connectionId)
    .where('s.deleted_at', 'is', null)
    .orderBy('s.id')
    .execute();
}

export function connectorRecords(db: Db, workspaceId: string, connectionId: string): Promise<ConnectorRecordRow[]> {
  return db.selectFrom('connector_records').selectAll().where('workspace_id', '=', workspaceId).where('connection_id', '=', connectionId).execute();
}

/** How many of a connection's records are in the CRM, and how many of those still owe the CRM an erasure. */
export async function recordsInCrm(db: Db, workspaceId: string, connectionId: string): Promise<{ records: number; erasuresPending: number }> {
  const row = await db
    .selectFrom('connector_records')
    .select((eb) => [eb.fn.countAll<string>().as('records'), eb.fn.sum<string | null>(eb.case().when('state', '=', 'erase-pending').then(1).else(0).end()).as('erasures')])
    .where('workspace_id', '=', workspaceId)
    .where('connection_id', '=', connectionId)
    .executeTakeFirstOrThrow();
  return { records: Number(row.records), erasuresPending: Number(row.erasures ?? 0) };
}

export async function saveRecords(db: Db, rows: ConnectorRecordRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('connector_records')
    .values(rows)
    .onConflict((oc) => oc.columns(['workspace_id', 'connection_id', 'profile_id']).doUpdateSet((eb) => ({ crm_id: eb.ref('excluded.crm_id'), values_digest: eb.ref('excluded.values_digest'), state: eb.ref('excluded.state'), pushed_at: eb.ref('excluded.pushed_at') })))
    .execute();
}

export async function deleteRecords(db: Db, workspaceId: string, connectionId: string, profileIds: string[]): Promise<void> {
  if (profileIds.length === 0) return;
  await db.deleteFrom('connector_records').where('workspace_id', '=', workspaceId).where('connection_id', '=', connectionId).where('profile_id', 'in', profileIds).execute();
}

/** The profiles pushed to a CRM under these CRM record ids (to link pulled deals). */
export async function profilesByCrmIds(db: Db, workspaceId: string, connectionId: string, crmIds: string[]): Promise<Map<string, string>> {
  if (crmIds.length === 0) return new Map();
  const rows = await db.selectFrom('connector_records').select(['crm_id', 'profile_id']).where('workspace_id', '=', workspaceId).where('connection_id', '=', connectionId).where('crm_id', 'in', crmIds).where('state', '!=', 'erase-pending').execute();
  return new Map(rows.map((r) => [r.crm_id, r.profile_id]));
}

/** Erasure: every connection's record of these profiles is to be deleted from the CRM at the next run. */
export async function markRecordsForErasure(db: Db, workspaceId: string, profileIds: string[]): Promise<number> {
  if (profileIds.length === 0) return 0;
  const result = await db.updateTable('connector_records').set({ state: 'erase-pending', values_digest: '' }).where('workspace_id', '=', workspaceId).where('profile_id', 'in', profileIds).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function deleteDeadLettersOf(db: Db, workspaceId: string, profileIds: string[]): Promise<number> {
  if (profileIds.length === 0) return 0;
  const result = await db.deleteFrom('connector_dead_letters').where('workspace_id', '=', workspaceId).where('profile_id', 'in', profileIds).where('operation', '!=', 'erase').executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function startRun(db: Db, run: { workspace_id: string; id: string; connection_id: string; job_id: string | null; started_at: Date }): Promise<void> {
  await db.insertInto('connector_runs').values({ ...run, status: 'running', finished_at: null, error: null }).execute();
}

export async function finishRun(db: Db, workspaceId: string, id: string, outcome: { status: 'completed' | 'failed'; finished_at: Date; error: string | null; pushed: number; updated: number; removed: number; failed: number; pulled: number; rate_limited: number }): Promise<void> {
  await db.updateTable('connector_runs').set(outcome).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

/** Runs newest first; `before` (the last run of the previous page) pages on. */
export function listRuns(db: Db, workspaceId: string, connectionId: string, limit: number, before?: { at: Date; id: string }): Promise<RunRow[]> {
  return db
    .selectFrom('connector_runs')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('connection_id', '=', connectionId)
    .$if(before !== undefined, (query) => query.where((eb) => eb.or([eb('started_at', '<', before!.at), eb.and([eb('started_at', '=', before!.at), eb('id', '<', before!.id)])])))
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function addDeadLetters(db: Db, rows: DeadLetterRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('connector_dead_letters')
    .values(rows)
    .onConflict((oc) => oc.columns(['workspace_id', 'connection_id', 'profile_id', 'operation']).doUpdateSet((eb) => ({ run_id: eb.ref('excluded.run_id'), error: eb.ref('excluded.error'), created_at: eb.ref('excluded.created_at') })))
    .execute();
}

/** Dead letters of records that have since gone through. */
export async function clearDeadLetters(db: Db, workspaceId: string, connectionId: string, profileIds: string[], operation: DeadLetterRow['operation']): Promise<void> {
  if (profileIds.length === 0) return;
  await db.deleteFrom('connector_dead_letters').where('workspace_id', '=', workspaceId).where('connection_id', '=', connectionId).where('operation', '=', operation).where('profile_id', 'in', profileIds).execute();
}

/** Dead letters newest first; `after` (the last one of the previous page) pages on. */
export function listDeadLetters(db: Db, workspaceId: string, connectionId: string, limit: number, after?: { at: Date; id: string }): Promise<DeadLetterRow[]> {
  return db
    .selectFrom('connector_dead_letters')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('connection_id', '=', connectionId)
    .$if(after !== undefined, (query) => query.where((eb) => eb.or([eb('created_at', '<', after!.at), eb.and([eb('created_at', '=', after!.at), eb('id', '>', after!.id)])])))
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Profiles a run leaves alone until an admin retries them. */
export async function deadLetteredProfiles(db: Db, workspaceId: string, connectionId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('connector_dead_letters').select('profile_id').where('workspace_id', '=', workspaceId).where('connection_id', '=', connectionId).where('operation', '=', 'push').execute();
  return new Set(rows.map((r) => r.profile_id));
}

/** Releases dead letters for the next run (all of the connection's, or these ids); returns how many. */
export async function releaseDeadLetters(db: Db, workspaceId: string, connectionId: string, ids?: string[]): Promise<number> {
  let query = db.deleteFrom('connector_dead_letters').where('workspace_id', '=', workspaceId).where('connection_id', '=', connectionId);
  if (ids) query = query.where('id', 'in', ids.length > 0 ? ids : ['']);
  return Number((await query.executeTakeFirst()).numDeletedRows);
}

export function profilesForPush(db: Db, workspaceId: string, ids: string[]) {
  return db.selectFrom('profiles').select(['id', 'email_enc', 'phone_enc', 'name_enc', 'traits']).where('workspace_id', '=', workspaceId).where('id', 'in', ids.length > 0 ? ids : ['']).where('erased_at', 'is', null).execute();
}

/** Live profiles among these ids (a pulled deal naming the Hub's profile id). */
export async function existingProfiles(db: Db, workspaceId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('profiles').select('id').where('workspace_id', '=', workspaceId).where('id', 'in', ids).where('erased_at', 'is', null).execute();
  return new Set(rows.map((r) => r.id));
}

/** The profile each email keyed hash belongs to. */
export async function profilesByEmailHash(db: Db, workspaceId: string, hashes: string[]): Promise<Map<string, string>> {
  if (hashes.length === 0) return new Map();
  const rows = await db.selectFrom('identities').select(['value_hash', 'profile_id']).where('workspace_id', '=', workspaceId).where('kind', '=', 'email').where('value_hash', 'in', hashes).execute();
  return new Map(rows.map((r) => [r.value_hash, r.profile_id]));
}

/** Stores pulled conversions (the same deal pulled again is updated) and the cursor after them, in one transaction. */
export async function savePulledConversions(db: Db, workspaceId: string, connectionId: string, rows: { source: string; external_id: string; profile_id: string | null; name: string; value: number; currency: string; occurred_at: Date; properties: object }[], cursor: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (rows.length > 0) {
      await tx
        .insertInto('external_conversions')
        .values(rows.map((r) => ({ ...r, workspace_id: workspaceId, properties: JSON.stringify(r.properties) })))
        .onConflict((oc) =>
          oc.columns(['workspace_id', 'source', 'external_id']).doUpdateSet((eb) => ({ profile_id: eb.ref('excluded.profile_id'), name: eb.ref('excluded.name'), value: eb.ref('excluded.value'), currency: eb.ref('excluded.currency'), occurred_at: eb.ref('excluded.occurred_at'), properties: eb.ref('excluded.properties'), received_at: sql`now()` })),
        )
        .execute();
    }
    await tx.updateTable('connector_connections').set({ pull_cursor: cursor }).where('workspace_id', '=', workspaceId).where('id', '=', connectionId).execute();
  });
}

export async function saveOAuthState(db: Db, row: { state_hash: string; workspace_id: string; connection_id: string; expires_at: Date }): Promise<void> {
  await db.insertInto('connector_oauth_states').values(row).execute();
}

/** Claims a state once: the row goes whether or not it is still valid. */
export async function claimOAuthState(db: Db, stateHash: string): Promise<{ workspace_id: string; connection_id: string; expires_at: Date } | undefined> {
  return db.deleteFrom('connector_oauth_states').where('state_hash', '=', stateHash).returning(['workspace_id', 'connection_id', 'expires_at']).executeTakeFirst();
}
