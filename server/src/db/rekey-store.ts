import { sql, type Kysely } from 'kysely';
import type { HubSchema } from './schema';

/** Every column that holds personal data sealed with a data key, and how to address its rows. */
export const sealedColumns = [
  { table: 'profiles', column: 'email_enc', key: ['workspace_id', 'id'] },
  { table: 'profiles', column: 'phone_enc', key: ['workspace_id', 'id'] },
  { table: 'profiles', column: 'name_enc', key: ['workspace_id', 'id'] },
  { table: 'identities', column: 'value_enc', key: ['workspace_id', 'value_hash'] },
  { table: 'users', column: 'totp_secret', key: ['id'] },
  { table: 'oidc_configs', column: 'client_secret', key: ['workspace_id'] },
  { table: 'sessions', column: 'oidc_id_token', key: ['token_hash'] },
  { table: 'oidc_configs', column: 'client_signing_key', key: ['workspace_id'] },
  { table: 'connector_connections', column: 'credentials_enc', key: ['workspace_id', 'id'] },
] as const;
type SealedColumn = (typeof sealedColumns)[number];

/** Up to `limit` values of a column sealed with another key than `currentKeyId`. */
export async function valuesSealedWithOtherKeys(db: Kysely<HubSchema>, target: SealedColumn, currentKeyId: string, limit: number): Promise<{ key: string[]; sealed: string }[]> {
  const keyColumns = sql.join(target.key.map((k) => sql.ref(k)));
  const rows = await sql<{ key: string[]; sealed: string }>`
    select array[${keyColumns}]::text[] as key, ${sql.ref(target.column)} as sealed from ${sql.table(target.table)}
    where ${sql.ref(target.column)} is not null and ${sql.ref(target.column)} not like ${`v1.${currentKeyId}.%`}
    limit ${limit}`.execute(db);
  return rows.rows;
}

export async function replaceSealedValue(db: Kysely<HubSchema>, target: SealedColumn, key: string[], from: string, to: string): Promise<void> {
  const matches = sql.join(target.key.map((k, i) => sql`${sql.ref(k)} = ${key[i]}`), sql` and `);
  // Only if unchanged meanwhile: a value written since with the new key stays.
  await sql`update ${sql.table(target.table)} set ${sql.ref(target.column)} = ${to} where ${matches} and ${sql.ref(target.column)} = ${from}`.execute(db);
}
