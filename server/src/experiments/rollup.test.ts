import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyConsentChanges, lockWorkspaceIngest, mergeProfiles, removeEventsBefore } from '../db/cdp-store';
import type { HubDatabase } from '../db/database';
import { forgetRollupsBefore, rollupStates } from '../db/experiment-rollup-store';
import { basisKey, rollupTotals } from '../db/experiment-totals-store';
import * as store from '../db/experiment-store';
import { profileFamily } from '../db/privacy-store';
import { personalDataErasers } from '../privacy/erasers';
import { hubDatabases } from '../../test/databases';
import { testCipher } from '../../test/hub';
import { catchUpRollup } from './rollup';
import { totalsOf, totalsRequest } from './service';

/** A small seeded generator, so that a failure replays. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]! };
}

const workspaceId = 'ws-rollup';
const day = Date.UTC(2026, 10, 10);
const variantsOf = (ids: string[]) => ids.map((id) => ({ id, name: id, ref: { recordType: 'render', recordId: `r-${id}` }, weight: 1 }));
const experiments = [
  { id: 'e-conversion', definition: { variants: variantsOf(['a', 'b']), primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' }, holdoutShare: 0.2 } },
  {
    id: 'e-revenue',
    definition: {
      variants: variantsOf(['a', 'b', 'c']),
      primaryMetric: { kind: 'mean', event: 'Order Completed', valueProperty: 'revenue' },
      guardrails: [{ name: 'Sign-ups', metric: { kind: 'conversion-rate', event: 'Signed Up' }, direction: 'higher-is-better' }],
    },
  },
  { id: 'e-targeted', definition: { variants: variantsOf(['a', 'b']), targetSegmentId: 'seg-1', primaryMetric: { kind: 'mean', event: 'Signed Up', valueProperty: 'score' } } },
];

describe.each(hubDatabases)('the experiment rollup on $name', ({ open }) => {
  let database: HubDatabase;
  const random = generator(20261124);
  let profiles: string[] = [];
  let eventNumber = 0;
  let mergeNumber = 0;
  beforeAll(async () => {
    database = await open();
    const { db } = database;
    await db.insertInto('workspaces').values({ id: workspaceId, name: 'Rollup', slug: 'rollup' }).execute();
    for (const e of experiments) {
      const weights = Object.fromEntries(e.definition.variants.map((v, i) => [v.id, i === 0 ? 0.5 : 0.5 / (e.definition.variants.length - 1)]));
      await store.createExperiment(db, { workspace_id: workspaceId, id: e.id, campaign_id: `c-${e.id}`, name: e.id, definition: e.definition, weights, created_by: 'test', now: new Date() });
      await store.updateExperiment(db, workspaceId, e.id, { status: 'running', started_at: new Date(), now: new Date() });
    }
    profiles = Array.from({ length: 60 }, (_, i) => `p${i}`);
    const seen = new Date(day);
    await db.insertInto('profiles').values(profiles.map((id) => ({ workspace_id: workspaceId, id, merged_into: null, email_enc: null, phone_enc: null, name_enc: null, traits: '{}', first_seen_at: seen, last_seen_at: seen, erased_at: null }))).execute();
    await db
      .insertInto('consents')
      .values(profiles.filter(() => random.next() < 0.8).map((id) => ({ workspace_id: workspaceId, profile_id: id, purpose: 'profiling', status: random.next() < 0.9 ? ('granted' as const) : ('denied' as const), source: 'test', legal_basis: 'consent', updated_at: seen })))
      .execute();
    await db.insertInto('segment_snapshots').values({ workspace_id: workspaceId, segment_id: 'seg-1', version: 1, member_count: 0, members_digest: 'd', computed_at: seen }).execute();
    await db
      .insertInto('segment_members')
      .values(profiles.filter(() => random.next() < 0.6).map((id) => ({ workspace_id: workspaceId, segment_id: 'seg-1', version: 1, profile_id: id })))
      .execute();
  }, 120_000);
  afterAll(async () => {
    await database?.close();
  });

  /** Live (not merged away, not erased) customers to send events for. */
  async function liveProfiles(): Promise<string[]> {
    const rows = await database.db.selectFrom('profiles').select('id').where('workspace_id', '=', workspaceId).where('merged_into', 'is', null).where('erased_at', 'is', null).orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  /**
   * Random events: exposures naming a variant (or one the experiment lacks, or Segment's variation_id, or none,
   * so that hashing assigns it), orders and sign-ups with numeric, textual or missing values; some at the very
   * same second as others, some `late` (dated before everything so far).
   */
  async function sendEvents(count: number, options: { late?: boolean } = {}) {
    const live = await liveProfiles();
    const rows = Array.from({ length: count }, () => {
      const profileId = random.pick(live);
      const experiment = random.pick(experiments);
      const second = (options.late ? -86_400 : 0) + random.int(400);
      const kind = random.next();
      const properties: Record<string, unknown> =
        kind < 0.5
          ? (() => {
              const naming = random.next();
              const variant = random.pick([...experiment.definition.variants.map((v) => v.id), 'zz']);
              return naming < 0.6 ? { experiment_id: experiment.id, variant_id: variant } : naming < 0.75 ? { experiment_id: experiment.id, variation_id: variant } : { experiment_id: experiment.id };
            })()
          : { revenue: random.pick([10, 2.5, 40, '12', null]), score: random.pick([1, 3, 0.5, 'x']) };
      const name = kind < 0.5 ? 'Experiment Viewed' : kind < 0.8 ? 'Order Completed' : 'Signed Up';
      eventNumber += 1;
      return { workspace_id: workspaceId, message_id: `m-${eventNumber}`, type: 'track', name, profile_id: profileId, properties: JSON.stringify(properties), context: '{}', occurred_at: new Date(day + second * 1000) };
    });
    // Under the workspace's ingest lock, as ingest writes.
    await database.db.transaction().execute(async (tx) => {
      await lockWorkspaceIngest(tx, workspaceId);
      await tx.insertInto('events').values(rows).execute();
    });
  }

  async function mergeRandomPairs(count: number) {
    for (let i = 0; i < count; i++) {
      const live = await liveProfiles();
      const survivor = random.pick(live);
      const merged = random.pick(live.filter((id) => id !== survivor));
      await database.db.transaction().execute(async (tx) => {
        await lockWorkspaceIngest(tx, workspaceId);
        await mergeProfiles(tx, { workspaceId, id: `merge-${(mergeNumber += 1)}`, survivor, merged, identifierKind: 'email', identifierHash: `h-${merged}`, messageId: null, at: new Date() });
      });
    }
  }

  async function erase(profileId: string) {
    const profileIds = await profileFamily(database.db, workspaceId, profileId);
    await database.db.transaction().execute(async (tx) => {
      for (const eraser of personalDataErasers) await eraser.erase(tx, { workspaceId, requestId: `erase-${profileId}`, keptProfileId: profileId, profileIds, identifierHashes: [], at: new Date() }, testCipher);
    });
    return profileIds;
  }

  async function rows() {
    return store.listExperiments(database.db, workspaceId, {});
  }

  /** Consent set as the Hub sets it (the customer API's path), which numbers the change for the rollup. */
  async function setProfilingConsent(profileIds: readonly string[], status: 'granted' | 'denied') {
    await database.db.transaction().execute((tx) =>
      applyConsentChanges(tx, workspaceId, profileIds.map((profileId) => ({ profileId, purpose: 'profiling', status, source: 'test', legalBasis: 'consent', messageId: null, at: new Date() }))),
    );
  }

  /** The rollup's totals (caught up) equal the raw reference's, and count someone. */
  async function expectRollupEqualsRaw() {
    const experimentRows = await rows();
    const raw = await totalsOf(database.db, workspaceId, experimentRows, 'raw');
    const fromRollup = await totalsOf(database.db, workspaceId, experimentRows, 'rollup');
    expect(fromRollup).toEqual(raw);
    expect(raw.reduce((n, t) => n + t.n, 0)).toBeGreaterThan(0);
    // And they were read from the kept totals (counted for each experiment's current target), not counted from every unit.
    const states = await rollupStates(database.db, workspaceId);
    const request = await totalsRequest(database.db, workspaceId, experimentRows);
    expect(request.experiments.map((e) => states.get(e.id)?.totalsBasis)).toEqual(request.experiments.map((e) => basisKey(e.segment)));
    return raw;
  }

  it('builds from existing events, then follows new and late events with totals equal to the raw computation', async () => {
    await sendEvents(400);
    const first = await catchUpRollup(database.db, workspaceId);
    expect(first).toMatchObject({ rebuilt: 3, advanced: 0 });
    const totals = await expectRollupEqualsRaw();
    // The mix reaches every kind of unit: held out, of no variant (a name the experiment lacks), and a guardrail metric.
    expect(totals.some((t) => t.variantId === store.holdoutVariantId)).toBe(true);
    expect(totals.some((t) => t.variantId === null)).toBe(true);
    expect(totals.some((t) => t.experimentId === 'e-revenue' && t.metricIndex === 1 && t.converted > 0)).toBe(true);

    await sendEvents(150);
    expect(await catchUpRollup(database.db, workspaceId)).toMatchObject({ rebuilt: 0, advanced: 3 });
    await expectRollupEqualsRaw();
    // Late exposures move first exposures earlier, so conversions before the old first exposure count now.
    await sendEvents(150, { late: true });
    await expectRollupEqualsRaw();
  });

  it('combines the units of merged customers exactly as the raw computation does', async () => {
    const before = await database.db.selectFrom('experiment_rollup').select((eb) => eb.fn.countAll<string>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
    await mergeRandomPairs(8);
    await expectRollupEqualsRaw();
    const after = await database.db.selectFrom('experiment_rollup').select((eb) => eb.fn.countAll<string>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBeLessThan(Number(before.n));
    // A merge, then new events, then a merge of the survivor (a chain), all between two catch-ups.
    await mergeRandomPairs(1);
    await sendEvents(80);
    await mergeRandomPairs(2);
    await expectRollupEqualsRaw();
    expect(await database.db.selectFrom('experiment_rollup as r').innerJoin('profiles as p', (j) => j.onRef('p.workspace_id', '=', 'r.workspace_id').onRef('p.id', '=', 'r.profile_id')).select('r.profile_id').where('p.merged_into', 'is not', null).execute()).toEqual([]);
  });

  it('applies a consent withdrawal at the next read, and a grant again', async () => {
    const before = await expectRollupEqualsRaw();
    const counted = await database.db.selectFrom('experiment_rollup').select('profile_id').where('workspace_id', '=', workspaceId).where('counted', 'is not', null).orderBy('profile_id').limit(3).execute();
    const withdrawn = [...new Set(counted.map((r) => r.profile_id))];
    expect(withdrawn.length).toBeGreaterThan(0);
    await setProfilingConsent(withdrawn, 'denied');
    // Results read right after (they catch up first) no longer count them.
    const after = await expectRollupEqualsRaw();
    expect(after.reduce((n, t) => n + t.n, 0)).toBeLessThan(before.reduce((n, t) => n + t.n, 0));
    await setProfilingConsent(withdrawn, 'granted');
    expect(await expectRollupEqualsRaw()).toEqual(before);
  });

  it('counts the totals again for a new membership version of the target segment', async () => {
    await expectRollupEqualsRaw();
    const members = await database.db.selectFrom('segment_members').select('profile_id').where('workspace_id', '=', workspaceId).where('segment_id', '=', 'seg-1').where('version', '=', 1).execute();
    const kept = members.map((m) => m.profile_id).filter((_, i) => i % 2 === 0);
    await database.db.insertInto('segment_snapshots').values({ workspace_id: workspaceId, segment_id: 'seg-1', version: 2, member_count: kept.length, members_digest: 'd2', computed_at: new Date() }).execute();
    await database.db.insertInto('segment_members').values(kept.map((profile_id) => ({ workspace_id: workspaceId, segment_id: 'seg-1', version: 2, profile_id }))).execute();
    expect(await catchUpRollup(database.db, workspaceId)).toMatchObject({ rebuilt: 0, recounted: 1 });
    const totals = await expectRollupEqualsRaw();
    expect(totals.filter((t) => t.experimentId === 'e-targeted').reduce((n, t) => n + t.n, 0)).toBeGreaterThan(0);
  });

  it('forgets an erased customer: their rollup rows go, and totals still equal the raw computation', async () => {
    await expectRollupEqualsRaw();
    const [{ profile_id: subject }] = await database.db.selectFrom('experiment_rollup').select('profile_id').where('workspace_id', '=', workspaceId).orderBy('profile_id').limit(1).execute() as [{ profile_id: string }];
    const family = await erase(subject);
    const left = await database.db.selectFrom('experiment_rollup').select('profile_id').where('workspace_id', '=', workspaceId).where('profile_id', 'in', family).execute();
    const outcomes = await database.db.selectFrom('experiment_rollup_outcomes').select('profile_id').where('workspace_id', '=', workspaceId).where('profile_id', 'in', family).execute();
    expect({ left, outcomes }).toEqual({ left: [], outcomes: [] });
    await expectRollupEqualsRaw();
  });

  it('stays equal through random rounds of events, late events, merges, consent changes and erasures', async () => {
    for (let round = 0; round < 6; round++) {
      const step = random.int(5);
      if (step === 0) await sendEvents(60, { late: true });
      else if (step === 1) await mergeRandomPairs(3);
      else if (step === 2) {
        const live = await liveProfiles();
        const who = random.pick(live);
        await setProfilingConsent([who], random.next() < 0.5 ? 'granted' : 'denied');
      } else if (step === 3) await erase(random.pick(await liveProfiles()));
      await sendEvents(40);
      await expectRollupEqualsRaw();
    }
  });

  it('stays equal when events, merges and consent changes are written while catch-ups run', async () => {
    let writing = true;
    let catchUps = 0;
    const writer = (async () => {
      // At least a dozen rounds, and on until several catch-ups ran among them.
      for (let round = 0; round < 12 || (catchUps < 3 && round < 200); round++) {
        if (round % 3 === 0) await mergeRandomPairs(1);
        else await sendEvents(25, { late: round % 4 === 1 });
        if (round % 5 === 2) await setProfilingConsent([random.pick(await liveProfiles())], round % 2 === 0 ? 'granted' : 'denied');
      }
    })().finally(() => (writing = false));
    while (writing) {
      await catchUpRollup(database.db, workspaceId);
      catchUps += 1;
    }
    await writer;
    expect(catchUps).toBeGreaterThanOrEqual(3);
    await expectRollupEqualsRaw();
  });

  it('builds an experiment again when its metrics change, and after retention removes early events', async () => {
    const row = (await rows()).find((r) => r.id === 'e-conversion')!;
    const definition = { ...(row.definition as Record<string, unknown>), primaryMetric: { kind: 'mean', event: 'Order Completed', valueProperty: 'revenue' } };
    await database.db.updateTable('experiments').set({ definition: JSON.stringify(definition) }).where('workspace_id', '=', workspaceId).where('id', '=', row.id).execute();
    await sendEvents(20);
    expect(await catchUpRollup(database.db, workspaceId)).toMatchObject({ rebuilt: 1, advanced: 2 });
    await expectRollupEqualsRaw();

    const cutoff = new Date(day + 100_000);
    expect(await removeEventsBefore(database.db, workspaceId, cutoff)).toBeGreaterThan(0);
    expect(await forgetRollupsBefore(database.db, workspaceId, cutoff)).toBeGreaterThan(0);
    await expectRollupEqualsRaw();
  });

  it('gives the same totals from rollupTotals as from the raw query for a subset of experiments', async () => {
    const experimentRows = (await rows()).filter((r) => r.id === 'e-revenue');
    await catchUpRollup(database.db, workspaceId);
    const options = {
      workspaceId,
      experiments: [{ id: 'e-revenue', variants: [{ id: 'a', upper: 0.5 }, { id: 'b', upper: 0.75 }, { id: 'c', upper: 2 }], holdoutShare: 0, segment: null }],
      metrics: [{ experimentId: 'e-revenue', metricIndex: 0, event: 'Order Completed', valueProperty: 'revenue' }],
    };
    expect(experimentRows).toHaveLength(1);
    expect(await rollupTotals(database.db, options)).toEqual(await store.experimentTotals(database.db, options));
  });
});
