import { describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { readAuditEvents } from '../db/audit-store';
import { digestSecret } from '../auth/secrets';
import { callHub, hubOnTestDatabase, ownerPassword, signIn, testWorkspace } from '../../test/hub';

const userUrn = 'urn:ietf:params:scim:schemas:core:2.0:User';
const errorUrn = 'urn:ietf:params:scim:api:messages:2.0:Error';
const patchOp = (...Operations: object[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations });

describe.each(hubDatabases)('SCIM provisioning on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);

  const newUser = (email: string, extra: object = {}) => ({ schemas: [userUrn], userName: email, name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: email, type: 'work', primary: true }], active: true, ...extra });

  it('shows a SCIM token once, keeps only its digest, and refuses it once revoked', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const created = await ws.call('POST', '/v1/scim-tokens', { name: 'Okta' });
    expect(created.statusCode).toBe(201);
    const { token, id, scimUrl } = created.json();
    expect(token).toMatch(/^kscim_[\w-]{12}\.[\w-]{43}$/);
    expect(scimUrl).toMatch(/\/scim\/v2$/);
    const stored = await hub.database.db.selectFrom('scim_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.secret_hash).toBe(digestSecret(token));
    expect(JSON.stringify(stored)).not.toContain(token.split('.')[1]);
    const listed = (await ws.call('GET', '/v1/scim-tokens')).json().scimTokens;
    expect(listed).toEqual([expect.objectContaining({ id, name: 'Okta', revokedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(token);

    expect((await callHub(hub.app, 'GET', '/scim/v2/Users', undefined, token)).statusCode).toBe(200);
    const lastUsed = async () => (await hub.database.db.selectFrom('scim_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow()).last_used_at;
    const firstUse = await lastUsed();
    expect(firstUse).not.toBeNull();
    // Written at most once a minute, like write keys' and API keys'.
    expect((await callHub(hub.app, 'GET', '/scim/v2/ServiceProviderConfig', undefined, token)).statusCode).toBe(200);
    expect(await lastUsed()).toEqual(firstUse);
    expect((await ws.call('DELETE', `/v1/scim-tokens/${id}`)).statusCode).toBe(204);
    const refused = await callHub(hub.app, 'GET', '/scim/v2/Users', undefined, token);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(refused.json()).toMatchObject({ schemas: [errorUrn], status: '401', detail: 'This SCIM token is unknown or revoked.' });
    expect((await readAuditEvents(hub.database.db, ws.id)).map((e) => e.action)).toEqual(expect.arrayContaining(['scim-token.created', 'scim-token.revoked']));
    // Members without sso.manage cannot make one.
    const viewer = await ws.member('viewer');
    expect((await ws.call('POST', '/v1/scim-tokens', { name: 'x' }, viewer.token)).statusCode).toBe(403);
  });

  it('opens /scim/v2 only to a SCIM token, and a SCIM token opens nothing else', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const scim = await ws.scimToken();
    const apiKey = (await ws.call('POST', '/v1/api-keys', { name: 'all', scopes: ['members.read', 'sso.manage'] })).json().key;
    const { authorization: writeKey } = await ws.writeKey();
    for (const credential of [undefined, ws.ownerToken, apiKey, writeKey, 'kscim_abcdefghijkl.not-a-real-token']) {
      const response = await callHub(hub.app, 'GET', '/scim/v2/Users', undefined, credential);
      expect(response.statusCode, String(credential)).toBe(401);
      expect(response.json()).toMatchObject({ schemas: [errorUrn], status: '401' });
    }
    expect((await scim.call('GET', '/v1/members')).statusCode).toBe(403);
    expect((await scim.call('GET', '/v1/me')).statusCode).toBe(403);
    expect((await scim.call('POST', '/v1/scim-tokens', { name: 'more' })).statusCode).toBe(403);
    expect((await scim.call('GET', '/scim/v2/Bulk')).json()).toMatchObject({ schemas: [errorUrn], status: '404', detail: expect.stringMatching(/\/Groups/) });
  });

  it('describes itself: ServiceProviderConfig, ResourceTypes and Schemas', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const scim = await ws.scimToken();
    const config = await scim.call('GET', '/scim/v2/ServiceProviderConfig');
    expect(config.headers['content-type']).toMatch(/^application\/scim\+json/);
    expect(config.json()).toMatchObject({ patch: { supported: true }, filter: { supported: true }, bulk: { supported: false }, authenticationSchemes: [{ type: 'oauthbearertoken' }] });
    const types = (await scim.call('GET', '/scim/v2/ResourceTypes')).json();
    expect(types.Resources.map((t: { name: string; endpoint: string }) => [t.name, t.endpoint])).toEqual([['User', '/Users'], ['Group', '/Groups']]);
    const schemas = (await scim.call('GET', '/scim/v2/Schemas')).json();
    expect(schemas.Resources.map((s: { id: string }) => s.id)).toEqual([userUrn, 'urn:ietf:params:scim:schemas:core:2.0:Group']);
    expect(schemas.Resources[0].attributes.map((a: { name: string }) => a.name)).toEqual(expect.arrayContaining(['userName', 'name', 'emails', 'active', 'externalId', 'displayName', 'groups']));
    expect(schemas.Resources[0].attributes.find((a: { name: string }) => a.name === 'groups')).toMatchObject({ multiValued: true, mutability: 'readOnly' });
    expect(schemas.Resources[1].attributes.map((a: { name: string }) => a.name)).toEqual(['displayName', 'externalId', 'members']);
  });

  it('creates, reads, lists, filters and pages users', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const scim = await ws.scimToken();
    // Okta sends application/scim+json.
    const created = await hub.app.inject({ method: 'POST', url: '/scim/v2/Users', headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json; charset=utf-8' }, payload: JSON.stringify(newUser('Ada@Example.com', { externalId: 'okta-1' })) });
    expect(created.statusCode, created.body).toBe(201);
    const ada = created.json();
    expect(created.headers.location).toBe(ada.meta.location);
    expect(ada).toMatchObject({ schemas: [userUrn], userName: 'ada@example.com', externalId: 'okta-1', displayName: 'Ada Lovelace', name: { givenName: 'Ada', familyName: 'Lovelace' }, emails: [{ value: 'ada@example.com', primary: true }], active: true, meta: { resourceType: 'User' } });
    const member = (await ws.call('GET', '/v1/members')).json().members.find((m: { id: string }) => m.id === ada.id);
    expect(member).toMatchObject({ email: 'ada@example.com', role: 'viewer', active: true });
    expect((await hub.database.db.selectFrom('users').select('password_hash').where('id', '=', ada.id).executeTakeFirstOrThrow()).password_hash).toBeNull();
    expect((await scim.call('GET', `/scim/v2/Users/${ada.id}`)).json()).toEqual(ada);

    const grace = (await scim.call('POST', '/scim/v2/Users', newUser('grace@example.com', { displayName: 'Grace Hopper', externalId: 'okta-2', name: { givenName: 'Grace', familyName: 'Hopper' } }))).json();
    const alan = (await scim.call('POST', '/scim/v2/Users', newUser('alan@example.com', { displayName: 'Alan Turing', externalId: 'okta-3' }))).json();
    const ids = async (filter: string) => (await scim.call('GET', `/scim/v2/Users?filter=${encodeURIComponent(filter)}`)).json().Resources.map((u: { id: string }) => u.id).sort();
    expect(await ids('userName eq "ADA@example.com"')).toEqual([ada.id]);
    expect(await ids('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ada@example.com"')).toEqual([ada.id]);
    expect(await ids('emails[type eq "work" and value eq "Alan@example.com"]')).toEqual([alan.id]);
    expect(await ids('externalId eq "okta-2"')).toEqual([grace.id]);
    expect(await ids('emails.value eq "alan@example.com"')).toEqual([alan.id]);
    expect(await ids('displayName eq "Grace Hopper"')).toEqual([grace.id]);
    expect(await ids('displayName eq "grace HOPPER"')).toEqual([grace.id]);
    expect(await ids('displayName eq "Grace Hopper" and externalId eq "okta-2"')).toEqual([grace.id]);
    expect(await ids('displayName eq "Grace Hopper" and externalId eq "okta-3"')).toEqual([]);
    expect(await ids('userName eq "ada@example.com" or externalId eq "okta-3"')).toEqual([ada.id, alan.id].sort());
    expect(await ids('userName eq "nobody@example.com"')).toEqual([]);
    const bad = await scim.call('GET', `/scim/v2/Users?filter=${encodeURIComponent('userName equals')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ schemas: [errorUrn], status: '400', scimType: 'invalidFilter', detail: expect.stringMatching(/^filter: /) });

    // Four users: the owner and three provisioned.
    const page = (query: string) => scim.call('GET', `/scim/v2/Users?${query}`).then((r) => r.json());
    expect(await page('')).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 4, startIndex: 1, itemsPerPage: 4 });
    const second = await page('startIndex=2&count=2');
    expect(second).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 });
    expect(second.Resources.map((u: { id: string }) => u.id)).toEqual([ada.id, grace.id]);
    expect((await page('startIndex=4&count=10')).Resources.map((u: { id: string }) => u.id)).toEqual([alan.id]);
    expect(await page('count=0')).toMatchObject({ totalResults: 4, itemsPerPage: 0, Resources: [] });
    expect((await scim.call('GET', '/scim/v2/Users?count=-1')).json()).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringMatching(/count: /) });

    expect((await readAuditEvents(hub.database.db, ws.id)).filter((e) => e.action === 'scim.user.created').map((e) => e.target?.id).sort()).toEqual([ada.id, grace.id, alan.id].sort());
  });

  it('refuses a duplicate userName with 409 uniqueness, and bad bodies with 400 naming the field', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const scim = await ws.scimToken();
    const ada = (await scim.call('POST', '/scim/v2/Users', newUser('ada@example.com'))).json();
    const again = await scim.call('POST', '/scim/v2/Users', newUser('ADA@example.com'));
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ schemas: [errorUrn], status: '409', scimType: 'uniqueness', detail: expect.stringMatching(/^userName: /) });
    expect((await scim.call('POST', '/scim/v2/Users', newUser(ws.ownerEmail))).json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const other = (await scim.call('POST', '/scim/v2/Users', newUser('other@example.com'))).json();
    expect((await scim.call('PUT', `/scim/v2/Users/${other.id}`, newUser('ada@example.com'))).json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    const notEmail = await scim.call('POST', '/scim/v2/Users', newUser('not an email'));
    expect(notEmail.statusCode).toBe(400);
    expect(notEmail.json()).toMatchObject({ schemas: [errorUrn], scimType: 'invalidValue', detail: expect.stringMatching(/userName: must be an email address/) });
    const badJson = await hub.app.inject({ method: 'POST', url: '/scim/v2/Users', headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json' }, payload: '{"userName": ' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toMatchObject({ scimType: 'invalidSyntax' });
    const badPatch = await scim.call('PATCH', `/scim/v2/Users/${ada.id}`, patchOp({ op: 'Replace', path: 'userName', value: 42 }));
    expect(badPatch.json()).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringMatching(/^userName: /) });
    expect((await scim.call('PATCH', `/scim/v2/Users/${ada.id}`, patchOp({ op: 'frobnicate', path: 'active', value: false }))).json()).toMatchObject({ status: '400', detail: expect.stringMatching(/Operations\.0\.op: must be add, replace or remove/) });
  });

  it('replaces with PUT, and patches in the shapes Okta and Entra send', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const scim = await ws.scimToken();
    const ada = (await scim.call('POST', '/scim/v2/Users', newUser('ada@example.com', { externalId: 'x1' }))).json();
    const put = await scim.call('PUT', `/scim/v2/Users/${ada.id}`, newUser('ada.lovelace@example.com', { name: { givenName: 'Augusta', familyName: 'King' }, externalId: 'x2' }));
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ id: ada.id, userName: 'ada.lovelace@example.com', displayName: 'Augusta King', externalId: 'x2', active: true });

    // Entra: capitalised ops, paths, and a string for a boolean.
    const entra = await scim.call('PATCH', `/scim/v2/Users/${ada.id}`, patchOp({ op: 'Replace', path: 'name.givenName', value: 'Ada' }, { op: 'Add', path: 'emails[type eq "work"].value', value: 'ada.lovelace@example.com' }, { op: 'Replace', path: 'displayName', value: 'Ada King' }));
    expect(entra.statusCode, entra.body).toBe(200);
    expect(entra.json()).toMatchObject({ name: { givenName: 'Ada', familyName: 'King' }, displayName: 'Ada King', emails: [{ value: 'ada.lovelace@example.com' }] });
    expect((await scim.call('PATCH', `/scim/v2/Users/${ada.id}`, patchOp({ op: 'Remove', path: 'externalId' }))).json().externalId).toBeUndefined();
    const entraOff = await scim.call('PATCH', `/scim/v2/Users/${ada.id}`, patchOp({ op: 'Replace', path: 'active', value: 'False' }));
    expect(entraOff.json()).toMatchObject({ active: false });
    const entraOn = await scim.call('PATCH', `/scim/v2/Users/${ada.id}`, patchOp({ op: 'Replace', path: 'active', value: 'True' }));
    expect(entraOn.json()).toMatchObject({ active: true });

    // Okta: a path-less replace with a value object.
    const okta = await scim.call('PATCH', `/scim/v2/Users/${ada.id}`, patchOp({ op: 'replace', value: { active: false } }));
    expect(okta.statusCode, okta.body).toBe(200);
    expect(okta.json()).toMatchObject({ id: ada.id, active: false, userName: 'ada.lovelace@example.com' });
    expect((await ws.call('GET', '/v1/members')).json().members.find((m: { id: string }) => m.id === ada.id)).toMatchObject({ active: false });
    const actions = (await readAuditEvents(hub.database.db, ws.id)).filter((e) => e.target?.id === ada.id).map((e) => e.action);
    expect(actions).toEqual(['scim.user.created', 'scim.user.updated', 'scim.user.updated', 'scim.user.updated', 'scim.user.deactivated', 'scim.user.reactivated', 'scim.user.deactivated']);
  });

  it("deactivation ends the member's sessions at once; deletion removes them; the last owner stays", async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    const scim = await ws.scimToken();
    const member = await ws.member('creator', 'carol');
    expect((await ws.call('GET', '/v1/me', undefined, member.token)).statusCode).toBe(200);
    const carol = (await scim.call('GET', `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${member.email}"`)}`)).json().Resources[0];
    expect(carol.id).toBe(member.id);
    expect((await scim.call('PATCH', `/scim/v2/Users/${carol.id}`, patchOp({ op: 'replace', value: { active: false } }))).statusCode).toBe(200);
    expect((await ws.call('GET', '/v1/me', undefined, member.token)).statusCode).toBe(401);
    expect(await hub.database.db.selectFrom('sessions').select('token_hash').where('user_id', '=', carol.id).where('revoked_at', 'is', null).execute()).toEqual([]);
    await expect(signIn(hub.app, member.email, ownerPassword, ws.slug)).rejects.toThrow(/sign-in failed/);

    // PUT active=false does the same.
    const dave = await ws.member('analyst', 'dave');
    const daveUser = (await scim.call('GET', `/scim/v2/Users/${dave.id}`)).json();
    expect((await scim.call('PUT', `/scim/v2/Users/${dave.id}`, { ...daveUser, active: false })).json().active).toBe(false);
    expect((await ws.call('GET', '/v1/me', undefined, dave.token)).statusCode).toBe(401);

    // DELETE: the member is removed as the console removes one, and is gone from SCIM.
    const erin = await ws.member('viewer', 'erin');
    expect((await scim.call('DELETE', `/scim/v2/Users/${erin.id}`)).statusCode).toBe(204);
    expect((await ws.call('GET', '/v1/me', undefined, erin.token)).statusCode).toBe(401);
    expect((await scim.call('GET', `/scim/v2/Users/${erin.id}`)).json()).toMatchObject({ schemas: [errorUrn], status: '404' });
    expect((await ws.call('GET', '/v1/members')).json().members.find((m: { id: string }) => m.id === erin.id)).toMatchObject({ active: false });
    // Provisioned again, they keep their id (the audit log's history stays theirs), as a viewer.
    const back = (await scim.call('POST', '/scim/v2/Users', newUser(erin.email))).json();
    expect(back).toMatchObject({ id: erin.id, active: true });

    // The workspace's only owner can be neither deactivated nor deleted.
    for (const attempt of [scim.call('PATCH', `/scim/v2/Users/${ws.ownerId}`, patchOp({ op: 'replace', value: { active: false } })), scim.call('DELETE', `/scim/v2/Users/${ws.ownerId}`)]) {
      const response = await attempt;
      expect(response.statusCode).toBe(409);
      expect(response.json()).toMatchObject({ schemas: [errorUrn], detail: expect.stringMatching(/last owner/) });
    }
    expect((await ws.call('GET', '/v1/me')).statusCode).toBe(200);
    const actions = (await readAuditEvents(hub.database.db, ws.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['scim.user.deactivated', 'scim.user.deleted']));
  });

  it("does not let another workspace's token see or change this workspace's users", async () => {
    const a = await testWorkspace(hub.app, hub.database);
    const b = await testWorkspace(hub.app, hub.database);
    const aScim = await a.scimToken();
    const bScim = await b.scimToken();
    const ada = (await aScim.call('POST', '/scim/v2/Users', newUser('ada@a.example'))).json();
    expect((await bScim.call('GET', '/scim/v2/Users')).json().Resources.map((u: { userName: string }) => u.userName)).toEqual([b.ownerEmail]);
    expect((await bScim.call('GET', `/scim/v2/Users?filter=${encodeURIComponent('userName eq "ada@a.example"')}`)).json().totalResults).toBe(0);
    for (const [method, body] of [['GET', undefined], ['PUT', newUser('ada@a.example', { active: false })], ['PATCH', patchOp({ op: 'replace', value: { active: false } })], ['DELETE', undefined]] as const) {
      const response = await bScim.call(method, `/scim/v2/Users/${ada.id}`, body);
      expect(response.statusCode, method).toBe(404);
      expect(response.json()).toMatchObject({ schemas: [errorUrn], status: '404' });
    }
    expect((await bScim.call('DELETE', `/v1/scim-tokens/${aScim.id}`)).statusCode).toBe(403);
    expect((await b.call('DELETE', `/v1/scim-tokens/${aScim.id}`)).statusCode).toBe(404);
    expect((await aScim.call('GET', `/scim/v2/Users/${ada.id}`)).json()).toMatchObject({ active: true });
    // b can create the same userName in its own workspace.
    expect((await bScim.call('POST', '/scim/v2/Users', newUser('ada@a.example'))).statusCode).toBe(201);
  });
});
