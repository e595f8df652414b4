import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendEvent, verifyChain, type ChainedAuditEvent } from '../../../src/shared/audit/hash-chain';
import { appendEvents, rewriteTail, testAuditEvent, testAuditKey, workspaceWithEvents } from '../../test/audit-events';
import { hubDatabases } from '../../test/databases';
import { setAuditRetention } from '../db/audit-integrity-store';
import { readAuditEvents } from '../db/audit-store';
import type { HubDatabase } from '../db/database';
import { signCheckpoints } from './checkpoints';
import { applyRetention } from './retention';
import { checkpointRecord } from './signed-records';
import { signAuditRecord } from './signing-key';
import { verifyWorkspaceAudit } from './verify';

const key = testAuditKey();
const DAY_MS = 24 * 60 * 60 * 1000;

describe.each(hubDatabases)('the audit log’s integrity on $name', ({ open }) => {
  let hub: HubDatabase;
  beforeAll(async () => {
    hub = await open();
  }, 30_000);
  afterAll(() => hub.close());

  let count = 0;
  const workspace = (events: number) => workspaceWithEvents(hub.db, `ws-${++count}`, events);
  const verify = (id: string) => verifyWorkspaceAudit(hub.db, id, [key]);
  /** Signs checkpoints (for every workspace, as the job does) and returns what was signed in this one. */
  async function sign(id: string, now = new Date()) {
    const run = await signCheckpoints(hub.db, key, now);
    return { signed: run.signed.filter((s) => s.workspaceId === id), refused: run.refused.filter((r) => r.workspaceId === id) };
  }
  const exec = (query: ReturnType<typeof sql>) => query.execute(hub.db);

  describe('signed checkpoints', () => {
    it('sign each chain’s head when it moved, and verification reports how far the log is signed', async () => {
      const id = await workspace(5);
      expect(await verify(id)).toEqual({ ok: true, checked: 5, signedThrough: null });
      expect((await sign(id)).signed).toEqual([{ workspaceId: id, sequence: 5 }]);
      expect((await sign(id)).signed).toEqual([]);
      await appendEvents(hub.db, id, 6, 3);
      expect((await sign(id)).signed).toEqual([{ workspaceId: id, sequence: 8 }]);
      expect(await verify(id)).toEqual({ ok: true, checked: 8, signedThrough: 8 });
      const stored = await hub.db.selectFrom('audit_checkpoints').selectAll().where('workspace_id', '=', id).orderBy('sequence').execute();
      expect(stored.map((c) => [c.sequence, c.key_id])).toEqual([
        [5, key.keyId],
        [8, key.keyId],
      ]);
    });

    it('are not signed over events that were tampered with since the last one', async () => {
      const id = await workspace(4);
      await sign(id);
      await appendEvents(hub.db, id, 5, 3);
      await exec(sql`update audit_events set event = jsonb_set(event, '{action}', '"campaign.delete"') where workspace_id = ${id} and sequence = 6`);
      const run = await sign(id);
      expect(run.signed).toEqual([]);
      expect(run.refused).toMatchObject([{ verification: { ok: false, sequence: 6, problem: 'changed' } }]);
    });
  });

  describe('finds tampering made directly in the database', () => {
    it('a changed event', async () => {
      const id = await workspace(5);
      await exec(sql`update audit_events set event = jsonb_set(event, '{action}', '"thing.rewritten"') where workspace_id = ${id} and sequence = 3`);
      expect(await verify(id)).toEqual({ ok: false, checked: 2, sequence: 3, problem: 'changed', message: 'event 3 was changed after it was recorded' });
    });

    it('an event whose content no longer reads as one', async () => {
      const id = await workspace(3);
      await exec(sql`update audit_events set event = '{"note":"gone"}'::jsonb where workspace_id = ${id} and sequence = 2`);
      expect(await verify(id)).toMatchObject({ ok: false, sequence: 2, problem: 'changed' });
    });

    it('a deleted event', async () => {
      const id = await workspace(5);
      await exec(sql`delete from audit_events where workspace_id = ${id} and sequence = 2`);
      expect(await verify(id)).toMatchObject({ ok: false, sequence: 3, problem: 'missing', message: 'event 2 is missing before event 3' });
    });

    it('the earliest events deleted without a tombstone', async () => {
      const id = await workspace(5);
      await exec(sql`delete from audit_events where workspace_id = ${id} and sequence <= 2`);
      expect(await verify(id)).toMatchObject({ ok: false, sequence: 3, problem: 'missing', message: 'event 1 is missing before event 3' });
    });

    it('the latest events deleted after they were signed', async () => {
      const id = await workspace(6);
      await sign(id);
      await exec(sql`delete from audit_events where workspace_id = ${id} and sequence >= 5`);
      expect(await verify(id)).toMatchObject({ ok: false, sequence: 5, problem: 'missing', message: expect.stringMatching(/^events 5 to 6 are missing: they were signed on \d{4}-\d\d-\d\d, but the log ends at event 4$/) });
    });

    it('an inserted event, hashed to fit', async () => {
      const id = await workspace(5);
      await exec(sql`update audit_events set sequence = sequence + 1000 where workspace_id = ${id} and sequence >= 3`);
      await exec(sql`update audit_events set sequence = sequence - 999 where workspace_id = ${id} and sequence >= 1000`);
      const [, second] = await readAuditEvents(hub.db, id);
      const { previousHash, hash, ...content } = appendEvent(second!, testAuditEvent(id, 99, { actor: { kind: 'user', id: 'intruder' }, action: 'grant.admin' }));
      await hub.db.insertInto('audit_events').values({ workspace_id: id, sequence: 3, event: JSON.stringify(content), previous_hash: previousHash, hash }).execute();
      expect(await verify(id)).toMatchObject({ ok: false, sequence: 3, problem: 'inserted', message: 'event 3 appears twice' });
    });

    it('reordered events', async () => {
      const id = await workspace(5);
      for (const [from, to] of [[2, -2], [4, 2], [-2, 4]] as const) {
        await exec(sql`update audit_events set sequence = ${to} where workspace_id = ${id} and sequence = ${from}`);
      }
      expect(await verify(id)).toEqual({ ok: false, checked: 1, sequence: 2, problem: 'reordered', message: 'event 4 was moved to the place of event 2' });
    });

    it('an event copied in from another workspace', async () => {
      const other = await workspace(3);
      const id = `ws-${++count}`;
      await hub.db.insertInto('workspaces').values({ id, name: id }).execute();
      await exec(sql`insert into audit_events (workspace_id, sequence, event, previous_hash, hash) select ${id}, sequence, event, previous_hash, hash from audit_events where workspace_id = ${other}`);
      expect(await verify(id)).toMatchObject({ ok: false, sequence: 1, problem: 'inserted', message: `event 1 was copied in from workspace ${other}` });
    });

    it('a whole tail rewritten with recomputed hashes, by the checkpoint signed before', async () => {
      const id = await workspace(6);
      await sign(id);
      await appendEvents(hub.db, id, 7, 4);
      await sign(id);
      await appendEvents(hub.db, id, 11, 2);
      await rewriteTail(hub.db, id, 8, { action: 'campaign.delete' });
      // The links alone hold together again: only the signature shows the rewrite.
      expect(verifyChain(await readAuditEvents(hub.db, id))).toEqual({ ok: true, checked: 12 });
      expect(await verify(id)).toMatchObject({
        ok: false,
        checked: 10,
        sequence: 10,
        problem: 'signature',
        message: expect.stringMatching(/^event 10 no longer matches the hash signed for it on \d{4}-\d\d-\d\d: some of events 7 to 10 were rewritten after they were signed$/),
      });
    });

    it('a forged checkpoint, signed by another key under the Hub’s key id', async () => {
      const id = await workspace(5);
      const [third] = await hub.db.selectFrom('audit_events').select('hash').where('workspace_id', '=', id).where('sequence', '=', 3).execute();
      const forged = { workspace_id: id, sequence: 3, hash: third!.hash, signed_at: new Date(), key_id: key.keyId, signature: '' };
      forged.signature = signAuditRecord(testAuditKey(), checkpointRecord(forged));
      await hub.db.insertInto('audit_checkpoints').values(forged).execute();
      expect(await verify(id)).toMatchObject({ ok: false, sequence: 3, problem: 'signature', message: 'the checkpoint at event 3 was forged or changed: its signature does not verify' });
    });

    it('a checkpoint edited to fit a rewritten tail', async () => {
      const id = await workspace(5);
      await sign(id);
      await rewriteTail(hub.db, id, 2, { actor: { kind: 'user', id: 'someone-else' } });
      await exec(sql`update audit_checkpoints set hash = (select hash from audit_events where workspace_id = ${id} and sequence = 5) where workspace_id = ${id}`);
      expect(await verify(id)).toMatchObject({ ok: false, sequence: 5, problem: 'signature', message: 'the checkpoint at event 5 was forged or changed: its signature does not verify' });
    });

    it('a checkpoint signed with a key the Hub does not trust', async () => {
      const id = await workspace(2);
      await sign(id);
      expect(await verifyWorkspaceAudit(hub.db, id, [testAuditKey()])).toMatchObject({ ok: false, sequence: 2, problem: 'signature', message: `the checkpoint at event 2 is signed with key ${key.keyId}, which this Hub does not trust` });
    });
  });

  describe('retention', () => {
    /** Events `sequences` of the workspace were recorded `days` ago. */
    const age = (id: string, sequences: number[], days: number) =>
      exec(sql`update audit_events set recorded_at = now() - make_interval(days => ${days}) where workspace_id = ${id} and sequence = any(${sequences})`);

    it('removes the expired prefix of the chain under a signed tombstone, and verification still passes, then and after more events', async () => {
      const id = await workspace(10);
      await sign(id);
      // 1–4 expired; 6 too, but 5 is kept, so the prefix ends at 4.
      await age(id, [1, 2, 3, 4, 6], 40);
      await setAuditRetention(hub.db, id, 30);
      const now = new Date();
      const events = await readAuditEvents(hub.db, id);
      const outcome = await applyRetention(hub.db, id, key, now);
      expect(outcome).toEqual({
        outcome: 'removed',
        removedCount: 4,
        tombstone: { workspaceId: id, throughSequence: 4, throughHash: events[3]!.hash, removedCount: 4, removedBefore: new Date(now.getTime() - 30 * DAY_MS).toISOString(), signedAt: now.toISOString(), keyId: key.keyId },
      });
      expect((await readAuditEvents(hub.db, id)).map((e) => e.sequence)).toEqual([5, 6, 7, 8, 9, 10]);
      expect(await verify(id)).toEqual({ ok: true, checked: 6, signedThrough: 10, tombstone: outcome.outcome === 'removed' ? outcome.tombstone : undefined });

      await appendEvents(hub.db, id, 11, 3);
      await sign(id);
      expect(await verify(id)).toMatchObject({ ok: true, checked: 9, signedThrough: 13 });
      expect(await applyRetention(hub.db, id, key, new Date())).toEqual({ outcome: 'kept', reason: 'nothing-expired' });
    });

    it('removes the checkpoints the tombstone covers, and a second run goes on from the first tombstone', async () => {
      const id = await workspace(6);
      await sign(id);
      await appendEvents(hub.db, id, 7, 2);
      await sign(id);
      await age(id, [1, 2, 3, 4, 5, 6], 10);
      await setAuditRetention(hub.db, id, 7);
      expect(await applyRetention(hub.db, id, key, new Date())).toMatchObject({ outcome: 'removed', removedCount: 6 });
      expect(await hub.db.selectFrom('audit_checkpoints').select('sequence').where('workspace_id', '=', id).execute()).toEqual([{ sequence: 8 }]);
      await age(id, [7], 10);
      expect(await applyRetention(hub.db, id, key, new Date())).toMatchObject({ outcome: 'removed', removedCount: 1, tombstone: { throughSequence: 7 } });
      expect(await verify(id)).toMatchObject({ ok: true, checked: 1, signedThrough: 8, tombstone: { throughSequence: 7 } });
    });

    it('can remove every event, and the chain goes on from the tombstone', async () => {
      const id = await workspace(3);
      await age(id, [1, 2, 3], 3);
      await setAuditRetention(hub.db, id, 1);
      expect(await applyRetention(hub.db, id, key, new Date())).toMatchObject({ outcome: 'removed', removedCount: 3 });
      expect(await verify(id)).toMatchObject({ ok: true, checked: 0, tombstone: { throughSequence: 3 } });
      await appendEvents(hub.db, id, 4, 2);
      expect((await readAuditEvents(hub.db, id)).map((e) => e.sequence)).toEqual([4, 5]);
      expect(await verify(id)).toMatchObject({ ok: true, checked: 2 });
    });

    it('keeps everything without a retention period', async () => {
      const id = await workspace(2);
      await age(id, [1, 2], 4000);
      expect(await applyRetention(hub.db, id, key, new Date())).toEqual({ outcome: 'kept', reason: 'kept-forever' });
    });

    it('refuses to remove events that were tampered with, so the evidence stays', async () => {
      const id = await workspace(5);
      await age(id, [1, 2, 3], 40);
      await setAuditRetention(hub.db, id, 30);
      await exec(sql`update audit_events set event = jsonb_set(event, '{ip}', '"10.0.0.1"') where workspace_id = ${id} and sequence = 2`);
      expect(await applyRetention(hub.db, id, key, new Date())).toMatchObject({ outcome: 'refused', verification: { sequence: 2, problem: 'changed' } });
      expect(await hub.db.selectFrom('audit_events').select('sequence').where('workspace_id', '=', id).execute()).toHaveLength(5);
    });

    it('an edited tombstone is a break', async () => {
      const id = await workspace(5);
      await age(id, [1, 2], 40);
      await setAuditRetention(hub.db, id, 30);
      await applyRetention(hub.db, id, key, new Date());
      await exec(sql`update audit_tombstones set removed_count = 1 where workspace_id = ${id}`);
      expect(await verify(id)).toEqual({ ok: false, checked: 0, sequence: 2, problem: 'tombstone', message: 'the retention record for events up to 2 was forged or changed: its signature does not verify' });
    });

    it('a tombstone moved to hide more events is a break', async () => {
      const id = await workspace(5);
      await age(id, [1, 2], 40);
      await setAuditRetention(hub.db, id, 30);
      await applyRetention(hub.db, id, key, new Date());
      const [fourth] = (await readAuditEvents(hub.db, id)).filter((e: ChainedAuditEvent) => e.sequence === 4);
      await exec(sql`delete from audit_events where workspace_id = ${id} and sequence <= 4`);
      await exec(sql`update audit_tombstones set through_sequence = 4, through_hash = ${fourth!.hash}, removed_count = 4 where workspace_id = ${id}`);
      expect(await verify(id)).toMatchObject({ ok: false, sequence: 4, problem: 'tombstone' });
    });

    it('a deleted tombstone leaves the removed events missing', async () => {
      const id = await workspace(4);
      await age(id, [1, 2], 40);
      await setAuditRetention(hub.db, id, 30);
      await applyRetention(hub.db, id, key, new Date());
      await exec(sql`delete from audit_tombstones where workspace_id = ${id}`);
      expect(await verify(id)).toMatchObject({ ok: false, sequence: 3, problem: 'missing', message: 'event 1 is missing before event 3' });
    });
  });
});
