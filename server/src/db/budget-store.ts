import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { HubSchema } from './schema';

/** Budget advice and the attribution runs it is fitted from; every query scoped by workspace. */
type Db = Kysely<HubSchema> | Transaction<HubSchema>;
export type BudgetAdviceRow = Selectable<HubSchema['budget_advice']>;

/** jsonb comes back parsed from PostgreSQL and as text from some PGlite paths: read both. */
function fromJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

function toRow(row: BudgetAdviceRow): BudgetAdviceRow {
  return { ...row, request: fromJson(row.request), advice: fromJson(row.advice) };
}

export async function createAdvice(tx: Db, row: { workspaceId: string; id: string; request: unknown; advice: unknown; createdBy: string; now: Date }): Promise<void> {
  await tx
    .insertInto('budget_advice')
    .values({ workspace_id: row.workspaceId, id: row.id, status: 'proposed', request: JSON.stringify(row.request), advice: JSON.stringify(row.advice), created_by: row.createdBy, created_at: row.now })
    .execute();
}

export async function getAdvice(db: Db, workspaceId: string, id: string): Promise<BudgetAdviceRow | undefined> {
  const row = await db.selectFrom('budget_advice').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
  return row && toRow(row);
}

/** Newest first. */
export async function listAdvice(db: Db, workspaceId: string, limit: number): Promise<BudgetAdviceRow[]> {
  const rows = await db.selectFrom('budget_advice').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toRow);
}

/** Holds the workspace's row until the transaction ends, so that two decisions on its budget apply one after the other. */
export async function lockWorkspaceBudget(tx: Transaction<HubSchema>, workspaceId: string): Promise<void> {
  await tx.selectFrom('workspaces').select('id').where('id', '=', workspaceId).forUpdate().execute();
}

/** The newest approved advice made after the given one, if any: approving the older one would put a stale plan in force. */
export async function newerApproved(db: Db, workspaceId: string, than: { createdAt: Date; id: string }): Promise<BudgetAdviceRow | undefined> {
  const row = await db
    .selectFrom('budget_advice')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'approved')
    .where((eb) => eb.or([eb('created_at', '>', than.createdAt), eb.and([eb('created_at', '=', than.createdAt), eb('id', '>', than.id)])]))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row && toRow(row);
}

export async function decideAdvice(tx: Db, workspaceId: string, id: string, decision: { status: 'approved' | 'rejected'; decidedBy: string; decidedAt: Date; note: string | null }): Promise<void> {
  await tx
    .updateTable('budget_advice')
    .set({ status: decision.status, decided_by: decision.decidedBy, decided_at: decision.decidedAt, decision_note: decision.note })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** The active budget plan: the newest approved advice (an older one can no longer be approved once a newer one is). */
export async function activePlan(db: Db, workspaceId: string): Promise<BudgetAdviceRow | undefined> {
  const row = await db.selectFrom('budget_advice').selectAll().where('workspace_id', '=', workspaceId).where('status', '=', 'approved').orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
  return row && toRow(row);
}

/** The newest completed attribution run by channel that covers the range and ran the model, with its report. */
export async function channelRunCovering(db: Db, options: { workspaceId: string; from: Date; to: Date; model: string }): Promise<{ id: string; from: Date; to: Date; report: unknown } | undefined> {
  const row = await db
    .selectFrom('attribution_runs')
    .select(['id', 'from_at', 'to_at', 'report'])
    .where('workspace_id', '=', options.workspaceId)
    .where('status', '=', 'completed')
    .where('grouping', '=', 'channel')
    .where('from_at', '<=', options.from)
    .where('to_at', '>=', options.to)
    .where(sql<boolean>`models @> ${JSON.stringify([options.model])}::jsonb`)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  return row && { id: row.id, from: row.from_at, to: row.to_at, report: fromJson(row.report) };
}
