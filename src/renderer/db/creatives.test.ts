import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compositionRepository } from './compositions';
import { creativeNameOf } from './creatives';
import { KataDatabase, openDatabase } from './database';
import { influencerRepository } from './influencers';

let db: KataDatabase;
beforeEach(async () => {
  db = await openDatabase(new KataDatabase(`creatives-${crypto.randomUUID()}`));
});
afterEach(() => db.delete());

describe('the names of the records a creative points at', () => {
  it('reads a persona’s name and a composition’s name from this device, and null for what it does not hold', async () => {
    const persona = await influencerRepository(db).createPersona({ name: 'Ava', handle: '@ava.runs', niche: 'fitness' });
    const composition = await compositionRepository(db).create({ campaignId: 'c1', name: 'Spring cut', preset: 'instagram-reels' });
    expect(await creativeNameOf(db, { recordType: 'persona', recordId: persona.id })).toBe('Ava');
    expect(await creativeNameOf(db, { recordType: 'composition', recordId: composition.id })).toBe('Spring cut');
    expect(await creativeNameOf(db, { recordType: 'script', recordId: 'not-here' })).toBeNull();
    expect(await creativeNameOf(db, { recordType: 'render', recordId: 'job-1' })).toBeNull();
  });
});
