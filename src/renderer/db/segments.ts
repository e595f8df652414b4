import { SyncFailure, type SyncTransport } from '../../shared/sync/transport';
import type { KataDatabase, StoredSegment } from './database';
import type { Clock } from './outbox';

/** The segments the local campaigns target. */
async function targetedSegmentIds(db: KataDatabase): Promise<Set<string>> {
  const campaigns = await db.campaigns.toArray();
  return new Set(campaigns.flatMap((c) => (Array.isArray(c.segmentIds) ? c.segmentIds : [])));
}

/** All pages of a segment's member list (consent-filtered by the Hub), or why the role may not have it. */
async function membersOf(transport: SyncTransport, id: string, version: number | undefined): Promise<{ members: string[] | null; membersProblem: string | null }> {
  const members: string[] = [];
  let cursor: string | undefined;
  try {
    do {
      const page = await transport.segmentMembers({ id, version, cursor, limit: 10_000 });
      members.push(...page.members);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  } catch (error) {
    // A refusal (the role may not export members) is kept with the segment; offline or signed out ends this sync.
    if (error instanceof SyncFailure && error.kind === 'hub-error') return { members: null, membersProblem: error.message };
    throw error;
  }
  return { members, membersProblem: null };
}

/**
 * Pulls the workspace's segments (definition, count, membership version) and
 * the member lists of the segments campaigns target. The member list is
 * replaced whole on every sync, so a member the Hub dropped (a consent
 * withdrawn) is gone from this copy; segments the Hub no longer has go too.
 */
export async function syncSegments(options: { db: KataDatabase; transport: SyncTransport; clock: Clock }): Promise<void> {
  const { db, transport, clock } = options;
  let segments;
  try {
    ({ segments } = await transport.segments({}));
  } catch (error) {
    if (!(error instanceof SyncFailure && error.kind === 'hub-error')) throw error;
    await db.syncState.put({ key: 'segmentsProblem', value: error.message });
    return;
  }
  const targeted = await targetedSegmentIds(db);
  const syncedAt = clock.now().toISOString();
  const rows: StoredSegment[] = [];
  for (const segment of segments) {
    const wanted = targeted.has(segment.id) && segment.membershipVersion !== null;
    const members = wanted ? await membersOf(transport, segment.id, segment.membershipVersion ?? undefined) : { members: null, membersProblem: null };
    rows.push({ ...segment, ...members, syncedAt });
  }
  await db.transaction('rw', db.segments, db.syncState, async () => {
    const kept = new Set(rows.map((r) => r.id));
    await db.segments.bulkDelete((await db.segments.toCollection().primaryKeys()).filter((id) => !kept.has(id)));
    await db.segments.bulkPut(rows);
    await db.syncState.delete('segmentsProblem');
  });
}

/** Segments for the Audience page and the campaign form, by name. */
export async function listSegments(db: KataDatabase): Promise<StoredSegment[]> {
  return (await db.segments.toArray()).sort((a, b) => a.name.localeCompare(b.name));
}
