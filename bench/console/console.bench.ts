/**
 * The admin console at scale, on the real PostgreSQL: 100,000 audit events
 * and 1,000,000 customers in a fresh database, then every call the console's
 * audit and customers pages make (first page, filters, later pages by
 * cursor, search by email, user id and phone, a customer opened), each timed
 * over HTTP against the target of 200 ms, with the plan of the SQL the Hub
 * sends for it (a whole-table scan or a big sort is a problem). The database
 * is dropped at the end, also on Ctrl+C; the exit code is 1 when a call
 * missed its target, found the wrong thing, or read a whole table.
 * Run: npm run bench:console (KATA_BENCH_CUSTOMERS, KATA_BENCH_AUDIT_EVENTS,
 * KATA_BENCH_RUNS, KATA_BENCH_EXPLAIN=1 for every plan in full,
 * KATA_BENCH_POSTGRES_URL)
 */
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { selectAuditEvents } from '../../server/src/db/audit-integrity-store';
import * as cdpStore from '../../server/src/db/cdp-store';
import { openDatabase } from '../../server/src/db/database';
import { getWorkspace } from '../../server/src/db/identity-store';
import { consentsOfProfiles } from '../../server/src/db/privacy-store';
import type { HubSchema } from '../../server/src/db/schema';
import type { PersonalDataCipher } from '../../server/src/privacy/personal-data';
import { undoLater } from '../cdp/clean-up';
import { createPostgresDatabase, startHubUnderTest } from '../cdp/hub-under-test';
import { runBench } from '../cdp/run-bench';
import { call } from '../hub/hub-under-test';
import { plansOf, type PlanSummary } from './plans';
import { actionOf, actorIdOf, customer, profileIdOf, seedAuditEvents, seedCustomers } from './seed';

const number = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not "${process.env[name]}".`);
  return value;
};
const customers = number('KATA_BENCH_CUSTOMERS', 1_000_000);
const auditEvents = number('KATA_BENCH_AUDIT_EVENTS', 100_000);
const runs = number('KATA_BENCH_RUNS', 5);
const explainAll = process.env.KATA_BENCH_EXPLAIN === '1';
const targetMs = 200;
const pageSize = 50;

interface ConsoleCall {
  page: 'audit' | 'customers' | 'customer';
  label: string;
  path: string;
  /** What the answer must hold, so that a fast wrong answer does not pass. */
  check: (answer: never) => string | null;
  /** The Hub's store functions this call runs, for their plans. */
  sql: (db: Kysely<HubSchema>) => Promise<unknown>;
}

const median = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const query = (values: Record<string, string | number>) => new URLSearchParams(Object.entries(values).map(([name, value]) => [name, String(value)])).toString();

type AuditAnswer = { events: { sequence: number; action: string; actor: { id: string }; at: string; target: { kind: string; id: string } | null }[]; nextCursor: number | null };
type CustomersAnswer = { customers: { id: string }[]; next: string | null };

function consoleCalls(workspaceId: string, now: Date, cipher: PersonalDataCipher): ConsoleCall[] {
  const ws = workspaceId;
  const audit = (label: string, filter: Record<string, string | number>, check: (answer: AuditAnswer) => string | null): ConsoleCall => {
    const { before, ...stored } = filter as Record<string, string | number | undefined>;
    return {
      page: 'audit',
      label,
      path: `/v1/audit/events?${query({ ...filter, limit: pageSize })}`,
      check: check as (answer: never) => string | null,
      sql: (db) =>
        selectAuditEvents(
          db,
          ws,
          { action: stored.action as string | undefined, actorId: stored.actorId as string | undefined, targetKind: stored.targetKind as string | undefined, targetId: stored.targetId as string | undefined, from: stored.from ? new Date(stored.from) : undefined, to: stored.to ? new Date(stored.to) : undefined },
          { order: 'newest-first', before: before as number | undefined, limit: pageSize + 1 },
        ),
    };
  };
  const full = (answer: AuditAnswer) => (answer.events.length === pageSize ? null : `${answer.events.length} events, not a full page of ${pageSize}`);
  const every = (what: string, test: (event: AuditAnswer['events'][number]) => boolean) => (answer: AuditAnswer) => full(answer) ?? (answer.events.every(test) ? null : `an event that is not ${what}`);
  const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  const middle = Math.floor(auditEvents / 2);
  const rareFrom = daysAgo(150);
  const rareTo = daysAgo(120);
  // An audit event about a customer, for the filter by target.
  let targeted = Math.floor(auditEvents / 3);
  while (!actionOf(targeted).startsWith('customer.')) targeted++;

  const customersCall = (label: string, values: Record<string, string | number>, check: (answer: CustomersAnswer) => string | null, sql: ConsoleCall['sql']): ConsoleCall => ({ page: 'customers', label, path: `/v1/customers?${query({ ...values, limit: pageSize })}`, check: check as (answer: never) => string | null, sql });
  const findsOne = (n: number) => (answer: CustomersAnswer) => (answer.customers.length === 1 && answer.customers[0]!.id === profileIdOf(n) ? null : `found ${answer.customers.map((c) => c.id).join(', ') || 'nobody'}, not ${profileIdOf(n)}`);
  const fullPage = (answer: CustomersAnswer) => (answer.customers.length === pageSize && answer.next ? null : `${answer.customers.length} customers, next ${answer.next}`);
  const lookUp = (kind: 'email' | 'user_id' | 'phone', value: string) => async (db: Kysely<HubSchema>) => {
    const id = await cdpStore.profileIdByIdentifier(db, ws, kind, cipher.lookupHash(ws, kind, value));
    return id && cdpStore.getProfile(db, ws, id);
  };
  const byEmail = customer(424_242 % customers || 1).email;
  const byUserId = customer(999_999 % customers || 2).userId;
  const byPhone = customer(300_003 % customers || 3).phone;
  // A customer with events (every fifth has none) and an identity conflict (see seed.ts).
  const opened = profileIdOf(Math.min(customers - 26, 777_774));
  const profile = `/v1/customers/${opened}`;

  return [
    audit('first page', {}, full),
    audit('second page (cursor)', { before: auditEvents - pageSize }, full),
    audit('a page halfway back (cursor)', { before: middle }, every('older than the cursor', (e) => e.sequence < middle)),
    audit('by actor', { actorId: actorIdOf(42) }, every('by that actor', (e) => e.actor.id === actorIdOf(42))),
    audit('by actor, a later page (cursor)', { actorId: actorIdOf(42), before: middle }, every('by that actor', (e) => e.actor.id === actorIdOf(42) && e.sequence < middle)),
    audit('by a common action', { action: 'member.signed-in' }, every('that action', (e) => e.action === 'member.signed-in')),
    audit('by a rare action', { action: 'audit.exported' }, every('that action', (e) => e.action === 'audit.exported')),
    audit('one day, 100 days ago', { from: daysAgo(100), to: daysAgo(99) }, every('on that day', (e) => e.at >= daysAgo(100) && e.at < daysAgo(99))),
    audit('the last 7 days', { from: daysAgo(7) }, every('in the last 7 days', (e) => e.at >= daysAgo(7))),
    audit('a rare action in a month, 4 months ago', { action: 'sso.saml-updated', from: rareFrom, to: rareTo }, every('that action in that month', (e) => e.action === 'sso.saml-updated' && e.at >= rareFrom && e.at < rareTo)),
    audit('a common action in a month, 5 months ago', { action: 'member.signed-in', from: daysAgo(150), to: daysAgo(120) }, every('that action in that month', (e) => e.action === 'member.signed-in' && e.at >= daysAgo(150) && e.at < daysAgo(120))),
    audit('by actor in a month, 5 months ago', { actorId: actorIdOf(42), from: daysAgo(150), to: daysAgo(120) }, every('by that actor in that month', (e) => e.actor.id === actorIdOf(42) && e.at >= daysAgo(150) && e.at < daysAgo(120))),
    audit('two months, 3 to 5 months ago', { from: daysAgo(150), to: daysAgo(90) }, every('in those months', (e) => e.at >= daysAgo(150) && e.at < daysAgo(90))),
    audit('by actor and action', { actorId: actorIdOf(7), action: 'campaign.synced' }, (answer) => (answer.events.every((e) => e.actor.id === actorIdOf(7) && e.action === 'campaign.synced') && answer.events.length > 0 ? null : 'wrong or no events')),
    audit('by target', { targetKind: 'customer', targetId: profileIdOf(targeted) }, (answer) => (answer.events.length > 0 && answer.events.every((e) => e.target?.id === profileIdOf(targeted)) ? null : 'wrong or no events')),

    customersCall('first page', {}, fullPage, (db) => cdpStore.listProfiles(db, ws, { limit: pageSize })),
    customersCall('second page (cursor)', { after: profileIdOf(50) }, fullPage, (db) => cdpStore.listProfiles(db, ws, { after: profileIdOf(50), limit: pageSize })),
    customersCall('a page halfway through (cursor)', { after: profileIdOf(Math.floor(customers / 2)) }, fullPage, (db) => cdpStore.listProfiles(db, ws, { after: profileIdOf(Math.floor(customers / 2)), limit: pageSize })),
    customersCall('search by email', { identifier: `email:${byEmail}` }, findsOne(424_242 % customers || 1), lookUp('email', byEmail)),
    customersCall('search by user id', { identifier: `user_id:${byUserId}` }, findsOne(999_999 % customers || 2), lookUp('user_id', byUserId)),
    customersCall('search by phone', { identifier: `phone:${byPhone}` }, findsOne(300_003 % customers || 3), lookUp('phone', byPhone)),
    customersCall('search that finds nobody', { identifier: 'email:nobody@bench.example' }, (answer) => (answer.customers.length === 0 ? null : 'found someone'), lookUp('email', 'nobody@bench.example')),

    {
      page: 'customer',
      label: 'open: profile, identities, consent',
      path: profile,
      check: ((answer: { id: string; email: string | null; identities: unknown[]; conflicts: unknown[] }) => (answer.id === opened && answer.email?.endsWith('@bench.example') && answer.identities.length >= 2 && answer.conflicts.length === 1 ? null : 'not the customer opened, not decrypted, or without its conflict')) as (answer: never) => string | null,
      sql: async (db) => {
        await cdpStore.getProfile(db, ws, opened);
        await getWorkspace(db, ws);
        await consentsOfProfiles(db, ws, [opened]);
        await cdpStore.mergesInto(db, ws, opened);
        await cdpStore.conflictsOf(db, ws, opened);
        await cdpStore.identitiesOf(db, ws, opened);
      },
    },
    { page: 'customer', label: 'open: events, first page', path: `${profile}/events?limit=${pageSize}`, check: ((answer: { events: unknown[] }) => (answer.events.length > 0 ? null : 'no events')) as (answer: never) => string | null, sql: (db) => cdpStore.eventsOf(db, ws, opened, { limit: pageSize }) },
    { page: 'customer', label: 'open: consent history', path: `${profile}/consent-history`, check: ((answer: { history: unknown[] }) => (answer.history.length === 2 ? null : `${answer.history.length} changes, not 2`)) as (answer: never) => string | null, sql: (db) => cdpStore.consentHistoryOf(db, ws, opened) },
  ];
}

function row(cells: (string | number)[]): string {
  const widths = [10, 44, 11, 11, 11, 8, 0];
  return cells.map((cell, i) => (i <= 1 || i === 6 ? String(cell).padEnd(widths[i]!) : String(cell).padStart(widths[i]!))).join(' ');
}

async function main(): Promise<number> {
  console.log(`The console at scale on the real PostgreSQL: ${auditEvents.toLocaleString('en-US')} audit events, ${customers.toLocaleString('en-US')} customers; ${runs} runs per call, median reported; target < ${targetMs} ms per call`);
  const problems: string[] = [];
  const database = await createPostgresDatabase();
  const opened = await openDatabase({ url: database.url });
  const close = undoLater(() => opened.close());
  const hub = await startHubUnderTest({ databaseUrl: database.url });
  const now = new Date();
  const seedStarted = performance.now();
  await seedAuditEvents(opened.db, { workspaceId: hub.workspaceId, count: auditEvents, now, days: 180 });
  console.log(`seeded ${auditEvents.toLocaleString('en-US')} audit events on the hash chain in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
  console.log(`seeded ${customers.toLocaleString('en-US')} customers in ${await seedCustomers(opened.db, { workspaceId: hub.workspaceId, count: customers, now, cipher: hub.cipher })}`);
  const pool = opened.native.kind === 'postgres' ? opened.native.pool : undefined;
  if (!pool) throw new Error('The console bench needs PostgreSQL.');

  console.log(`\n${row(['page', 'call', 'median ms', 'first ms', 'max ms', 'target', 'plan (SQL the Hub sends)'])}`);
  const slowPlans: { label: string; plans: PlanSummary[] }[] = [];
  for (const consoleCall of consoleCalls(hub.workspaceId, now, hub.cipher)) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const answer = await call(hub.url, 'GET', consoleCall.path, undefined, hub.accessToken);
      times.push(performance.now() - started);
      const wrong = consoleCall.check(answer as never);
      if (wrong && run === 0) problems.push(`${consoleCall.page}: ${consoleCall.label} (${consoleCall.path}): ${wrong}`);
    }
    const plans = await plansOf(pool, consoleCall.sql);
    const middle = median(times);
    const met = middle < targetMs;
    if (!met) problems.push(`${consoleCall.page}: ${consoleCall.label} took ${middle.toFixed(1)} ms (median), over ${targetMs} ms`);
    const whole = plans.filter((plan) => plan.wholeTable);
    if (whole.length > 0) problems.push(`${consoleCall.page}: ${consoleCall.label} reads a whole table or sorts a big set: ${whole.map((plan) => plan.nodes.join(' > ')).join('; ')}`);
    if (whole.length > 0 || explainAll) slowPlans.push({ label: `${consoleCall.page}: ${consoleCall.label}`, plans });
    const mainPlan = plans.reduce<PlanSummary | undefined>((slowest, plan) => (!slowest || plan.executionMs > slowest.executionMs ? plan : slowest), undefined);
    console.log(row([consoleCall.page, consoleCall.label, middle.toFixed(1), times[0]!.toFixed(1), Math.max(...times).toFixed(1), met ? 'met' : 'MISSED', mainPlan ? `${mainPlan.nodes.join(' > ')} (${mainPlan.executionMs.toFixed(2)} ms in PostgreSQL)` : '']));
  }
  for (const { label, plans } of slowPlans) {
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS), ${label}:`);
    for (const plan of plans) console.log(`  ${plan.statement}\n${plan.text.map((line) => `    ${line}`).join('\n')}`);
  }
  for (const problem of problems) console.error(`FAILED: ${problem}`);
  await hub.stop();
  await close();
  await database.drop();
  return problems.length > 0 ? 1 : 0;
}

runBench(main, 'dropping the bench database');
