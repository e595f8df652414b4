import 'fake-indexeddb/auto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubDatabase } from '../../server/src/db/database';
import { hubDatabases } from '../../server/test/databases';
import { experimentFixtures } from '../../server/test/experiments';
import { testHub, testWorkspace } from '../../server/test/hub';
import { createFileVault } from '../../src/main/auth/token-vault';
import { createHubAccount } from '../../src/main/hub/hub-account';
import { createHubExperiments } from '../../src/main/hub/hub-experiments';
import { createHubSync } from '../../src/main/hub/hub-sync';
import { campaignRepository } from '../../src/renderer/db/campaigns';
import { KataDatabase, openDatabase } from '../../src/renderer/db/database';
import { createSyncEngine } from '../../src/renderer/db/sync-engine';
import { tempDir } from '../ffmpeg-fixtures';

type Workspace = Awaited<ReturnType<typeof testWorkspace>>;

// Studio (its sync engine over Dexie, main's Hub client) and a real Hub: an experiment's live leader as Studio reads
// it, then the promoted winner arriving in Studio's campaign through sync and staying there through Studio's own edits.
describe('a campaign’s winning creative, from a real Hub into Studio', () => {
  let database: HubDatabase;
  let app: FastifyInstance;
  let hubUrl: string;
  const opened: KataDatabase[] = [];

  beforeAll(async () => {
    database = await hubDatabases[0]!.open();
    app = await testHub(database);
    await app.listen({ port: 0, host: '127.0.0.1' });
    hubUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  }, 120_000);
  afterAll(async () => {
    for (const db of opened) await db.delete();
    await app?.close();
    await database?.close();
  });

  /** Main's Hub account for the workspace owner, signed in. */
  async function accountFor(ws: Workspace) {
    const dir = await tempDir('studio-experiments');
    const vault = createFileVault(join(dir, 'hub-session.json'));
    await vault.save({ version: 1, hubUrl, accessToken: ws.ownerToken, refreshToken: 'not-used', expiresAt: Date.now() + 3_600_000, user: { id: ws.ownerId, name: 'Olivia Owner', email: ws.ownerEmail, role: 'owner' }, workspace: { id: ws.id, name: 'Workspace', slug: ws.slug } });
    return createHubAccount({ vault, settingsFile: join(dir, 'hub-settings.json'), defaultSetting: { url: hubUrl }, onWarning: () => undefined });
  }

  it('reads the live leader while the experiment runs, then keeps the promoted winner in the campaign', async () => {
    const ws = await testWorkspace(app, database);
    const account = await accountFor(ws);
    const db = await openDatabase(new KataDatabase(`studio-experiments-${crypto.randomUUID()}`));
    opened.push(db);
    const engine = createSyncEngine({ db, transport: createHubSync(account), firstRetryMs: 10, longestRetryMs: 50 });
    const campaigns = campaignRepository(db);
    const campaign = await campaigns.create({ name: 'Spring launch' });
    expect(await engine.syncNow()).toMatchObject({ state: 'synced' });

    // An experiment on the campaign, made on the Hub: 20 customers see each variant; 4 of the control's buy, 12 of the bold hook's.
    const fixtures = experimentFixtures(app, ws);
    const definition = { variants: [{ id: 'control', name: 'Control', ref: { recordType: 'persona', recordId: 'persona-calm' } }, { id: 'bold', name: 'Bold hook', ref: { recordType: 'persona', recordId: 'persona-bold' } }], primaryMetric: { kind: 'conversion-rate', event: 'Order Completed' } };
    const created = await ws.call('POST', '/v1/experiments', { campaignId: campaign.id, name: 'Hooks', definition });
    expect(created.statusCode, created.body).toBe(201);
    const experimentId = created.json().id as string;
    await ws.call('POST', `/v1/experiments/${experimentId}/start`, {});
    const users = Array.from({ length: 40 }, (_, i) => `u${i}`);
    await fixtures.customers(users.map((userId) => ({ userId, profiling: true })));
    const at = (minute: number) => new Date(Date.UTC(2026, 10, 24, 9, minute)).toISOString();
    await fixtures.send([
      ...users.map((userId, i) => ({ userId, event: 'Experiment Viewed', properties: { experiment_id: experimentId, variant_id: i < 20 ? 'control' : 'bold' }, timestamp: at(1) })),
      ...[...users.slice(0, 4), ...users.slice(20, 32)].map((userId) => ({ userId, event: 'Order Completed', properties: {}, timestamp: at(2) })),
    ]);

    const experiments = createHubExperiments(account);
    const live = (await experiments.forCampaign(campaign.id)).experiments;
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ id: experimentId, name: 'Hooks', status: 'running', winnerVariantId: null, live: { customers: 40, sampleRatioMismatch: false, leader: { variantId: 'bold', name: 'Bold hook', ref: { recordType: 'persona', recordId: 'persona-bold' }, mean: 0.6, chanceToWin: null } } });
    expect(live[0]!.live!.leader!.lift).toBeCloseTo(2, 9);
    expect(live[0]!.live!.leader!.pValue).toBeGreaterThan(0);
    expect((await experiments.forCampaign('another-campaign')).experiments).toEqual([]);

    // Promoted on the Hub: Studio's next sync brings the active creative into the campaign.
    const promoted = await ws.call('POST', `/v1/experiments/${experimentId}/promote`, { variantId: 'bold' });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(await engine.syncNow()).toMatchObject({ state: 'synced' });
    const activeCreative = { recordType: 'persona', recordId: 'persona-bold', experimentId, variantId: 'bold', promotedAt: expect.any(String) };
    expect((await campaigns.get(campaign.id))?.activeCreative).toEqual(activeCreative);
    expect((await experiments.forCampaign(campaign.id)).experiments[0]).toMatchObject({ status: 'decided', winnerVariantId: 'bold', live: null });

    // Studio's own edit travels without touching it, on the Hub or here.
    await campaigns.rename(campaign.id, 'Spring launch EU');
    expect(await engine.syncNow()).toMatchObject({ state: 'synced' });
    expect(await campaigns.get(campaign.id)).toMatchObject({ name: 'Spring launch EU', activeCreative });
    const pulled = (await ws.call('GET', '/v1/sync/pull?limit=1000')).json() as { changes: { recordId: string; fields: Record<string, unknown> }[] };
    expect(pulled.changes.find((r) => r.recordId === campaign.id)?.fields).toMatchObject({ name: 'Spring launch EU', activeCreative });
    expect(await db.syncConflicts.count()).toBe(0);
  }, 120_000);

  it('says Studio is signed out rather than showing stale experiments', async () => {
    const ws = await testWorkspace(app, database);
    const account = await accountFor(ws);
    await account.signOut();
    await expect(createHubExperiments(account).forCampaign('any')).rejects.toMatchObject({ kind: 'signed-out' });
  });
});
