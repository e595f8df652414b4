/**
 * Customers generated set-based in SQL (generate_series), as ingest would
 * have left them: live profiles with traits (plan, country, seats), a user_id
 * identity each and an email identity for half, consent for email marketing
 * (60 % granted, 10 % denied) and analytics (80 % granted), and on average
 * `eventsPerProfile` events each over the last 90 days (track, identify,
 * page). Every value comes from a hash of the row number, so each run
 * generates the same data whatever plan PostgreSQL picks.
 */
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { HubSchema } from '../../server/src/db/schema';

export interface CustomerGeneration {
  workspaceId: string;
  profiles: number;
  eventsPerProfile: number;
  /** Events happen in the 90 days before this. */
  now: Date;
  /** One value sealed with the Hub's key, for every encrypted column (what it says does not matter here; that the Hub could open it does). */
  sealed: string;
}

/** The tables filled; their secondary indexes are dropped while filling and rebuilt from their own definitions after. */
const tables = ['profiles', 'identities', 'consents', 'events'] as const;

/** A deterministic number in [0, n) for the row number `g` and a salt. */
const pick = (g: string, salt: number, n: number) => sql.raw(`((hashint8((${g})::bigint * 64 + ${salt})::bigint + 2147483648) % ${n})`);
const profileId = (g: string) => sql.raw(`md5('profile-' || (${g}))::uuid::text`);

/** Fills the workspace; prints how long each step took and returns the rows made per table. */
export async function generateCustomers(db: Kysely<HubSchema>, options: CustomerGeneration): Promise<Record<(typeof tables)[number], number>> {
  const { workspaceId: ws, profiles: n, now, sealed } = options;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(options.eventsPerProfile) || options.eventsPerProfile < 0) throw new Error('KATA_BENCH_PROFILES must be a positive whole number and KATA_BENCH_EVENTS_PER_PROFILE a whole number.');
  // 0 to 2 × the mean events per profile, evenly: the mean is eventsPerProfile.
  const eventsOf = pick('g', 1, 2 * options.eventsPerProfile + 1);
  const steps: string[] = [];
  const counts = { profiles: 0, identities: 0, consents: 0, events: 0 };
  const step = async (label: string, work: () => Promise<unknown>) => {
    const started = performance.now();
    await work();
    steps.push(`${label} ${((performance.now() - started) / 1000).toFixed(1)} s`);
  };
  const started = performance.now();

  await db.connection().execute(async (connection) => {
    await sql`set maintenance_work_mem = '512MB'`.execute(connection);
    await sql`set synchronous_commit = off`.execute(connection);
    const { rows: secondary } = await sql<{ name: string; definition: string }>`
      select i.indexname as name, i.indexdef as definition from pg_indexes i
      where i.schemaname = current_schema() and i.tablename in (${sql.join(tables)})
        and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`.execute(connection);
    for (const index of secondary) await sql`drop index ${sql.ref(index.name)}`.execute(connection);

    await step('profiles', async () => {
      const result = await sql`
        insert into profiles (workspace_id, id, email_enc, traits, first_seen_at, last_seen_at, event_count)
        select ${ws}, ${profileId('g')}, case when g % 2 = 0 then ${sealed} end,
          jsonb_build_object(
            'plan', (array['free', 'free', 'free', 'free', 'free', 'starter', 'starter', 'pro', 'pro', 'business'])[1 + ${pick('g', 2, 10)}],
            'country', (array['DE', 'DE', 'DE', 'FR', 'FR', 'GB', 'GB', 'US', 'US', 'US', 'NL', 'ES', 'IT', 'PL', 'AT', 'CH', 'SE', 'DK', 'BE', 'IE'])[1 + ${pick('g', 3, 20)}],
            'seats', 1 + ${pick('g', 4, 50)},
            'newsletter', ${pick('g', 5, 3)} = 0),
          ${now}::timestamptz - interval '90 days', ${now}::timestamptz - make_interval(secs => ${pick('g', 6, 30 * 86_400)}), ${eventsOf}
        from generate_series(1, ${n}::int) g`.execute(connection);
      counts.profiles = Number(result.numAffectedRows);
    });
    await step('identities', async () => {
      const result = await sql`
        insert into identities (workspace_id, kind, value_hash, value_enc, profile_id, first_seen_at)
        select ${ws}, kind, md5(kind || '-' || g), ${sealed}, ${profileId('g')}, ${now}::timestamptz - interval '90 days'
        from generate_series(1, ${n}::int) g cross join (values ('user_id'), ('email')) as k(kind)
        where kind = 'user_id' or g % 2 = 0`.execute(connection);
      counts.identities = Number(result.numAffectedRows);
    });
    await step('consents', async () => {
      const result = await sql`
        insert into consents (workspace_id, profile_id, purpose, status, source, legal_basis, updated_at)
        select ${ws}, ${profileId('g')}, purpose, case when choice < granted then 'granted' else 'denied' end, 'event:identify', 'consent', ${now}::timestamptz - make_interval(secs => ${pick('g', 7, 90 * 86_400)})
        from generate_series(1, ${n}::int) g
        cross join lateral (values ('email-marketing', ${pick('g', 8, 10)}, 6, 7), ('analytics', ${pick('g', 9, 10)}, 8, 8)) as c(purpose, choice, granted, stated)
        where choice < stated`.execute(connection);
      counts.consents = Number(result.numAffectedRows);
    });
    await step('events', async () => {
      const result = await sql`
        insert into events (workspace_id, message_id, type, name, profile_id, properties, context, occurred_at, received_at)
        select ${ws}, md5('event-' || g || '-' || i)::uuid::text,
          case when kind <= 6 then 'track' when kind = 7 then 'identify' else 'page' end,
          case when kind <= 3 then 'Product Viewed' when kind <= 5 then 'Added to Cart' when kind = 6 then 'Order Completed' when kind = 7 then null
            else (array['Home', 'Pricing', 'Docs'])[1 + ${pick('e', 10, 3)}] end,
          ${profileId('g')},
          case when kind <= 5 then jsonb_build_object('productId', 'sku-' || ${pick('e', 11, 5000)}) when kind = 6 then jsonb_build_object('revenue', ${pick('e', 12, 50000)} / 100.0, 'currency', 'EUR') else '{}' end,
          '{"library": {"name": "analytics.js", "version": "5.2.0"}}', at, at
        from generate_series(1, ${n}::int) g
        cross join lateral generate_series(1, ${eventsOf}::int) i
        cross join lateral (select g::bigint * 16 + i as e) numbered
        cross join lateral (select ${pick('e', 13, 10)} as kind, ${now}::timestamptz - make_interval(secs => ${pick('e', 14, 90 * 86_400)}) as at) drawn`.execute(connection);
      counts.events = Number(result.numAffectedRows);
    });
    await step(`${secondary.length} indexes`, async () => {
      for (const index of secondary) await sql.raw(index.definition).execute(connection);
    });
    // As autovacuum would have left tables that grow by inserts: statistics and visibility map up to date, so nothing runs behind the timings.
    await step('vacuum analyze', () => sql.raw(`vacuum (analyze) ${tables.join(', ')}`).execute(connection));
  });
  const total = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`generated ${n.toLocaleString('en-US')} profiles, ${counts.identities.toLocaleString('en-US')} identities, ${counts.consents.toLocaleString('en-US')} consents, ${counts.events.toLocaleString('en-US')} events in ${total} s (${steps.join(', ')})`);
  return counts;
}
