import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubRecord } from '../../shared/sync/protocol';
import { campaignRepository, type CampaignRepository } from './campaigns';
import { KataDatabase, openDatabase } from './database';
import { applyHubRecord, syncTables } from './synced-records';

let db: KataDatabase;
let campaigns: CampaignRepository;
beforeEach(async () => {
  db = await openDatabase(new KataDatabase(`synced-${crypto.randomUUID()}`));
  campaigns = campaignRepository(db);
});
afterEach(() => db.delete());

const hubRecord = (recordId: string, version: number, fields: Record<string, unknown>, deleted = false): HubRecord => ({ recordType: 'campaign', recordId, version, fields, deleted, updatedAt: '2030-01-01T00:00:00.000Z', updatedBy: 'someone', changeSeq: version });
const apply = (record: HubRecord) => db.transaction('rw', syncTables(db), () => applyHubRecord(db, record));

describe('applying what the Hub holds', () => {
  it('keeps the local value of a field with an unpushed change and takes the Hub value of every other field', async () => {
    const campaign = await campaigns.create({ name: 'Spring' });
    await db.outbox.clear(); // its create reached the Hub
    await campaigns.rename(campaign.id, 'Spring (mine, not pushed)');
    await apply(hubRecord(campaign.id, 3, { ...campaign, rev: undefined, name: 'Spring (theirs)', objective: 'conversion' }));
    expect(await campaigns.get(campaign.id)).toMatchObject({ name: 'Spring (mine, not pushed)', objective: 'conversion', updatedAt: '2030-01-01T00:00:00.000Z' });
    expect(await db.syncedVersions.get(`campaign/${campaign.id}`)).toMatchObject({ version: 3 });
    // The next change is made on the version just seen.
    await campaigns.archive(campaign.id);
    expect((await db.outbox.toArray()).at(-1)).toMatchObject({ baseRev: 3 });
  });

  it('keeps every field of a campaign whose create has not reached the Hub', async () => {
    const campaign = await campaigns.create({ name: 'Spring' });
    await apply(hubRecord(campaign.id, 2, { name: 'Taken id', objective: 'conversion' }));
    expect(await campaigns.get(campaign.id)).toMatchObject({ name: 'Spring', objective: 'awareness' });
  });

  it('adds a campaign made on another device, removes one deleted on the Hub, and never lowers the known version', async () => {
    const id = crypto.randomUUID();
    await apply(hubRecord(id, 2, { version: 1, id, name: 'From the desktop', objective: 'awareness', channels: [], startDate: null, endDate: null, status: 'active', createdAt: '2030-01-01T00:00:00.000Z' }));
    expect(await campaigns.get(id)).toMatchObject({ name: 'From the desktop', segmentIds: [] });
    await apply(hubRecord(id, 1, { name: 'Older' }));
    expect(await db.syncedVersions.get(`campaign/${id}`)).toMatchObject({ version: 2 });
    await apply(hubRecord(id, 3, {}, true));
    expect(await campaigns.get(id)).toBeUndefined();
  });
});
