import type { Kysely } from 'kysely';
import type { HubSchema } from '../src/db/schema';

/** Writes customer data straight into the tables attribution reads, for tests that need exact times and merges. */
export function attributionData(db: Kysely<HubSchema>, workspaceId: string) {
  let messages = 0;
  return {
    async workspace(): Promise<void> {
      await db.insertInto('workspaces').values({ id: workspaceId, name: workspaceId }).execute();
    },
    async profile(id: string, mergedInto: string | null = null): Promise<void> {
      const seen = new Date('2026-01-01T00:00:00Z');
      await db.insertInto('profiles').values({ workspace_id: workspaceId, id, merged_into: mergedInto, email_enc: null, phone_enc: null, name_enc: null, traits: '{}', first_seen_at: seen, last_seen_at: seen, erased_at: null }).execute();
    },
    /** A page view at `at` (any ISO offset) of `url`, from `referrer` ('' for none). */
    async page(profileId: string, at: string, url: string, referrer = ''): Promise<void> {
      await db
        .insertInto('events')
        .values({ workspace_id: workspaceId, message_id: `m-${++messages}`, type: 'page', name: null, profile_id: profileId, properties: '{}', context: JSON.stringify({ page: { url, referrer } }), occurred_at: new Date(at) })
        .execute();
    },
    async track(profileId: string, at: string, name: string, properties: Record<string, unknown> = {}, context: Record<string, unknown> = {}): Promise<void> {
      await db
        .insertInto('events')
        .values({ workspace_id: workspaceId, message_id: `m-${++messages}`, type: 'track', name, profile_id: profileId, properties: JSON.stringify(properties), context: JSON.stringify(context), occurred_at: new Date(at) })
        .execute();
    },
    async deal(externalId: string, profileId: string | null, at: string, value: number, currency = 'EUR'): Promise<void> {
      await db.insertInto('external_conversions').values({ workspace_id: workspaceId, source: 'crm', external_id: externalId, profile_id: profileId, name: 'Closed won', value, currency, occurred_at: new Date(at), properties: '{}' }).execute();
    },
    async campaign(id: string, name: string, seq: number): Promise<void> {
      await db
        .insertInto('sync_records')
        .values({ workspace_id: workspaceId, record_id: id, record_type: 'campaign', version: 1, fields: JSON.stringify({ name }), stamps: '{}', deleted: false, created_device: 'd', updated_at: new Date(), updated_by: 'u', change_seq: seq })
        .execute();
    },
    async segmentMembers(segmentId: string, version: number, profileIds: string[]): Promise<void> {
      await db.insertInto('segments').values({ workspace_id: workspaceId, id: segmentId, name: segmentId, purpose: 'analytics', rule: JSON.stringify({ version: 1, match: { trait: 'x', op: 'exists' } }), created_by: 'u' }).execute();
      await db.insertInto('segment_snapshots').values({ workspace_id: workspaceId, segment_id: segmentId, version, member_count: profileIds.length, members_digest: 'd', computed_at: new Date() }).execute();
      for (let i = 0; i < profileIds.length; i += 1000) {
        await db
          .insertInto('segment_members')
          .values(profileIds.slice(i, i + 1000).map((profile_id) => ({ workspace_id: workspaceId, segment_id: segmentId, version, profile_id })))
          .execute();
      }
    },
  };
}
