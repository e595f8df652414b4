import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import PQueue from 'p-queue';
import { normaliseIdentifier } from '../cdp/identifiers';
import * as store from '../db/connector-store';
import type { HubSchema } from '../db/schema';
import { snapshotMembersPage, getSnapshot } from '../db/segment-store';
import type { PersonalDataCipher } from '../privacy/personal-data';
import type { Connector, OutgoingContact, ProfileField, PulledConversion, RecordOutcome } from './connector';
import { openConnector, type ConnectorOptions } from './open-connector';

export interface ConnectorServices {
  db: Kysely<HubSchema>;
  cipher: PersonalDataCipher;
  now(): Date;
  /** Retry and pacing settings for calls to the CRM (tests shorten the back-off). */
  connectorOptions?: ConnectorOptions;
}

export interface RunSummary {
  runId: string;
  pushed: number;
  updated: number;
  removed: number;
  failed: number;
  pulled: number;
  rateLimited: number;
  requests: number;
}

/** Batches of a push in flight at once: enough to use the CRM's rate limit while waiting on its answers. */
const concurrentBatches = 4;

/**
 * One sync of a connection, recorded as a run: first what the CRM owes the
 * Hub's privacy rules (erased customers deleted, withdrawn consents removed or
 * updated), then the bound segments' consented members pushed (only new or
 * changed ones), then closed-won deals pulled into external_conversions. Each
 * batch commits on its own, so a run that fails part-way resumes where it was.
 */
export async function runConnectorSync(services: ConnectorServices, target: { workspaceId: string; connectionId: string; jobId?: string }): Promise<RunSummary> {
  const { db } = services;
  const { workspaceId, connectionId } = target;
  const connection = await store.getConnection(db, workspaceId, connectionId);
  if (!connection) throw new Error(`No connection ${connectionId} in this workspace.`);
  if (connection.status === 'awaiting-authorization' || !connection.credentials_enc) throw new Error(`Connection ${connectionId} is not authorized yet: finish connecting it first.`);
  const connector = openConnector(services, connection);
  const runId = randomUUID();
  await store.startRun(db, { workspace_id: workspaceId, id: runId, connection_id: connectionId, job_id: target.jobId ?? null, started_at: services.now() });
  const counts = { pushed: 0, updated: 0, removed: 0, failed: 0, pulled: 0 };
  const context = { services, connector, workspaceId, connectionId, runId, settings: connection.settings, counts };
  try {
    await settleRecords(context);
    await pushMembers(context);
    await pullConversions(context, connection.pull_cursor);
    await store.updateConnection(db, workspaceId, connectionId, { status: 'connected' }, services.now());
    await store.finishRun(db, workspaceId, runId, { status: 'completed', finished_at: services.now(), error: null, ...counts, rate_limited: connector.stats.rateLimited });
    return { runId, ...counts, rateLimited: connector.stats.rateLimited, requests: connector.stats.requests };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await store.finishRun(db, workspaceId, runId, { status: 'failed', finished_at: services.now(), error: message.slice(0, 1000), ...counts, rate_limited: connector.stats.rateLimited });
    await store.updateConnection(db, workspaceId, connectionId, { status: 'failing' }, services.now());
    throw error;
  }
}

interface RunContext {
  services: ConnectorServices;
  connector: Connector;
  workspaceId: string;
  connectionId: string;
  runId: string;
  settings: Record<string, unknown>;
  counts: { pushed: number; updated: number; removed: number; failed: number; pulled: number };
  /** Who may be in the CRM, as settled at the start of the run. */
  consented?: Set<string>;
}

/** Who may be in the CRM now: members of the bound segments' current versions with granted consent for the segment's purpose, checked now. */
async function consentedMembers(context: RunContext): Promise<Set<string>> {
  const { db } = context.services;
  const members = new Set<string>();
  for (const segment of await store.connectionSegments(db, context.workspaceId, context.connectionId)) {
    const snapshot = await getSnapshot(db, context.workspaceId, segment.id);
    if (!snapshot) continue;
    let after: string | undefined;
    for (;;) {
      const page = await snapshotMembersPage(db, { workspaceId: context.workspaceId, segmentId: segment.id, version: snapshot.version, purpose: segment.purpose, limit: 5000, ...(after !== undefined && { after }) });
      for (const id of page) members.add(id);
      if (page.length < 5000) break;
      after = page.at(-1);
    }
  }
  return members;
}

/** Erasures first (always a delete), then customers no longer consented: removed or updated, as the connection says. */
async function settleRecords(context: RunContext): Promise<void> {
  const { services, connector, workspaceId, connectionId } = context;
  const records = await store.connectorRecords(services.db, workspaceId, connectionId);
  const erasing = records.filter((r) => r.state === 'erase-pending');
  await inBatches(erasing, connector.batchSize, async (batch) => {
    const outcomes = await connector.remove(batch.map(asTarget), 'erase');
    await settle(context, outcomes, 'erase', async (done) => store.deleteRecords(services.db, workspaceId, connectionId, done));
  });
  const consented = await consentedMembers(context);
  const withdrawn = records.filter((r) => r.state === 'active' && !consented.has(r.profile_id));
  const onWithdrawal = context.settings.onWithdrawal === 'update' ? 'update' : 'delete';
  await inBatches(withdrawn, connector.batchSize, async (batch) => {
    if (onWithdrawal === 'delete') {
      const outcomes = await connector.remove(batch.map(asTarget), 'withdraw');
      await settle(context, outcomes, 'withdraw', (done) => store.deleteRecords(services.db, workspaceId, connectionId, done));
      return;
    }
    const properties = Object.fromEntries(Object.entries((context.settings.withdrawalProperties ?? {}) as Record<string, string | boolean>).map(([k, v]) => [k, String(v)]));
    const outcomes = await connector.update(batch.map((r) => ({ profileId: r.profile_id, crmId: r.crm_id, properties })));
    const byProfile = new Map(batch.map((r) => [r.profile_id, r]));
    await settle(context, outcomes, 'withdraw', (done) => store.saveRecords(services.db, done.map((id) => ({ ...byProfile.get(id)!, state: 'withdrawn', pushed_at: services.now() }))));
  });
  context.consented = consented;
}

/** Counts a batch's outcomes as removed, records what succeeded, and dead-letters the rest. */
async function settle(context: RunContext, outcomes: RecordOutcome[], operation: 'withdraw' | 'erase', record: (done: string[]) => Promise<void>): Promise<void> {
  const done = outcomes.filter((o) => o.ok).map((o) => o.profileId);
  await record(done);
  // A removal that failed in an earlier run is retried by every run (it is owed to the customer); once through, its dead letter goes.
  await store.clearDeadLetters(context.services.db, context.workspaceId, context.connectionId, done, operation);
  context.counts.removed += done.length;
  await deadLetter(context, outcomes, operation);
}

async function deadLetter(context: RunContext, outcomes: RecordOutcome[], operation: 'push' | 'withdraw' | 'erase'): Promise<void> {
  const failed = outcomes.filter((o): o is Extract<RecordOutcome, { ok: false }> => !o.ok);
  context.counts.failed += failed.length;
  const now = context.services.now();
  await store.addDeadLetters(
    context.services.db,
    failed.map((f) => ({ workspace_id: context.workspaceId, id: randomUUID(), connection_id: context.connectionId, run_id: context.runId, profile_id: f.profileId, operation, error: f.error, created_at: now })),
  );
}

/** Pushes consented members that are new, changed, or back after a withdrawal; dead-lettered ones wait for an admin's retry. */
async function pushMembers(context: RunContext): Promise<void> {
  const { services, connector, workspaceId, connectionId } = context;
  const consented = context.consented ?? (await consentedMembers(context));
  const records = new Map((await store.connectorRecords(services.db, workspaceId, connectionId)).map((r) => [r.profile_id, r]));
  const held = await store.deadLetteredProfiles(services.db, workspaceId, connectionId);
  const candidates = [...consented].filter((id) => !held.has(id) && records.get(id)?.state !== 'erase-pending').sort();
  const mapping = (context.settings.fieldMapping ?? {}) as Record<string, ProfileField>;
  const queue = new PQueue({ concurrency: concurrentBatches });
  const chunk = connector.batchSize * concurrentBatches * 2;
  let failure: unknown = null;
  for (let start = 0; start < candidates.length && failure === null; start += chunk) {
    const profiles = await store.profilesForPush(services.db, workspaceId, candidates.slice(start, start + chunk));
    const changed: (OutgoingContact & { digest: string })[] = [];
    for (const profile of profiles) {
      const properties = mappedProperties(services.cipher, profile, mapping);
      const digest = services.cipher.lookupHash(workspaceId, `connector:${connectionId}`, JSON.stringify(properties));
      const known = records.get(profile.id);
      if (known?.state === 'active' && known.values_digest === digest) continue;
      changed.push({ profileId: profile.id, properties, digest });
    }
    for (let at = 0; at < changed.length; at += connector.batchSize) {
      const batch = changed.slice(at, at + connector.batchSize);
      // Waits while the queue is full, so profiles are read no faster than they are sent.
      await queue.onSizeLessThan(concurrentBatches);
      if (failure !== null) break;
      void queue.add(async () => {
        const outcomes = await connector.upsert(batch);
        const digests = new Map(batch.map((c) => [c.profileId, c.digest]));
        const now = services.now();
        const succeeded = outcomes.filter((o): o is Extract<RecordOutcome, { ok: true }> => o.ok);
        await store.saveRecords(services.db, succeeded.map((o) => ({ workspace_id: workspaceId, connection_id: connectionId, profile_id: o.profileId, crm_id: o.crmId, values_digest: digests.get(o.profileId)!, state: 'active', pushed_at: now })));
        for (const o of succeeded) {
          if (o.created || !records.has(o.profileId)) context.counts.pushed += 1;
          else context.counts.updated += 1;
        }
        await deadLetter(context, outcomes, 'push');
      }).catch((error: unknown) => {
        // A batch the CRM refused after every retry ends the run; what committed stays, the next run goes on from there.
        failure ??= error;
      });
    }
  }
  await queue.onIdle();
  if (failure !== null) throw failure;
}

/** The CRM properties of one profile, decrypted, by the connection's field mapping (empty values left out). */
export function mappedProperties(cipher: PersonalDataCipher, profile: { id: string; email_enc: string | null; phone_enc: string | null; name_enc: string | null; traits: Record<string, unknown> }, mapping: Record<string, ProfileField>): Record<string, string> {
  const name = profile.name_enc ? cipher.decrypt(profile.name_enc).trim() : '';
  const space = name.indexOf(' ');
  const fields: Record<string, string> = {
    email: profile.email_enc ? cipher.decrypt(profile.email_enc) : '',
    phone: profile.phone_enc ? cipher.decrypt(profile.phone_enc) : '',
    name,
    firstName: space > 0 ? name.slice(0, space) : name,
    lastName: space > 0 ? name.slice(space + 1) : '',
    profileId: profile.id,
  };
  const properties: Record<string, string> = {};
  for (const [property, source] of Object.entries(mapping)) {
    const value = source.startsWith('traits.') ? profile.traits[source.slice(7)] : fields[source];
    if (value !== undefined && value !== null && value !== '') properties[property] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return properties;
}

/** Pulled closed-won deals into external_conversions, linked by the CRM record we pushed, the Hub's id, or the email's keyed hash. */
async function pullConversions(context: RunContext, cursor: string | null): Promise<void> {
  const { services, connector, workspaceId, connectionId } = context;
  const source = connector.kind;
  for await (const page of connector.pullConversions(cursor)) {
    const profiles = await linkProfiles(context, page.conversions);
    await store.savePulledConversions(
      services.db,
      workspaceId,
      connectionId,
      page.conversions.map((c) => ({
        source,
        external_id: c.externalId,
        profile_id: profiles.get(c.externalId)?.profileId ?? null,
        name: source === 'hubspot' ? 'Deal closed won' : 'Opportunity closed won',
        value: c.amount,
        currency: c.currency,
        occurred_at: c.closedAt,
        // No personal data: how the deal was linked, never the name or email it carried.
        properties: { connectionId, linkedBy: profiles.get(c.externalId)?.by ?? null },
      })),
      page.cursor,
    );
    context.counts.pulled += page.conversions.length;
  }
}

async function linkProfiles(context: RunContext, conversions: PulledConversion[]): Promise<Map<string, { profileId: string; by: string }>> {
  const { db, cipher } = context.services;
  const linked = new Map<string, { profileId: string; by: string }>();
  const byCrm = await store.profilesByCrmIds(db, context.workspaceId, context.connectionId, conversions.flatMap((c) => (c.contactCrmId ? [c.contactCrmId] : [])));
  const byExternal = await store.existingProfiles(db, context.workspaceId, conversions.flatMap((c) => (c.contactExternalId ? [c.contactExternalId] : [])));
  const hashOf = (email: string | null) => {
    const normal = email ? normaliseIdentifier('email', email) : null;
    return normal ? cipher.lookupHash(context.workspaceId, 'email', normal) : null;
  };
  const byEmail = await store.profilesByEmailHash(db, context.workspaceId, conversions.flatMap((c) => hashOf(c.contactEmail) ?? []));
  for (const c of conversions) {
    const crm = c.contactCrmId ? byCrm.get(c.contactCrmId) : undefined;
    const email = byEmail.get(hashOf(c.contactEmail) ?? '');
    if (crm) linked.set(c.externalId, { profileId: crm, by: 'crm-record' });
    else if (c.contactExternalId && byExternal.has(c.contactExternalId)) linked.set(c.externalId, { profileId: c.contactExternalId, by: 'external-id' });
    else if (email) linked.set(c.externalId, { profileId: email, by: 'email' });
  }
  return linked;
}

const asTarget = (record: store.ConnectorRecordRow) => ({ profileId: record.profile_id, crmId: record.crm_id });

async function inBatches<T>(items: T[], size: number, work: (batch: T[]) => Promise<void>): Promise<void> {
  for (let at = 0; at < items.length; at += size) await work(items.slice(at, at + size));
}
