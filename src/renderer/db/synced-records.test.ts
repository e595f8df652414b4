import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HubRecord } from '../../shared/sync/protocol';
import { campaignRepository, type CampaignRepository } from './campaigns';
import { KataDatabase, openDatabase } from './database';
import { influencerRepository } from './influencers';
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

  it("keeps the active creative the Hub set on promotion, through the device's own later changes", async () => {
    const campaign = await campaigns.create({ name: 'Spring' });
    await db.outbox.clear(); // its create reached the Hub
    const activeCreative = { recordType: 'script', recordId: 'script-9', experimentId: 'exp-1', variantId: 'bold', promotedAt: '2030-01-01T00:00:00.000Z' };
    await apply(hubRecord(campaign.id, 2, { activeCreative }));
    expect((await campaigns.get(campaign.id))?.activeCreative).toEqual(activeCreative);
    await campaigns.rename(campaign.id, 'Spring EU');
    expect(await campaigns.get(campaign.id)).toMatchObject({ name: 'Spring EU', activeCreative });
    expect((await campaigns.list())[0]?.activeCreative).toEqual(activeCreative);
    // Studio never pushes the field back: only the rename travels.
    expect((await db.outbox.toArray()).map((m) => m.changes)).toEqual([{ name: 'Spring EU' }]);
  });

  it('brings a persona made on another device into the influencer library, and merges a later change into its document', async () => {
    const influencers = influencerRepository(db);
    const elsewhere = new KataDatabase(`elsewhere-${crypto.randomUUID()}`);
    const made = await influencerRepository(elsewhere).createPersona({ name: 'Ava', handle: '@ava.runs', niche: 'fitness', campaignId: 'c1' });
    const apply = (version: number, fields: Record<string, unknown>) => db.transaction('rw', syncTables(db), () => applyHubRecord(db, { ...hubRecord(made.id, version, fields), recordType: 'persona' }));
    await apply(1, made.document as unknown as Record<string, unknown>);
    await apply(2, { niche: 'running' });
    const [persona] = await influencers.listPersonas();
    await elsewhere.delete();
    expect(persona).toMatchObject({ id: made.id, campaignId: 'c1', document: { name: 'Ava', handle: '@ava.runs', niche: 'running' } });
  });
});
