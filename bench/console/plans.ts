/**
 * The plans PostgreSQL picks for the SQL the Hub sends: the Hub's own store
 * functions run on a Kysely that records every statement (on the bench's
 * pool), and each statement is explained with ANALYZE. A plan that reads a
 * whole table (Seq Scan) or sorts more than a thousand rows is what a console call must
 * not do at scale.
 */
import { Kysely, PostgresDialect, type CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { HubSchema } from '../../server/src/db/schema';

export interface PlanSummary {
  statement: string;
  /** "Index Scan using audit_events_pk", "Seq Scan on profiles", "Sort", … as the plan nests them. */
  nodes: string[];
  /** A scan of a whole big table, or a sort of more than a thousand rows, in the plan. */
  wholeTable: boolean;
  executionMs: number;
  text: string[];
}

/** Runs `work` on a recording Kysely and explains (analyze, buffers) every statement it sent. */
export async function plansOf(pool: pg.Pool, work: (db: Kysely<HubSchema>) => Promise<unknown>): Promise<PlanSummary[]> {
  const sent: CompiledQuery[] = [];
  const recording = new Kysely<HubSchema>({
    dialect: new PostgresDialect({ pool }),
    log: (event) => {
      if (event.level === 'query') sent.push(event.query);
    },
  });
  await work(recording);
  const summaries: PlanSummary[] = [];
  for (const query of sent) {
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${query.sql}`, query.parameters as unknown[]);
    const text = rows.map((row) => row['QUERY PLAN']);
    const nodes = text.map((line) => /^\s*(?:->\s*)?([A-Z][A-Za-z ]+?(?: using \S+| on \S+)?)(?:\s+(?:on|using) \S+)?\s+\(cost/.exec(line)?.[1]).filter((node): node is string => Boolean(node));
    const executionMs = Number(/Execution Time: ([\d.]+)/.exec(text.join('\n'))?.[1] ?? NaN);
    // A small table (workspaces, members) read whole is not a scale problem; the console's big ones are.
    const bigSort = (line: string) => /^\s*(->\s*)?Sort\b/.test(line) && Number(/actual time=\S+ rows=(\d+)/.exec(line)?.[1] ?? 0) > 1_000;
    const wholeTable = text.some((line) => /Seq Scan on (audit_events|profiles|identities|identity_conflicts|events|consents|consent_history)\b/.test(line) || bigSort(line));
    summaries.push({ statement: query.sql.replace(/\s+/g, ' ').slice(0, 160), nodes, wholeTable, executionMs, text });
  }
  return summaries;
}
