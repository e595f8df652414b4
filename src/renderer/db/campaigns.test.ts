import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outboxMutationSchema } from '../../shared/sync/mutation';
import { CampaignNotFoundError, campaignRepository, type CampaignRepository } from './campaigns';
import { KataDatabase, openDatabase } from './database';
import { pendingMutations, type Clock } from './outbox';

/** A clock that ticks a minute per call and hands out numbered UUIDs, so tests read in order. */
function testClock(): Clock {
  let minutes = 0;
  let ids = 0;
  return {
    now: () => new Date(Date.UTC(2026, 10, 24, 9, minutes++)),
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  };
}

let db: KataDatabase;
let campaigns: CampaignRepository;

beforeEach(async () => {
  db = await openDatabase(new KataDatabase(`test-${crypto.randomUUID()}`));
  campaigns = campaignRepository(db, testClock());
});
afterEach(async () => {
  await db.delete();
});

describe('campaign repository', () => {
  it('creates a campaign and its outbox entry together', async () => {
    const campaign = await campaigns.create({ name: 'Spring launch', channels: ['tiktok'] });
    expect(await campaigns.get(campaign.id)).toEqual(campaign);
    const outbox = await pendingMutations(db);
    expect(outbox).toHaveLength(1);
    const { rev: _rev, updatedAt: _updatedAt, ...synced } = campaign;
    // Its revision and last change time count this device's changes; they stay here.
    expect(outbox[0]).toMatchObject({ recordType: 'campaign', recordId: campaign.id, op: 'create', baseRev: 0, changes: synced });
    expect(outbox[0]!.changes).not.toHaveProperty('rev');
    expect(outboxMutationSchema.safeParse(outbox[0]).success).toBe(true);
  });

  it('renames, edits and archives, each with an outbox entry of only what changed', async () => {
    const { id } = await campaigns.create({ name: 'Spring launch' });
    await campaigns.rename(id, 'Spring launch EU');
    await campaigns.update(id, { objective: 'conversion', startDate: '2027-03-01', endDate: '2027-04-15' });
    await campaigns.archive(id);

    const stored = await campaigns.get(id);
    expect(stored).toMatchObject({ name: 'Spring launch EU', objective: 'conversion', status: 'archived', rev: 4 });
    const outbox = await pendingMutations(db);
    expect(outbox.map((m) => [m.op, m.baseRev, m.changes])).toEqual([
      ['create', 0, expect.objectContaining({ name: 'Spring launch' })],
      // Not synced yet: each change is made on Hub version 0 (the device's own create).
      ['update', 0, { name: 'Spring launch EU' }],
      ['update', 0, { objective: 'conversion', startDate: '2027-03-01', endDate: '2027-04-15' }],
      ['update', 0, { status: 'archived' }],
    ]);
    expect(new Set(outbox.map((m) => m.id)).size).toBe(4);
  });

  it('makes a change on the Hub version the campaign was last synced at', async () => {
    const { id } = await campaigns.create({ name: 'Spring' });
    await db.syncedVersions.put({ key: `campaign/${id}`, recordType: 'campaign', recordId: id, version: 7 });
    await campaigns.rename(id, 'Summer');
    expect((await pendingMutations(db)).at(-1)).toMatchObject({ op: 'update', baseRev: 7, changes: { name: 'Summer' } });
  });

  it('writes nothing when nothing changed', async () => {
    const { id } = await campaigns.create({ name: 'Spring' });
    const same = await campaigns.rename(id, 'Spring');
    expect(same.rev).toBe(1);
    expect(await db.outbox.count()).toBe(1);
  });

  it('refuses bad input, naming the field, and changes nothing', async () => {
    const { id } = await campaigns.create({ name: 'Spring', startDate: '2027-03-01' });
    await expect(campaigns.rename(id, '')).rejects.toThrow('name: a campaign needs a name');
    await expect(campaigns.update(id, { endDate: '2027-02-01' })).rejects.toThrow('endDate: must be on or after the start date');
    await expect(campaigns.create({ name: '' })).rejects.toThrow(/name/);
    expect(await campaigns.get(id)).toMatchObject({ name: 'Spring', endDate: null, rev: 1 });
    expect(await db.campaigns.count()).toBe(1);
    expect(await db.outbox.count()).toBe(1);
  });

  it('rolls the campaign back when its outbox entry cannot be written', async () => {
    const { id } = await campaigns.create({ name: 'Spring' });
    db.outbox.hook('creating', () => {
      throw new Error('disk full');
    });
    await expect(campaigns.rename(id, 'Summer')).rejects.toThrow('disk full');
    await expect(campaigns.create({ name: 'Autumn' })).rejects.toThrow('disk full');
    expect((await campaigns.get(id))?.name).toBe('Spring');
    expect(await db.campaigns.count()).toBe(1);
  });

  it('names a campaign that does not exist', async () => {
    await expect(campaigns.archive('nope')).rejects.toBeInstanceOf(CampaignNotFoundError);
  });

  it('lists newest change first, hides archived unless asked, and searches', async () => {
    const a = await campaigns.create({ name: 'Holiday gifts', channels: ['instagram'] });
    const b = await campaigns.create({ name: 'Spring launch' });
    const c = await campaigns.create({ name: 'Back to school' });
    await campaigns.archive(b.id);
    await campaigns.rename(a.id, 'Holiday gifts 2027');

    expect((await campaigns.list()).map((x) => x.name)).toEqual(['Holiday gifts 2027', 'Back to school']);
    expect((await campaigns.list({ status: 'archived' })).map((x) => x.id)).toEqual([b.id]);
    expect((await campaigns.list({ status: 'all' })).map((x) => x.id)).toEqual([a.id, b.id, c.id]);
    expect((await campaigns.list({ text: 'insta' })).map((x) => x.id)).toEqual([a.id]);
    expect(await campaigns.list({ text: 'spring' })).toEqual([]);

    await campaigns.restore(b.id);
    expect((await campaigns.list({ text: 'spring' })).map((x) => x.id)).toEqual([b.id]);
  });

  it('lists around a damaged record, names it, and leaves it untouched', async () => {
    const good = await campaigns.create({ name: 'Good' });
    await db.campaigns.put({ id: 'damaged', name: 'Half', updatedAt: '2026-01-01T00:00:00.000Z' } as never);
    expect((await campaigns.list()).map((c) => c.id)).toEqual([good.id]);
    const [unreadable] = await campaigns.unreadable();
    expect(unreadable?.id).toBe('damaged');
    expect(unreadable?.problem).toMatch(/Invalid stored campaign:\nid: Invalid UUID/);
    expect(await db.campaigns.get('damaged')).toEqual({ id: 'damaged', name: 'Half', updatedAt: '2026-01-01T00:00:00.000Z' });
  });

  it('keeps everything across closing and reopening the database', async () => {
    const { id } = await campaigns.create({ name: 'Persisted' });
    db.close();
    const reopened = await openDatabase(new KataDatabase(db.name));
    expect((await campaignRepository(reopened).get(id))?.name).toBe('Persisted');
    expect(await reopened.outbox.count()).toBe(1);
    reopened.close();
  });
});
