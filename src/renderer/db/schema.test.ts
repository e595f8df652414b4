import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { describe, expect, it } from 'vitest';
import { campaignRepository } from './campaigns';
import { KataDatabase, LocalDataError, openDatabase } from './database';
import { currentSchemaVersion, schemaHistory } from './schema';

describe('schema history', () => {
  it('counts up by one from version 1', () => {
    expect(schemaHistory.map((entry) => entry.version)).toEqual(schemaHistory.map((_, index) => index + 1));
    expect(currentSchemaVersion).toBe(schemaHistory.length);
  });

  it('gives every table Studio keeps locally, with the outbox ordered', async () => {
    const db = await openDatabase(new KataDatabase(`schema-${crypto.randomUUID()}`));
    expect(db.tables.map((table) => table.name).sort()).toEqual(
      ['assets', 'campaigns', 'compositions', 'outbox', 'personas', 'scripts', 'segments'].sort(),
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
    newer.version(currentSchemaVersion + 5).stores({ ...schemaHistory.at(-1)!.stores, future: 'id' });
    await newer.open();
    await newer.table('future').add({ id: 'keep-me' });
    await newer.table('campaigns').add({ id: 'c1', version: 99, name: 'From the future' });
    newer.close();

    const db = await openDatabase(new KataDatabase(name));
    // Documents carry their own version: a newer one is refused with a message, not misread.
    await expect(campaignRepository(db).get('c1')).rejects.toThrow(/saved as version 99 by a newer Kata Studio/);
    db.close();

    const later = new Dexie(name);
    later.version(currentSchemaVersion + 5).stores({ ...schemaHistory.at(-1)!.stores, future: 'id' });
    expect(await later.table('future').get('keep-me')).toEqual({ id: 'keep-me' });
    await later.delete();
  });

  it('turns a version clash into a message a user can act on', async () => {
    const name = `clash-${crypto.randomUUID()}`;
    const db = new KataDatabase(name);
    db.open = () => Dexie.Promise.reject(new Dexie.VersionError('The requested version is less than the existing version')) as ReturnType<Dexie['open']>;
    await expect(openDatabase(db)).rejects.toThrow(LocalDataError);
    await expect(openDatabase(db)).rejects.toThrow(/saved by a newer Kata Studio/);
  });
});
