import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pushRequestSchema } from '../../shared/sync/protocol';
import { recordAuditEvent } from './audit';
import { KataDatabase, openDatabase } from './database';
import { influencerRepository, type InfluencerRepository } from './influencers';
import { pendingMutations } from './outbox';

let db: KataDatabase;
let repo: InfluencerRepository;
beforeEach(async () => {
  db = await openDatabase(new KataDatabase(`influencers-${crypto.randomUUID()}`));
  repo = influencerRepository(db);
});
afterEach(() => db.delete());

describe('personas and scripts in the local database', () => {
  it('create, change and duplicate personas, each change in the outbox with only what changed', async () => {
    const maya = await repo.createPersona({ name: 'Maya', handle: '@maya.makes', niche: 'home coffee' });
    await repo.savePersona({ ...maya.document, niche: 'cold brew' });
    const copy = await repo.duplicatePersona(maya.id);
    expect((await repo.listPersonas()).map((p) => p.document.name)).toEqual(['Maya', 'Maya (variant)']);
    expect(copy.document.niche).toBe('cold brew');
    const outbox = await pendingMutations(db);
    expect(outbox.map((m) => [m.recordType, m.op])).toEqual([['persona', 'create'], ['persona', 'update'], ['persona', 'create']]);
    expect(outbox[1]!.changes).toEqual({ niche: 'cold brew' });
  });

  it('refuse a persona that does not parse, and keep the stored one', async () => {
    const maya = await repo.createPersona({ name: 'Maya', handle: '@maya.makes', niche: 'coffee' });
    await expect(repo.savePersona({ ...maya.document, handle: 'bad handle' })).rejects.toThrow(/handle/);
    expect((await repo.listPersonas())[0]!.document.handle).toBe('@maya.makes');
  });

  it('keep scripts per persona', async () => {
    const script = { version: 1 as const, id: 's1', personaId: 'p1', title: 'T', hook: { text: 'Hi' }, body: { text: 'B' }, cta: { text: 'C' }, targets: {} };
    await repo.saveScript(script);
    await repo.saveScript({ ...script, id: 's2', personaId: 'p2' });
    expect((await repo.listScripts('p1')).map((s) => s.id)).toEqual(['s1']);
  });
});

describe('audit events', () => {
  it('go into the outbox as events the Hub takes, with a digest of what was overridden', async () => {
    await recordAuditEvent({ db, kind: 'script-safety-override', subjectId: 'script-1', details: { findings: ['"cures" is an absolute health promise'] } });
    const [event] = await pendingMutations(db);
    expect(event).toMatchObject({ recordType: 'audit', recordId: 'script-1', op: 'create', changes: { action: 'script.safety-override', target: { kind: 'script', id: 'script-1' }, changeDigest: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const { seq: _seq, ...mutation } = event!;
    expect(pushRequestSchema.safeParse({ deviceId: crypto.randomUUID(), mutations: [mutation] }).success).toBe(true);
  });
});
