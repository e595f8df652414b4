import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Budget advice (issue 13).
 *
 * - `budget_advice`: a proposed reallocation of a weekly budget across
 *   channels, fitted from spend and an attribution run: what was asked
 *   (`request`), and the answer (`advice`: per channel the current and
 *   proposed spend, expected return, fitted curve and explanation). It is
 *   'proposed' until a person approves or rejects it; the newest approved
 *   advice is the workspace's active budget plan. Aggregates only: no
 *   customer data.
 */
const statements = [
  `create table budget_advice (
    workspace_id text not null references workspaces(id),
    id text not null,
    status text not null check (status in ('proposed', 'approved', 'rejected')),
    request jsonb not null,
    advice jsonb not null,
    created_by text not null,
    created_at timestamptz not null,
    decided_by text,
    decided_at timestamptz,
    decision_note text,
    primary key (workspace_id, id)
  )`,
  `create index budget_advice_newest on budget_advice (workspace_id, created_at desc, id desc)`,
];

export const budgetAdvice: Migration = {
  async up(db: Kysely<unknown>) {
    for (const statement of statements) await sql.raw(statement).execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql.raw('drop table budget_advice').execute(db);
  },
};
