import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { campaignRepository } from './campaigns';
import { KataDatabase, LocalDataError, openDatabase } from './database';
import { currentSchemaVersion, schemaHistory } from './schema';

/** Every table of the newest version (an entry lists only the tables it changes). */
const allStores = Object.assign({}, ...schemaHistory.map((entry) => entry.stores)) as Record<string, string>;

describe('schema history', () => {
  it('counts up by one from version 1', () => {
    expect(schemaHistory.map((entry) => entry.version)).toEqual(schemaHistory.map((_, index) => index + 1));
    expect(currentSchemaVersion).toBe(schemaHistory.length);
  });

  it('gives every table Studio keeps locally, with the outbox ordered', async () => {
    const db = await openDatabase(new KataDatabase(`schema-${crypto.randomUUID()}`));
    expect(db.tables.map((table) => table.name).sort()).toEqual(
      ['assets', 'campaigns', 'compositions', 'outbox', 'personas', 'renderRecords', 'scripts', 'segments', 'syncConflicts', 'syncState', 'syncedVersions'].sort(),
    );
    expect(db.outbox.schema.primKey.auto).toBe(true);
    expect(db.outbox.schema.idxByName.id?.unique).toBe(true);
    await db.delete();
  });

  it('opens a database written by every earlier version and keeps its records', async () => {
    for (const entry of schemaHistory) {
      const name = `upgrade-from-${entry.version}-${crypto.randomUUID()}`;
      const old = new Dexie(name);
      for (const step of schemaHistory.filter((s) => s.version <= entry.version)) old.version(step.version).stores(step.stores);
      await old.open();
      await old.table('assets').add({ id: 'a1', kind: 'video', contentHash: 'h', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' });
      old.close();

      const db = await openDatabase(new KataDatabase(name));
      expect(db.verno).toBe(currentSchemaVersion);
      expect(await db.assets.get('a1')).toMatchObject({ kind: 'video' });
      await db.delete();
    }
  });

  it('opens a database from a newer Studio without touching what it does not know', async () => {
    const name = `newer-${crypto.randomUUID()}`;
    const newer = new Dexie(name);
    newer.version(currentSchemaVersion + 5).stores({ ...allStores, future: 'id' });
    await newer.open();
    await newer.table('future').add({ id: 'keep-me' });
    await newer.table('campaigns').add({ id: 'c1', version: 99, name: 'From the future' });
    newer.close();

    const db = await openDatabase(new KataDatabase(name));
    // Documents carry their own version: a newer one is refused with a message, not misread.
    await expect(campaignRepository(db).get('c1')).rejects.toThrow(/saved as version 99 by a newer Kata Studio/);
    db.close();

    const later = new Dexie(name);
    later.version(currentSchemaVersion + 5).stores({ ...allStores, future: 'id' });
    expect(await later.table('future').get('keep-me')).toEqual({ id: 'keep-me' });
    await later.delete();
  });

  it('adds the sync tables to a version 1 database and keeps its outbox', async () => {
    const name = `v1-${crypto.randomUUID()}`;
    const old = new Dexie(name);
    old.version(1).stores(schemaHistory[0]!.stores);
    await old.open();
    await old.table('outbox').add({ id: '00000000-0000-4000-8000-000000000001', recordType: 'campaign', recordId: 'c1', op: 'create', baseRev: 0, changes: { name: 'Spring' }, deviceTime: '2026-01-01T00:00:00.000Z' });
    old.close();

    const db = await openDatabase(new KataDatabase(name));
    expect(await db.outbox.count()).toBe(1);
    expect(await db.syncState.count()).toBe(0);
    await db.syncedVersions.put({ key: 'campaign/c1', recordType: 'campaign', recordId: 'c1', version: 3 });
    expect(await db.syncedVersions.where('recordType').equals('campaign').count()).toBe(1);
    expect(db.syncConflicts.schema.primKey.auto).toBe(true);
    await db.delete();
  });

  it('turns a version clash into a message a user can act on', async () => {
    const name = `clash-${crypto.randomUUID()}`;
    const db = new KataDatabase(name);
    db.open = () => Dexie.Promise.reject(new Dexie.VersionError('The requested version is less than the existing version')) as ReturnType<Dexie['open']>;
    await expect(openDatabase(db)).rejects.toThrow(LocalDataError);
    await expect(openDatabase(db)).rejects.toThrow(/saved by a newer Kata Studio/);
  });
});
