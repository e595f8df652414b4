import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signCheckpoints } from '../audit/checkpoints';
import { loadAuditSigningKey } from '../audit/signing-key';
import { appendEvents, testAuditKey, workspaceWithEvents } from '../../test/audit-events';
import { hubDatabases } from '../../test/databases';
import { openConfiguredDatabase } from '../db/configured-database';
import type { HubDatabase } from '../db/database';
import { auditVerify, type AuditCliIo } from './audit';

const key = testAuditKey();
const env = { KATA_HUB_AUDIT_SIGNING_KEY: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), KATA_HUB_DATA_DIR: '/nonexistent/kata-hub' };

/** Runs the command and collects what it printed. */
async function run(args: string[], io: Omit<AuditCliIo, 'out' | 'err'>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await auditVerify(args, { ...io, out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe.each(hubDatabases)('npm run hub -- audit verify on $name', ({ open }) => {
  let hub: HubDatabase;
  beforeAll(async () => {
    hub = await open();
    await workspaceWithEvents(hub.db, 'acme', 1_000);
    await workspaceWithEvents(hub.db, 'globex', 1);
    await signCheckpoints(hub.db, key, new Date());
    await appendEvents(hub.db, 'acme', 1_001, 3);
    await hub.db.insertInto('workspaces').values({ id: 'quiet', name: 'quiet' }).execute();
  }, 120_000);
  afterAll(() => hub.close());

  it('says in plain words that each workspace’s log is intact, and exits 0', async () => {
    expect(await run([], { env, database: hub })).toEqual({
      code: 0,
      out: ['workspace acme: 1,003 events intact, signed through 1,000', 'workspace globex: 1 event intact, signed through 1'].join('\n'),
      err: '',
    });
    expect((await run(['--workspace', 'globex', '--json'], { env, database: hub })).out).toBe(JSON.stringify([{ workspaceId: 'globex', ok: true, checked: 1, signedThrough: 1 }], null, 2));
  });

  it('names the event where the chain breaks, and exits 1', async () => {
    await sql`update audit_events set event = jsonb_set(event, '{action}', '"campaign.delete"') where workspace_id = 'acme' and sequence = 37`.execute(hub.db);
    expect(await run([], { env, database: hub })).toEqual({
      code: 1,
      out: ['workspace acme: BROKEN at event 37: event 37 was changed after it was recorded', 'workspace globex: 1 event intact, signed through 1'].join('\n'),
      err: '',
    });
    expect(await run(['--workspace', 'globex'], { env, database: hub })).toMatchObject({ code: 0 });
    const json = await run(['--json', '--workspace', 'acme'], { env, database: hub });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual([{ workspaceId: 'acme', ok: false, checked: 36, sequence: 37, problem: 'changed', message: 'event 37 was changed after it was recorded' }]);
  });

  it('exits 2 with a clear message when it cannot run', async () => {
    expect(await run(['--workspace', 'nope'], { env, database: hub })).toMatchObject({ code: 2, err: 'No workspace nope' });
    expect(await run(['--verbose'], { env, database: hub })).toMatchObject({ code: 2, err: expect.stringContaining('usage: npm run hub -- audit verify [--workspace <id>] [--json]') });
    expect(await run([], { env: { ...env, KATA_HUB_AUDIT_SIGNING_KEY: 'not a key' }, database: hub })).toMatchObject({ code: 2, err: expect.stringContaining('KATA_HUB_AUDIT_SIGNING_KEY: is not a PEM private key') });
  });
});

describe('npm run hub -- audit verify with the configured database', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kata-audit-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('opens the Hub’s own database and key from its data dir', async () => {
    const dataDir = join(dir, 'hub');
    const hubKey = (await loadAuditSigningKey({ dataDir }))!;
    const hub = await openConfiguredDatabase({ KATA_HUB_DATA_DIR: dataDir });
    await workspaceWithEvents(hub.db, 'acme', 3);
    await signCheckpoints(hub.db, hubKey, new Date());
    // While the Hub has its embedded database open, a second opener is turned away rather than corrupt it.
    expect(await run(['--workspace', 'acme'], { env: { KATA_HUB_DATA_DIR: dataDir } })).toMatchObject({ code: 2, err: expect.stringContaining(`is in use by process ${process.pid}, most likely a running Hub`) });
    await hub.close();
    expect(await run(['--workspace', 'acme'], { env: { KATA_HUB_DATA_DIR: dataDir } })).toEqual({ code: 0, out: 'workspace acme: 3 events intact, signed through 3', err: '' });
  }, 60_000);
});
