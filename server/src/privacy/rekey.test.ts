import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { testHub, testWorkspace } from '../../test/hub';
import type { HubDatabase } from '../db/database';
import { PersonalDataCipher } from './personal-data';
import { resealPersonalData } from './rekey';

describe.each(hubDatabases)('rotating the personal-data key on $name', ({ open }) => {
  let database: HubDatabase;
  let app: FastifyInstance;
  const lookupKey = randomBytes(32);
  const oldKey = { id: 'k2025', key: randomBytes(32) };
  const newKey = { id: 'k2026', key: randomBytes(32) };
  const before = new PersonalDataCipher({ dataKeys: [oldKey], lookupKey });
  const during = new PersonalDataCipher({ dataKeys: [newKey, oldKey], lookupKey });
  const after = new PersonalDataCipher({ dataKeys: [newKey], lookupKey });
  beforeAll(async () => {
    database = await open();
    app = await testHub(database, { personalData: before });
  }, 30_000);
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('reseals every value with the new key, after which the old key can go', async () => {
    const ws = await testWorkspace(app, database);
    const { send } = await ws.writeKey();
    const batch = Array.from({ length: 7 }, (_, i) => ({ type: 'identify', messageId: `m${i}`, userId: `u${i}`, traits: { email: `p${i}@example.com`, phone: `+4420794600${i}`, name: `Person ${i}` } }));
    await send('/v1/batch', { batch });
    // The OIDC client secret is sealed with the same keys, so it moves too.
    expect((await ws.call('PUT', '/v1/sso/oidc', { issuer: 'https://idp.acme.example', clientId: 'kata', clientSecret: 'the client secret', allowedEmailDomains: ['acme.example'] })).statusCode).toBe(200);
    const clientSecret = async () => (await database.db.selectFrom('oidc_configs').select('client_secret').where('workspace_id', '=', ws.id).executeTakeFirstOrThrow()).client_secret!;
    // So are CRM connectors' credentials.
    const connector = (await ws.call('POST', '/v1/connectors/hubspot', { name: 'HubSpot', accessToken: 'pat-na1-rotating-token' })).json();
    const credentials = async () => (await database.db.selectFrom('connector_connections').select('credentials_enc').where('id', '=', connector.id).executeTakeFirstOrThrow()).credentials_enc!;
    const sealed = async () => (await database.db.selectFrom('identities').select('value_enc').where('workspace_id', '=', ws.id).execute()).map((r) => r.value_enc);
    expect((await sealed()).every((v) => v.startsWith('v1.k2025.'))).toBe(true);

    expect((await resealPersonalData(database.db, during, { pageSize: 5 })).resealed).toBeGreaterThanOrEqual(7 * 3 + 7 * 3 + 2);
    expect((await sealed()).every((v) => v.startsWith('v1.k2026.'))).toBe(true);
    expect(after.decrypt(await clientSecret())).toBe('the client secret');
    expect(JSON.parse(after.decrypt(await credentials()))).toEqual({ kind: 'hubspot-private-app', accessToken: 'pat-na1-rotating-token' });
    const profiles = await database.db.selectFrom('profiles').select(['email_enc', 'name_enc']).where('workspace_id', '=', ws.id).execute();
    expect(profiles.map((p) => after.decrypt(p.name_enc!)).sort()).toEqual(batch.map((m) => m.traits.name).sort());
    expect(() => before.decrypt(profiles[0]!.email_enc!)).toThrow(/key "k2026": that key is not configured/);
    // Nothing is left for a second run, and with the old key gone there is nothing to look for.
    expect(await resealPersonalData(database.db, during)).toEqual({ resealed: 0 });
    expect(await resealPersonalData(database.db, after)).toEqual({ resealed: 0 });
  });
});
