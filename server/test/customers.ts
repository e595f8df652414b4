import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { IdentifierKind } from '../../src/shared/audience/segment-rule';
import type { HubSchema } from '../src/db/schema';

/**
 * Customers written straight into the tables, the way ingest leaves them
 * (a live profile, its identities, events and consents), for tests that
 * evaluate segments without going through ingest.
 */
export interface TestCustomer {
  id: string;
  traits?: Record<string, unknown>;
  identifiers?: IdentifierKind[];
  events?: { type: 'track' | 'page' | 'screen' | 'identify'; name?: string; at: Date }[];
  consents?: Record<string, 'granted' | 'denied'>;
  /** Merged into this survivor: no longer a customer of its own. */
  mergedInto?: string;
  erased?: boolean;
}

/** A bare workspace row (default consent purposes), for tests that need no members. */
export async function insertTestWorkspace(db: Kysely<HubSchema>, purposes?: string[]): Promise<string> {
  const id = randomUUID();
  await db
    .insertInto('workspaces')
    .values({ id, name: `Customers ${id.slice(0, 8)}`, slug: `customers-${id.slice(0, 8)}`, ...(purposes && { consent_purposes: JSON.stringify(purposes) }) })
    .execute();
  return id;
}

export async function insertCustomers(db: Kysely<HubSchema>, workspaceId: string, customers: TestCustomer[], at = new Date('2026-01-01T00:00:00Z')): Promise<void> {
  if (customers.length === 0) return;
  await db
    .insertInto('profiles')
    .values(customers.map((c) => ({ workspace_id: workspaceId, id: c.id, merged_into: c.mergedInto ?? null, traits: JSON.stringify(c.traits ?? {}), first_seen_at: at, last_seen_at: at, erased_at: c.erased ? at : null })))
    .execute();
  const identities = customers.flatMap((c) => (c.identifiers ?? []).map((kind) => ({ workspace_id: workspaceId, kind, value_hash: `${kind}-${c.id}`, value_enc: 'sealed', profile_id: c.id, first_seen_at: at })));
  if (identities.length > 0) await db.insertInto('identities').values(identities).execute();
  const events = customers.flatMap((c) => (c.events ?? []).map((e) => ({ workspace_id: workspaceId, message_id: randomUUID(), type: e.type, name: e.type === 'track' ? (e.name ?? 'Unnamed') : null, profile_id: c.id, occurred_at: e.at })));
  if (events.length > 0) await db.insertInto('events').values(events).execute();
  const consents = customers.flatMap((c) => Object.entries(c.consents ?? {}).map(([purpose, status]) => ({ workspace_id: workspaceId, profile_id: c.id, purpose, status, source: 'test', legal_basis: 'consent', updated_at: at })));
  if (consents.length > 0) await db.insertInto('consents').values(consents).execute();
}

export async function setConsent(db: Kysely<HubSchema>, workspaceId: string, profileId: string, purpose: string, status: 'granted' | 'denied'): Promise<void> {
  await db
    .insertInto('consents')
    .values({ workspace_id: workspaceId, profile_id: profileId, purpose, status, source: 'test', legal_basis: 'consent', updated_at: new Date() })
    .onConflict((oc) => oc.columns(['workspace_id', 'profile_id', 'purpose']).doUpdateSet({ status }))
    .execute();
}
