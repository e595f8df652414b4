/**
 * What the console's audit and customers pages read, generated at scale on
 * the bench's database: audit events appended to the workspace's real hash
 * chain, and customer profiles whose personal fields are sealed and hashed
 * with the Hub's own keys (so looking one up by email, user id or phone goes
 * the Hub's way and finds them), with consent, its history and events.
 * Personal data is made in Node (the Hub's cipher) and sent in batches of
 * arrays; what is not personal is generated in SQL (generate_series).
 */
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import { appendEvent, type ChainedAuditEvent } from '../../src/shared/audit/hash-chain';
import type { HubSchema } from '../../server/src/db/schema';
import type { PersonalDataCipher } from '../../server/src/privacy/personal-data';

const batchSize = 20_000;
/** Every third customer has a phone number. */
export const hasPhone = (n: number) => n % 3 === 0;
export const customer = (n: number) => ({ userId: `u-${n}`, email: `customer${n}@bench.example`, phone: `+4915${String(n).padStart(9, '0')}` });
export const profileIdOf = (n: number) => `p-${String(n).padStart(8, '0')}-${((n * 2_654_435_761) % 4_294_967_296).toString(16)}`;

/** Actions in the proportions a busy workspace has them: sign-ins most, rare admin changes least. */
const actions = [...Array<string>(40).fill('member.signed-in'), ...Array<string>(25).fill('customer.consent-set'), ...Array<string>(10).fill('segment.snapshot'), ...Array<string>(8).fill('campaign.synced'), ...Array<string>(6).fill('connector.run'), 'sso.saml-updated', 'member.role-changed', 'api-key.created', 'api-key.revoked', 'member.invited', 'audit.exported'];
export const actionOf = (n: number) => actions[(n * 7919) % actions.length]!;
export const actorIdOf = (n: number) => `user-${String(n % 200).padStart(3, '0')}`;

async function timedStep(steps: string[], label: string, work: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await work();
  steps.push(`${label} ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Appends `count` events to the workspace's chain, recorded evenly over the `days` before `now`, oldest first. */
export async function seedAuditEvents(db: Kysely<HubSchema>, options: { workspaceId: string; count: number; now: Date; days: number }): Promise<void> {
  const { workspaceId, count, now } = options;
  const last = await db.selectFrom('audit_events').select(['sequence', 'hash']).where('workspace_id', '=', workspaceId).orderBy('sequence', 'desc').limit(1).executeTakeFirst();
  let previous: Pick<ChainedAuditEvent, 'sequence' | 'hash'> | null = last ?? null;
  const start = now.getTime() - options.days * 86_400_000;
  const step = (options.days * 86_400_000) / count;
  for (let from = 0; from < count; from += batchSize) {
    const rows: { sequence: number; event: string; previousHash: string; hash: string; recordedAt: string }[] = [];
    for (let n = from; n < Math.min(count, from + batchSize); n++) {
      const at = new Date(start + n * step).toISOString();
      const action = actionOf(n);
      const chained: ChainedAuditEvent = (previous = appendEvent(previous, {
        workspaceId,
        actor: { kind: 'user', id: actorIdOf(n) },
        action,
        target: action.startsWith('customer.') ? { kind: 'customer', id: profileIdOf(n) } : { kind: action.split('.')[0]!, id: `t-${n % 5000}` },
        at,
        ip: `10.0.${n % 250}.${n % 200}`,
        userAgent: 'Mozilla/5.0 (bench)',
        requestId: `req-${n}`,
        changeDigest: null,
      }));
      const { previousHash, hash, ...content } = chained;
      rows.push({ sequence: chained.sequence, event: JSON.stringify(content), previousHash, hash, recordedAt: at });
    }
    await sql`
      insert into audit_events (workspace_id, sequence, event, previous_hash, hash, recorded_at)
      select ${workspaceId}, s, e::jsonb, p, h, r::timestamptz
      from unnest(${rows.map((r) => r.sequence)}::int[], ${rows.map((r) => r.event)}::text[], ${rows.map((r) => r.previousHash)}::text[], ${rows.map((r) => r.hash)}::text[], ${rows.map((r) => r.recordedAt)}::text[]) as t(s, e, p, h, r)`.execute(db);
  }
}

/** The tables filled; their secondary indexes are dropped while filling and rebuilt from their own definitions after. */
const customerTables = ['profiles', 'identities', 'identity_conflicts', 'consents', 'consent_history', 'events'] as const;

/** `count` customers numbered from 1: sealed email, phone for a third, a user id each; two events on average; consent for two purposes with its history; one in 50 in an identity conflict. */
export async function seedCustomers(db: Kysely<HubSchema>, options: { workspaceId: string; count: number; now: Date; cipher: PersonalDataCipher }): Promise<string> {
  const { workspaceId: ws, count, now, cipher } = options;
  const steps: string[] = [];
  const started = performance.now();
  await db.connection().execute(async (connection) => {
    await sql`set maintenance_work_mem = '512MB'`.execute(connection);
    await sql`set synchronous_commit = off`.execute(connection);
    const { rows: secondary } = await sql<{ name: string; definition: string }>`
      select i.indexname as name, i.indexdef as definition from pg_indexes i
      where i.schemaname = current_schema() and i.tablename in (${sql.join(customerTables)})
        and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`.execute(connection);
    for (const index of secondary) await sql`drop index ${sql.ref(index.name)}`.execute(connection);

    await timedStep(steps, 'profiles and identities (sealed and hashed in Node)', async () => {
      for (let from = 1; from <= count; from += batchSize) {
        const numbers: number[] = [];
        const ids: string[] = [];
        const emails: string[] = [];
        const phones: (string | null)[] = [];
        const identity = { kind: [] as string[], hash: [] as string[], sealed: [] as string[], profile: [] as string[] };
        const addIdentity = (kind: string, value: string, sealed: string, profileId: string) => {
          identity.kind.push(kind);
          identity.hash.push(cipher.lookupHash(ws, kind, value));
          identity.sealed.push(sealed);
          identity.profile.push(profileId);
        };
        for (let n = from; n < Math.min(count + 1, from + batchSize); n++) {
          const id = profileIdOf(n);
          const person = customer(n);
          const email = cipher.encrypt(person.email);
          const phone = hasPhone(n) ? cipher.encrypt(person.phone) : null;
          numbers.push(n);
          ids.push(id);
          emails.push(email);
          phones.push(phone);
          addIdentity('user_id', person.userId, cipher.encrypt(person.userId), id);
          addIdentity('email', person.email, email, id);
          if (phone) addIdentity('phone', person.phone, phone, id);
        }
        await sql`
          insert into profiles (workspace_id, id, email_enc, phone_enc, traits, first_seen_at, last_seen_at, event_count)
          select ${ws}, id, email, phone,
            jsonb_build_object('plan', (array['free', 'starter', 'pro', 'business'])[1 + n % 4], 'country', (array['DE', 'FR', 'GB', 'US', 'NL'])[1 + n % 5]),
            ${now}::timestamptz - interval '180 days', ${now}::timestamptz - make_interval(secs => (n::bigint * 7919) % (90 * 86400)), n % 5
          from unnest(${numbers}::int[], ${ids}::text[], ${emails}::text[], ${phones}::text[]) as t(n, id, email, phone)`.execute(connection);
        await sql`
          insert into identities (workspace_id, kind, value_hash, value_enc, profile_id, first_seen_at)
          select ${ws}, kind, hash, sealed, profile, ${now}::timestamptz - interval '180 days'
          from unnest(${identity.kind}::text[], ${identity.hash}::text[], ${identity.sealed}::text[], ${identity.profile}::text[]) as t(kind, hash, sealed, profile)`.execute(connection);
      }
    });
    // The profile ids again in SQL, as profileIdOf makes them in Node.
    const profileId = sql.raw(`'p-' || lpad(g::text, 8, '0') || '-' || to_hex(((g::bigint * 2654435761) % 4294967296))`);
    await timedStep(steps, 'consents and history', async () => {
      await sql`
        insert into consents (workspace_id, profile_id, purpose, status, source, legal_basis, updated_at)
        select ${ws}, ${profileId}, purpose, case when (g + k) % 10 < 7 then 'granted' else 'denied' end, 'event:identify', 'consent', ${now}::timestamptz - make_interval(secs => (g::bigint * 31) % (90 * 86400))
        from generate_series(1, ${count}::int) g cross join (values ('email-marketing', 0), ('analytics', 3)) as c(purpose, k)`.execute(connection);
      await sql`
        insert into consent_history (workspace_id, profile_id, purpose, status, source, legal_basis, message_id, recorded_at)
        select workspace_id, profile_id, purpose, status, source, legal_basis, null, updated_at from consents where workspace_id = ${ws}`.execute(connection);
    });
    await timedStep(steps, 'events', async () => {
      await sql`
        insert into events (workspace_id, message_id, type, name, profile_id, properties, context, occurred_at, received_at)
        select ${ws}, md5('event-' || g || '-' || i)::uuid::text, 'track', (array['Product Viewed', 'Added to Cart', 'Order Completed'])[1 + (g + i) % 3], ${profileId},
          '{}', '{}', at, at
        from generate_series(1, ${count}::int) g
        cross join lateral generate_series(1, g % 5) i
        cross join lateral (select ${now}::timestamptz - make_interval(secs => ((g::bigint * 16 + i) * 104729) % (90 * 86400)) as at) drawn`.execute(connection);
    });
    // One customer in 50 shares an email with the next one, who has another user id: a conflict, left unmerged.
    await timedStep(steps, 'identity conflicts', async () => {
      await sql`
        insert into identity_conflicts (workspace_id, id, profile_id, other_profile_id, identifier_kind, identifier_hash, message_id, seen_at)
        select ${ws}, md5('conflict-' || g), i.profile_id, ${sql.raw(`'p-' || lpad((g + 1)::text, 8, '0') || '-' || to_hex((((g + 1)::bigint * 2654435761) % 4294967296))`)}, 'email', i.value_hash, null, ${now}::timestamptz - interval '30 days'
        from generate_series(24, ${count - 1}::int, 50) g
        join identities i on i.workspace_id = ${ws} and i.kind = 'email' and i.profile_id = ${profileId}`.execute(connection);
    });
    await timedStep(steps, `${secondary.length} indexes`, async () => {
      for (const index of secondary) await sql.raw(index.definition).execute(connection);
    });
    await timedStep(steps, 'vacuum analyze', () => sql.raw(`vacuum (analyze) ${[...customerTables, 'audit_events'].join(', ')}`).execute(connection));
  });
  return `${((performance.now() - started) / 1000).toFixed(1)} s (${steps.join(', ')})`;
}
