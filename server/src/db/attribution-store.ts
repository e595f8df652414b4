import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { HubSchema } from './schema';

/** Attribution's SQL: settings, spend, the journey reads (filtered and paged here, never whole), holdouts, runs, links, job progress. */
type Db = Kysely<HubSchema> | Transaction<HubSchema>;

export interface ConversionEventSetting {
  name: string;
  valueProperty: string;
  currencyProperty: string;
}

export interface StoredAttributionSettings {
  channelRules: unknown;
  conversionEvents: ConversionEventSetting[];
  lookbackDays: number;
  reportingCurrency: string;
}

export async function readAttributionSettings(db: Db, workspaceId: string): Promise<StoredAttributionSettings | undefined> {
  const row = await db.selectFrom('attribution_settings').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
  if (!row) return undefined;
  return { channelRules: row.channel_rules, conversionEvents: row.conversion_events as ConversionEventSetting[], lookbackDays: row.lookback_days, reportingCurrency: row.reporting_currency };
}

export async function saveAttributionSettings(db: Db, workspaceId: string, settings: StoredAttributionSettings, now: Date): Promise<void> {
  const values = {
    channel_rules: settings.channelRules === null ? null : JSON.stringify(settings.channelRules),
    conversion_events: JSON.stringify(settings.conversionEvents),
    lookback_days: settings.lookbackDays,
    reporting_currency: settings.reportingCurrency,
    updated_at: now,
  };
  await db
    .insertInto('attribution_settings')
    .values({ workspace_id: workspaceId, ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
}

// ---- spend

export interface SpendLine {
  day: string;
  channel: string;
  campaign: string;
  currency: string;
  amount: number;
}

/** Writes spend lines; a line for a day, channel and campaign already there replaces it. */
export async function upsertSpend(tx: Db, workspaceId: string, lines: readonly SpendLine[], source: string, now: Date): Promise<void> {
  for (let i = 0; i < lines.length; i += 500) {
    const rows = lines.slice(i, i + 500).map((l) => ({ workspace_id: workspaceId, day: l.day, channel: l.channel, campaign: l.campaign, currency: l.currency, amount: l.amount, source, imported_at: now }));
    await tx
      .insertInto('attribution_spend')
      .values(rows)
      .onConflict((oc) => oc.columns(['workspace_id', 'day', 'channel', 'campaign']).doUpdateSet((eb) => ({ currency: eb.ref('excluded.currency'), amount: eb.ref('excluded.amount'), source: eb.ref('excluded.source'), imported_at: eb.ref('excluded.imported_at') })))
      .execute();
  }
}

export interface SpendRow extends SpendLine {
  week: string;
}

/** Spend between two days (inclusive, YYYY-MM-DD), with the UTC Monday of each line's week. */
export async function spendBetween(db: Db, workspaceId: string, fromDay: string, toDay: string): Promise<SpendRow[]> {
  const result = await sql<{ day: string; week: string; channel: string; campaign: string; currency: string; amount: string }>`
    select to_char(day, 'YYYY-MM-DD') as day, to_char(date_trunc('week', day::timestamp), 'YYYY-MM-DD') as week, channel, campaign, currency, amount::text as amount
    from attribution_spend
    where workspace_id = ${workspaceId} and day >= ${fromDay}::date and day <= ${toDay}::date
    order by day, channel, campaign`.execute(db);
  return result.rows.map((r) => ({ ...r, amount: Number(r.amount) }));
}

// ---- journeys

/** External conversions stored against these customers or against profiles merged into them since. */
function ofCustomers(workspaceId: string, customers: readonly string[]): RawBuilder<unknown> {
  return sql`(x.profile_id in (${sql.join(customers)}) or x.profile_id in (select id from profiles where workspace_id = ${workspaceId} and merged_into in (${sql.join(customers)})))`;
}

/** The value and currency of a conversion event, read from its configured properties (a value that is not a number ≥ 0, a refund for one, reads as 0). */
function conversionColumns(settings: readonly ConversionEventSetting[]): { join: RawBuilder<unknown>; value: RawBuilder<string>; currency: RawBuilder<string | null> } {
  const rows = settings.map((s) => sql`(${s.name}, ${s.valueProperty}, ${s.currencyProperty})`);
  return {
    join: sql`join (values ${sql.join(rows)}) as c(name, value_property, currency_property) on e.name = c.name`,
    value: sql<string>`case when (e.properties ->> c.value_property) ~ '^[0-9]+(\\.[0-9]+)?$' then (e.properties ->> c.value_property) else '0' end`,
    currency: sql<string | null>`upper(e.properties ->> c.currency_property)`,
  };
}

/**
 * A page of the customers with events in the window, in id order after
 * `after`. Merges move a customer's events onto the surviving profile, so
 * a stored profile id holds all of a customer's events.
 */
export async function customersWithEvents(db: Db, options: { workspaceId: string; since: Date; until: Date; after: string | null; limit: number }): Promise<string[]> {
  const { workspaceId, since, until, after, limit } = options;
  const result = await sql<{ profile_id: string }>`
    select e.profile_id from events e
    where e.workspace_id = ${workspaceId} and e.occurred_at >= ${since} and e.occurred_at <= ${until} ${after === null ? sql`` : sql`and e.profile_id > ${after}`}
    group by e.profile_id order by e.profile_id limit ${limit}`.execute(db);
  return result.rows.map((r) => r.profile_id);
}

/** How many customers have events in the window: the total a run's progress counts towards. */
export async function countCustomersWithEvents(db: Db, options: { workspaceId: string; since: Date; until: Date }): Promise<number> {
  const result = await sql<{ count: string }>`
    select count(distinct e.profile_id)::text as count from events e where e.workspace_id = ${options.workspaceId} and e.occurred_at >= ${options.since} and e.occurred_at <= ${options.until}`.execute(db);
  return Number(result.rows[0]?.count ?? 0);
}

export interface TouchEventRow {
  customer: string;
  type: string;
  page: Record<string, unknown> | null;
  campaign: Record<string, unknown> | null;
  url: string | null;
  referrer: string | null;
  occurred_at: Date;
}

/** The events of these customers in the window that may be touches: page views, and events with campaign context or a URL. */
export async function touchEvents(db: Db, options: { workspaceId: string; customers: string[]; since: Date; until: Date }): Promise<TouchEventRow[]> {
  const { workspaceId, customers, since, until } = options;
  if (customers.length === 0) return [];
  const result = await sql<TouchEventRow>`
    select coalesce(p.merged_into, e.profile_id) as customer, e.type, e.context -> 'page' as page, e.context -> 'campaign' as campaign,
      e.properties ->> 'url' as url, e.properties ->> 'referrer' as referrer, e.occurred_at
    from events e left join profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id
    where e.workspace_id = ${workspaceId} and e.profile_id in (${sql.join(customers)}) and e.occurred_at >= ${since} and e.occurred_at <= ${until}
      and (e.type = 'page' or e.context -> 'campaign' is not null or e.context -> 'page' -> 'url' is not null or e.properties -> 'url' is not null)
    order by e.occurred_at, e.message_id`.execute(db);
  return result.rows.map((r) => ({ ...r, occurred_at: new Date(r.occurred_at) }));
}

export interface ConversionRow {
  customer: string | null;
  occurred_at: Date;
  value: number;
  currency: string | null;
  /** `event` or the external source (a CRM). */
  source: string;
}

/** The conversions of these customers in the window: conversion events, and external conversions (CRM deals) of them or of profiles merged into them. */
export async function conversionsOf(db: Db, options: { workspaceId: string; customers: string[]; since: Date; until: Date; conversionEvents: readonly ConversionEventSetting[] }): Promise<ConversionRow[]> {
  const { workspaceId, customers, since, until, conversionEvents } = options;
  if (customers.length === 0) return [];
  const rows: ConversionRow[] = [];
  if (conversionEvents.length > 0) {
    const c = conversionColumns(conversionEvents);
    const events = await sql<{ customer: string; occurred_at: Date; value: string; currency: string | null }>`
      select coalesce(p.merged_into, e.profile_id) as customer, e.occurred_at, ${c.value} as value, ${c.currency} as currency
      from events e ${c.join} left join profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id
      where e.workspace_id = ${workspaceId} and e.profile_id in (${sql.join(customers)}) and e.occurred_at >= ${since} and e.occurred_at <= ${until}`.execute(db);
    for (const r of events.rows) rows.push({ customer: r.customer, occurred_at: new Date(r.occurred_at), value: Number(r.value), currency: r.currency, source: 'event' });
  }
  const external = await sql<{ customer: string; occurred_at: Date; value: string; currency: string; source: string }>`
    select coalesce(p.merged_into, x.profile_id) as customer, x.occurred_at, greatest(x.value, 0)::text as value, upper(x.currency) as currency, x.source
    from external_conversions x left join profiles p on p.workspace_id = x.workspace_id and p.id = x.profile_id
    where x.workspace_id = ${workspaceId} and x.occurred_at >= ${since} and x.occurred_at <= ${until}
      and ${ofCustomers(workspaceId, customers)}`.execute(db);
  for (const r of external.rows) rows.push({ customer: r.customer, occurred_at: new Date(r.occurred_at), value: Number(r.value), currency: r.currency, source: r.source });
  return rows;
}

/** Each customer's first conversion ever (event or external), for telling new customers from returning ones. */
export async function firstConversionTimes(db: Db, options: { workspaceId: string; customers: string[]; conversionEvents: readonly ConversionEventSetting[] }): Promise<Map<string, number>> {
  const { workspaceId, customers, conversionEvents } = options;
  const first = new Map<string, number>();
  if (customers.length === 0) return first;
  const names = conversionEvents.map((c) => c.name);
  const result = await sql<{ customer: string; first_at: Date }>`
    select customer, min(occurred_at) as first_at from (
      ${names.length > 0 ? sql`select coalesce(p.merged_into, e.profile_id) as customer, e.occurred_at from events e left join profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id
        where e.workspace_id = ${workspaceId} and e.profile_id in (${sql.join(customers)}) and e.name in (${sql.join(names)}) union all` : sql``}
      select coalesce(p.merged_into, x.profile_id) as customer, x.occurred_at from external_conversions x left join profiles p on p.workspace_id = x.workspace_id and p.id = x.profile_id
        where x.workspace_id = ${workspaceId} and ${ofCustomers(workspaceId, customers)}
    ) c group by customer`.execute(db);
  for (const r of result.rows) first.set(r.customer, new Date(r.first_at).getTime());
  return first;
}

/** All conversions in the range, per currency, whether or not anyone can be credited: the totals that unattributed conversions are counted against. */
export async function conversionTotals(db: Db, options: { workspaceId: string; from: Date; to: Date; conversionEvents: readonly ConversionEventSetting[] }): Promise<{ currency: string | null; conversions: number; value: number }[]> {
  const { workspaceId, from, to, conversionEvents } = options;
  const parts = [
    sql`select upper(x.currency) as currency, greatest(x.value, 0) as value from external_conversions x where x.workspace_id = ${workspaceId} and x.occurred_at >= ${from} and x.occurred_at <= ${to}`,
  ];
  if (conversionEvents.length > 0) {
    const c = conversionColumns(conversionEvents);
    parts.push(sql`select ${c.currency} as currency, (${c.value})::numeric as value from events e ${c.join} where e.workspace_id = ${workspaceId} and e.occurred_at >= ${from} and e.occurred_at <= ${to}`);
  }
  const result = await sql<{ currency: string | null; conversions: string; value: string }>`
    select currency, count(*)::text as conversions, coalesce(sum(value), 0)::text as value from (${sql.join(parts, sql` union all `)}) t group by currency order by currency`.execute(db);
  return result.rows.map((r) => ({ currency: r.currency, conversions: Number(r.conversions), value: Number(r.value) }));
}

/** Customers whose first conversion ever falls in the range, for CAC. */
export async function newCustomerCount(db: Db, options: { workspaceId: string; from: Date; to: Date; conversionEvents: readonly ConversionEventSetting[] }): Promise<number> {
  const { workspaceId, from, to, conversionEvents } = options;
  const names = conversionEvents.map((c) => c.name);
  const result = await sql<{ count: string }>`
    select count(*)::text as count from (
      select customer, min(occurred_at) as first_at from (
        ${names.length > 0 ? sql`select coalesce(p.merged_into, e.profile_id) as customer, e.occurred_at from events e left join profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id where e.workspace_id = ${workspaceId} and e.name in (${sql.join(names)}) and e.occurred_at <= ${to} union all` : sql``}
        select coalesce(p.merged_into, x.profile_id) as customer, x.occurred_at from external_conversions x left join profiles p on p.workspace_id = x.workspace_id and p.id = x.profile_id where x.workspace_id = ${workspaceId} and x.profile_id is not null and x.occurred_at <= ${to}
      ) c group by customer
    ) f where first_at >= ${from}`.execute(db);
  return Number(result.rows[0]?.count ?? 0);
}

/** Names of Studio campaigns synced to the Hub, by record id. */
export async function campaignNames(db: Db, workspaceId: string, ids: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (ids.length === 0) return names;
  const rows = await db.selectFrom('sync_records').select(['record_id', 'fields']).where('workspace_id', '=', workspaceId).where('record_type', '=', 'campaign').where('deleted', '=', false).where('record_id', 'in', ids).execute();
  for (const row of rows) if (typeof row.fields.name === 'string') names.set(row.record_id, row.fields.name);
  return names;
}

export async function campaignExists(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const row = await db.selectFrom('sync_records').select('record_id').where('workspace_id', '=', workspaceId).where('record_type', '=', 'campaign').where('deleted', '=', false).where('record_id', '=', id).executeTakeFirst();
  return row !== undefined;
}

// ---- runs

export type RunRow = Awaited<ReturnType<typeof getRun>>;

export async function createRun(db: Db, run: { workspaceId: string; id: string; models: string[]; modelOptions: Record<string, unknown>; grouping: 'channel' | 'campaign'; from: Date; to: Date; requestedBy: string; now: Date }): Promise<void> {
  await db
    .insertInto('attribution_runs')
    .values({ workspace_id: run.workspaceId, id: run.id, models: JSON.stringify(run.models), model_options: JSON.stringify(run.modelOptions), grouping: run.grouping, from_at: run.from, to_at: run.to, status: 'queued', requested_by: run.requestedBy, created_at: run.now, report: null })
    .execute();
}

export async function updateRun(db: Db, workspaceId: string, id: string, change: { status?: 'running' | 'completed' | 'failed'; jobId?: string; report?: unknown; error?: string; completedAt?: Date }): Promise<void> {
  await db
    .updateTable('attribution_runs')
    .set({
      ...(change.status && { status: change.status }),
      ...(change.jobId && { job_id: change.jobId }),
      ...(change.report !== undefined && { report: JSON.stringify(change.report) }),
      ...(change.error !== undefined && { error: change.error }),
      ...(change.completedAt && { completed_at: change.completedAt }),
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

export function getRun(db: Db, workspaceId: string, id: string) {
  return db.selectFrom('attribution_runs').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

export function listRuns(db: Db, workspaceId: string, limit: number) {
  return db.selectFrom('attribution_runs').select(['id', 'models', 'model_options', 'grouping', 'from_at', 'to_at', 'status', 'job_id', 'error', 'requested_by', 'created_at', 'completed_at']).where('workspace_id', '=', workspaceId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

// ---- holdouts

export type HoldoutRow = Awaited<ReturnType<typeof listHoldouts>>[number];

export async function createHoldout(db: Db, holdout: { workspace_id: string; id: string; name: string; campaign_id: string; segment_id: string; share: number; created_by: string; created_at: Date }): Promise<void> {
  await db.insertInto('attribution_holdouts').values(holdout).execute();
}

export function listHoldouts(db: Db, workspaceId: string) {
  return db.selectFrom('attribution_holdouts').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
}

export function getHoldout(db: Db, workspaceId: string, id: string) {
  return db.selectFrom('attribution_holdouts').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
}

/**
 * The holdout bucket of a customer, in [0, 1): the first 32 bits of
 * SHA-256("<holdout id>:<customer id>") over 2^32. The same computation as
 * `holdoutBucket` in attribution/holdouts.ts.
 */
function bucketSql(holdoutId: string, profile: RawBuilder<string>): RawBuilder<number> {
  return sql<number>`(('x' || substr(encode(sha256(convert_to(${holdoutId} || ':' || ${profile}, 'UTF8')), 'hex'), 1, 8))::bit(32)::bigint / 4294967296.0)`;
}

/**
 * Treated and held-out members of a segment's membership version, and how
 * many of each converted in the window (any conversion event or external
 * conversion of theirs, merges followed).
 */
export async function holdoutCounts(db: Db, options: { workspaceId: string; holdoutId: string; share: number; segmentId: string; version: number; from: Date; to: Date; conversionEvents: readonly ConversionEventSetting[] }): Promise<{ held: boolean; members: number; converted: number }[]> {
  const { workspaceId, holdoutId, share, segmentId, version, from, to, conversionEvents } = options;
  const names = conversionEvents.map((c) => c.name);
  const result = await sql<{ held: boolean; members: string; converted: string }>`
    with members as (
      select coalesce(p.merged_into, m.profile_id) as customer from segment_members m left join profiles p on p.workspace_id = m.workspace_id and p.id = m.profile_id
      where m.workspace_id = ${workspaceId} and m.segment_id = ${segmentId} and m.version = ${version} group by 1
    ), converted as (
      ${names.length > 0 ? sql`select coalesce(p.merged_into, e.profile_id) as customer from events e left join profiles p on p.workspace_id = e.workspace_id and p.id = e.profile_id where e.workspace_id = ${workspaceId} and e.name in (${sql.join(names)}) and e.occurred_at >= ${from} and e.occurred_at <= ${to} union` : sql``}
      select coalesce(p.merged_into, x.profile_id) from external_conversions x left join profiles p on p.workspace_id = x.workspace_id and p.id = x.profile_id where x.workspace_id = ${workspaceId} and x.profile_id is not null and x.occurred_at >= ${from} and x.occurred_at <= ${to}
    )
    select ${bucketSql(holdoutId, sql<string>`m.customer`)} < ${share} as held, count(*)::text as members, count(c.customer)::text as converted
    from members m left join (select distinct customer from converted) c on c.customer = m.customer
    group by 1`.execute(db);
  return result.rows.map((r) => ({ held: r.held, members: Number(r.members), converted: Number(r.converted) }));
}

/** A page of the customers a holdout withholds (in id order), for whoever sends the campaign to leave them out. */
export async function heldOutMembersPage(db: Db, options: { workspaceId: string; holdoutId: string; share: number; segmentId: string; version: number; after: string | null; limit: number }): Promise<string[]> {
  const { workspaceId, holdoutId, share, segmentId, version, after, limit } = options;
  const result = await sql<{ profile_id: string }>`
    select m.profile_id from segment_members m
    where m.workspace_id = ${workspaceId} and m.segment_id = ${segmentId} and m.version = ${version} ${after === null ? sql`` : sql`and m.profile_id > ${after}`}
      and ${bucketSql(holdoutId, sql<string>`m.profile_id`)} < ${share}
    order by m.profile_id limit ${limit}`.execute(db);
  return result.rows.map((r) => r.profile_id);
}

// ---- tracking links

export async function createTrackingLink(db: Db, link: { workspace_id: string; id: string; campaign_id: string; channel: string; destination_url: string; created_by: string; created_at: Date }): Promise<void> {
  await db.insertInto('attribution_tracking_links').values(link).execute();
}

export function listTrackingLinks(db: Db, workspaceId: string) {
  return db.selectFrom('attribution_tracking_links').selectAll().where('workspace_id', '=', workspaceId).orderBy('created_at').orderBy('id').execute();
}

/** A live link by its id alone: the redirect is public, and the id is unguessable. */
export function liveTrackingLink(db: Db, id: string) {
  return db.selectFrom('attribution_tracking_links').selectAll().where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
}

export async function revokeTrackingLink(db: Db, workspaceId: string, id: string, at: Date): Promise<boolean> {
  const result = await db.updateTable('attribution_tracking_links').set({ revoked_at: at }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
