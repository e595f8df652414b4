import type { Kysely, Selectable } from 'kysely';
import type { HubSchema } from './schema';

type Db = Kysely<HubSchema>;
type KeyTable = 'api_keys' | 'write_keys' | 'scim_tokens';

/**
 * The queries every table of keys shares (API keys, write keys, SCIM
 * tokens): each row has an id, a workspace, a digest of the secret, and
 * created, last-used and revoked times.
 */
export function keyQueries<T extends KeyTable>(table: T) {
  type Row = Selectable<HubSchema[T]>;
  // Kysely cannot type a query over a table named by a type parameter; the three share these columns.
  const keys = table as 'write_keys';
  return {
    /** The workspace's keys, newest first. */
    list: (db: Db, workspaceId: string) => db.selectFrom(keys).selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id').execute() as Promise<Row[]>,
    /** The key with this id, unless it was revoked. */
    findLive: (db: Db, id: string) => db.selectFrom(keys).selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst() as Promise<Row | undefined>,
    touch: async (db: Db, id: string, now: Date): Promise<void> => {
      await db.updateTable(keys).set({ last_used_at: now }).where('id', '=', id).execute();
    },
    /** Returns whether a live key of this workspace was revoked. */
    revoke: async (db: Db, workspaceId: string, id: string, now: Date): Promise<boolean> => {
      const result = await db.updateTable(keys).set({ revoked_at: now }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}
