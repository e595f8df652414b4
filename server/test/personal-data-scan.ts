import { sql, type Kysely } from 'kysely';
import type { HubSchema } from '../src/db/schema';

export interface ScanHit {
  table: string;
  needle: string;
  row: string;
}

/**
 * Reads every row of every table in the Hub's schema (and the job queue's,
 * `pgboss`) as JSON text and reports each that contains one of `needles`
 * (compared without regard to case). `allow` may strip what a table is meant
 * to keep (the erased profile's id, the audit log's target ids) before the
 * search.
 */
export async function scanForPersonalData(db: Kysely<HubSchema>, needles: string[], allow: (table: string, row: Record<string, unknown>) => Record<string, unknown> = (_table, row) => row): Promise<{ hits: ScanHit[]; tables: number; rows: number }> {
  const tables = await sql<{ table_schema: string; table_name: string }>`
    select distinct table_schema, table_name from information_schema.columns
    where table_schema in (current_schema(), 'pgboss')
      and (table_schema, table_name) in (select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE')
    order by table_schema, table_name`.execute(db);
  const lowered = needles.filter((n) => n.length > 0).map((n) => n.toLowerCase());
  const hits: ScanHit[] = [];
  let rows = 0;
  for (const { table_schema: schema, table_name: name } of tables.rows) {
    const table = `${schema}.${name}`;
    const result = await sql<{ row: Record<string, unknown> }>`select to_jsonb(t) as row from ${sql.table(table)} t`.execute(db);
    for (const { row } of result.rows) {
      rows++;
      const text = JSON.stringify(allow(name, typeof row === 'string' ? (JSON.parse(row) as Record<string, unknown>) : row)).toLowerCase();
      for (const needle of lowered) if (text.includes(needle)) hits.push({ table, needle, row: text.slice(0, 300) });
    }
  }
  return { hits, tables: tables.rows.length, rows };
}
