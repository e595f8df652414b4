import { describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { readAuditEvents } from '../db/audit-store';
import { hubOnTestDatabase, testWorkspace } from '../../test/hub';

const groupUrn = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const errorUrn = 'urn:ietf:params:scim:api:messages:2.0:Error';
const patchOp = (...Operations: object[]) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations });
const newUser = (email: string, displayName: string) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: email, displayName, active: true });

describe.each(hubDatabases)('SCIM Groups on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);

  /** A workspace with its SCIM token and three provisioned users. */
  async function provisioned() {
    const ws = await testWorkspace(hub.app, hub.database);
    const scim = await ws.scimToken();
    const user = async (email: string, name: string): Promise<string> => (await scim.call('POST', '/scim/v2/Users', newUser(email, name))).json().id;
    const ada = await user(`ada@${ws.slug}.example`, 'Ada Lovelace');
    const grace = await user(`grace@${ws.slug}.example`, 'Grace Hopper');
    const alan = await user(`alan@${ws.slug}.example`, 'Alan Turing');
    const memberIds = async (groupId: string) => ((await scim.call('GET', `/scim/v2/Groups/${groupId}`)).json().members as { value: string }[]).map((m) => m.value).sort();
    const actions = async (groupId: string) => (await readAuditEvents(hub.database.db, ws.id)).filter((e) => e.target?.id === groupId).map((e) => e.action);
    return { ws, scim, ada, grace, alan, memberIds, actions };
  }

  it('creates, reads, lists, filters and pages groups, and users show their groups', async () => {
    const { ws, scim, ada, grace, alan } = await provisioned();
    const created = await hub.app.inject({ method: 'POST', url: '/scim/v2/Groups', headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'application/scim+json' }, payload: JSON.stringify({ schemas: [groupUrn], displayName: 'Editors', externalId: 'okta-g1', members: [{ value: ada, display: 'whatever Okta says' }, { value: grace }] }) });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.headers['content-type']).toMatch(/^application\/scim\+json/);
    const editors = created.json();
    expect(created.headers.location).toBe(editors.meta.location);
    expect(editors).toMatchObject({ schemas: [groupUrn], displayName: 'Editors', externalId: 'okta-g1', meta: { resourceType: 'Group', location: expect.stringMatching(new RegExp(`/scim/v2/Groups/${editors.id}$`)) } });
    expect(editors.members).toEqual([
      { value: ada, display: 'Ada Lovelace', type: 'User', $ref: expect.stringMatching(new RegExp(`/scim/v2/Users/${ada}$`)) },
      { value: grace, display: 'Grace Hopper', type: 'User', $ref: expect.stringMatching(new RegExp(`/scim/v2/Users/${grace}$`)) },
    ]);
    expect((await scim.call('GET', `/scim/v2/Groups/${editors.id}`)).json()).toEqual(editors);
    expect((await scim.call('GET', `/scim/v2/Groups/${editors.id}?excludedAttributes=members`)).json()).toEqual({ ...editors, members: undefined });
    const admins = (await scim.call('POST', '/scim/v2/Groups', { schemas: [groupUrn], displayName: 'Admins', externalId: 'okta-g2', members: [{ value: alan }, { value: ada }] })).json();
    const empty = (await scim.call('POST', '/scim/v2/Groups', { displayName: 'Nobody yet' })).json();
    expect(empty.members).toEqual([]);

    // Users carry their groups, read-only.
    const adaUser = (await scim.call('GET', `/scim/v2/Users/${ada}`)).json();
    expect(adaUser.groups.map((g: { display: string }) => g.display)).toEqual(['Admins', 'Editors']);
    expect(adaUser.groups[1]).toEqual({ value: editors.id, display: 'Editors', type: 'direct', $ref: editors.meta.location });
    expect((await scim.call('GET', `/scim/v2/Users?filter=${encodeURIComponent(`groups.value eq "${admins.id}"`)}`)).json().Resources.map((u: { id: string }) => u.id).sort()).toEqual([ada, alan].sort());
    expect((await scim.call('GET', `/scim/v2/Users/${ws.ownerId}`)).json().groups).toEqual([]);
    // A PUT that sends groups back does not change them.
    expect((await scim.call('PUT', `/scim/v2/Users/${grace}`, { ...newUser(`grace@${ws.slug}.example`, 'Grace Hopper'), groups: [{ value: admins.id }] })).json().groups.map((g: { value: string }) => g.value)).toEqual([editors.id]);

    const ids = async (filter: string) => (await scim.call('GET', `/scim/v2/Groups?filter=${encodeURIComponent(filter)}`)).json().Resources.map((g: { id: string }) => g.id).sort();
    expect(await ids('displayName eq "Editors"')).toEqual([editors.id]);
    expect(await ids('displayName eq "eDITORS"')).toEqual([editors.id]);
    expect(await ids('urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Admins"')).toEqual([admins.id]);
    expect(await ids('externalId eq "okta-g2"')).toEqual([admins.id]);
    expect(await ids('externalId eq "OKTA-G2"')).toEqual([]);
    expect(await ids(`members.value eq "${ada}"`)).toEqual([editors.id, admins.id].sort());
    expect(await ids(`members[value eq "${alan}"]`)).toEqual([admins.id]);
    expect(await ids(`displayName eq "Editors" and members.value eq "${alan}"`)).toEqual([]);
    expect(await ids('displayName eq "Editors" or externalId eq "okta-g2"')).toEqual([editors.id, admins.id].sort());
    expect(await ids('displayName eq "Nobody"')).toEqual([]);
    const bad = await scim.call('GET', `/scim/v2/Groups?filter=${encodeURIComponent('displayName is "x"')}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ schemas: [errorUrn], scimType: 'invalidFilter', detail: expect.stringMatching(/^filter: .*Example: displayName eq "Editors"/) });

    const page = (query: string) => scim.call('GET', `/scim/v2/Groups?${query}`).then((r) => r.json());
    expect(await page('')).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 3, startIndex: 1, itemsPerPage: 3 });
    const second = await page('startIndex=2&count=1');
    expect(second).toMatchObject({ totalResults: 3, startIndex: 2, itemsPerPage: 1 });
    expect(second.Resources.map((g: { id: string }) => g.id)).toEqual([admins.id]);
    // Entra looks a group up by name without its members.
    const lookup = await page(`excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Editors"')}`);
    expect(lookup.Resources).toEqual([{ ...editors, members: undefined }].map((g) => JSON.parse(JSON.stringify(g))));
    expect((await scim.call('GET', '/scim/v2/Groups?count=-1')).json()).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringMatching(/count: /) });

    expect((await readAuditEvents(hub.database.db, ws.id)).filter((e) => e.action === 'scim.group.created').map((e) => e.target)).toEqual(expect.arrayContaining([{ kind: 'scim-group', id: editors.id }, { kind: 'scim-group', id: admins.id }, { kind: 'scim-group', id: empty.id }]));
  });

  it('is in the OpenAPI document (the members\' $ref key does not confuse its generator)', async () => {
    const openapi = (await hub.app.inject({ url: '/openapi.json' })).json();
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/scim/v2/Groups', '/scim/v2/Groups/{id}']));
    expect(Object.keys(openapi.paths['/scim/v2/Groups/{id}'])).toEqual(expect.arrayContaining(['get', 'put', 'patch', 'delete']));
  });

  it('refuses a taken displayName with 409 uniqueness, unknown members with 400 naming them, and bad bodies', async () => {
    const { ws, scim, ada } = await provisioned();
    const editors = (await scim.call('POST', '/scim/v2/Groups', { displayName: 'Editors' })).json();
    const again = await scim.call('POST', '/scim/v2/Groups', { displayName: 'EDITORS' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ schemas: [errorUrn], status: '409', scimType: 'uniqueness', detail: expect.stringMatching(new RegExp(`^displayName: "Editors" already names group ${editors.id}`)) });
    const other = (await scim.call('POST', '/scim/v2/Groups', { displayName: 'Other' })).json();
    expect((await scim.call('PUT', `/scim/v2/Groups/${other.id}`, { displayName: 'editors' })).json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    expect((await scim.call('PATCH', `/scim/v2/Groups/${other.id}`, patchOp({ op: 'Replace', path: 'displayName', value: 'Editors' }))).json()).toMatchObject({ status: '409', scimType: 'uniqueness' });
    // Renaming a group to itself in another case is fine.
    expect((await scim.call('PUT', `/scim/v2/Groups/${editors.id}`, { displayName: 'EDITORS' })).json().displayName).toBe('EDITORS');

    // Members must be users of this workspace: made-up ids, another workspace's users, and the owner (not SCIM-provisioned, but a user) are told apart.
    const elsewhere = await testWorkspace(hub.app, hub.database);
    const foreign = (await (await elsewhere.scimToken()).call('POST', '/scim/v2/Users', newUser('x@elsewhere.example', 'X'))).json().id;
    const unknown = await scim.call('POST', '/scim/v2/Groups', { displayName: 'Mixed', members: [{ value: ada }, { value: 'no-such-user' }, { value: foreign }] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ schemas: [errorUrn], scimType: 'invalidValue', detail: `members: no-such-user, ${foreign} are not users of this workspace; provision them through /Users first.` });
    expect((await scim.call('PATCH', `/scim/v2/Groups/${editors.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: 'ghost' }] }))).json()).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringMatching(/^members: ghost is not a user of this workspace/) });
    expect((await scim.call('GET', '/scim/v2/Groups?filter=displayName%20eq%20%22Mixed%22')).json().totalResults).toBe(0);
    expect((await scim.call('POST', '/scim/v2/Groups', { displayName: 'With owner', members: [{ value: ws.ownerId }] })).statusCode).toBe(201);

    expect((await scim.call('POST', '/scim/v2/Groups', { displayName: '  ' })).json()).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringMatching(/displayName: /) });
    expect((await scim.call('POST', '/scim/v2/Groups', { displayName: 'x', members: [{ display: 'no value' }] })).json()).toMatchObject({ status: '400', detail: expect.stringMatching(/members\.0\.value: must be the member's user id/) });
    expect((await scim.call('PATCH', `/scim/v2/Groups/${editors.id}`, patchOp({ op: 'add', path: 'members', value: [{ display: 'no value' }] }))).json()).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringMatching(/^members\.0\.value: /) });
    expect((await scim.call('PATCH', `/scim/v2/Groups/${editors.id}`, patchOp({ op: 'remove' }))).json()).toMatchObject({ status: '400', scimType: 'noTarget' });
    expect((await scim.call('PATCH', `/scim/v2/Groups/${editors.id}`, patchOp({ op: 'replace', path: 'displayName', value: 7 }))).json()).toMatchObject({ status: '400', scimType: 'invalidValue', detail: expect.stringMatching(/^displayName: /) });
  });

  it('patches members and names in the shapes Okta sends', async () => {
    const { scim, ada, grace, alan, memberIds, actions } = await provisioned();
    const group = (await scim.call('POST', '/scim/v2/Groups', { displayName: 'Okta group', members: [{ value: ada }] })).json();
    const added = await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: grace, display: 'grace@example.com' }, { value: alan, display: 'alan@example.com' }, { value: ada, display: 'already in' }] }));
    expect(added.statusCode, added.body).toBe(200);
    expect(await memberIds(group.id)).toEqual([ada, grace, alan].sort());
    const removed = await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'remove', path: `members[value eq "${grace}"]` }));
    expect(removed.statusCode, removed.body).toBe(200);
    expect(await memberIds(group.id)).toEqual([ada, alan].sort());
    const renamed = await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'replace', value: { id: group.id, displayName: 'Okta renamed' } }));
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ id: group.id, displayName: 'Okta renamed' });
    expect(await memberIds(group.id)).toEqual([ada, alan].sort());
    // Removing someone who is not a member changes nothing.
    expect((await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'remove', path: `members[value eq "${grace}"]` }))).statusCode).toBe(200);
    expect(await memberIds(group.id)).toEqual([ada, alan].sort());
    // Okta's PUT replaces the whole group, members included.
    const put = await scim.call('PUT', `/scim/v2/Groups/${group.id}`, { schemas: [groupUrn], displayName: 'Okta renamed', externalId: 'okta-9', members: [{ value: grace }] });
    expect(put.json()).toMatchObject({ externalId: 'okta-9', members: [{ value: grace }] });
    expect(await actions(group.id)).toEqual(['scim.group.created', 'scim.group.updated', 'scim.group.updated', 'scim.group.updated', 'scim.group.updated', 'scim.group.updated']);
  });

  it('patches members and names in the shapes Entra sends', async () => {
    const { scim, ada, grace, alan, memberIds } = await provisioned();
    const group = (await scim.call('POST', '/scim/v2/Groups', { displayName: 'Entra group', externalId: 'entra-1' })).json();
    const added = await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'Add', path: 'members', value: [{ value: ada }, { value: grace }, { value: alan }] }));
    expect(added.statusCode, added.body).toBe(200);
    expect(await memberIds(group.id)).toEqual([ada, grace, alan].sort());
    const removed = await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: ada }, { value: alan }] }));
    expect(removed.statusCode, removed.body).toBe(200);
    expect(await memberIds(group.id)).toEqual([grace]);
    const renamed = await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'Replace', path: 'displayName', value: 'Entra renamed' }));
    expect(renamed.json()).toMatchObject({ displayName: 'Entra renamed', externalId: 'entra-1', members: [{ value: grace }] });
    // Several operations in one request, and a remove of the whole list.
    const both = await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'Add', path: 'members', value: [{ value: ada }] }, { op: 'Replace', path: 'externalId', value: 'entra-2' }));
    expect(both.json()).toMatchObject({ externalId: 'entra-2' });
    expect(await memberIds(group.id)).toEqual([ada, grace].sort());
    expect((await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'Remove', path: 'members' }))).json().members).toEqual([]);

    // Entra sends one PATCH per member, several at once: none undoes another.
    const adds = await Promise.all([ada, grace, alan].map((id) => scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'Add', path: 'members', value: [{ value: id }] }))));
    expect(adds.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(await memberIds(group.id)).toEqual([ada, grace, alan].sort());
    await Promise.all([ada, alan].map((id) => scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'Remove', path: 'members', value: [{ value: id }] }))));
    expect(await memberIds(group.id)).toEqual([grace]);
  });

  it('audits every write with the members added and removed, and deletes groups but not their users', async () => {
    const { ws, scim, ada, grace, actions } = await provisioned();
    const group = (await scim.call('POST', '/scim/v2/Groups', { displayName: 'Audited', members: [{ value: ada }] })).json();
    await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: grace }] }));
    const events = (await readAuditEvents(hub.database.db, ws.id)).filter((e) => e.target?.id === group.id);
    expect(events.map((e) => e.actor.id)).toEqual([`scim-token:${scim.id}`, `scim-token:${scim.id}`]);
    // The log keeps a digest of the change: the same change with the members named gives the same digest.
    const { changeDigest } = await import('../http/access');
    expect(events[1]!.changeDigest).toBe(changeDigest({ displayName: 'Audited', externalId: null, membersAdded: [grace], membersRemoved: [] }));

    expect((await scim.call('DELETE', `/scim/v2/Groups/${group.id}`)).statusCode).toBe(204);
    expect((await scim.call('GET', `/scim/v2/Groups/${group.id}`)).json()).toMatchObject({ schemas: [errorUrn], status: '404', detail: `No group ${group.id} in this workspace.` });
    expect((await scim.call('DELETE', `/scim/v2/Groups/${group.id}`)).statusCode).toBe(404);
    expect((await scim.call('GET', `/scim/v2/Users/${ada}`)).json()).toMatchObject({ active: true, groups: [] });
    expect(await hub.database.db.selectFrom('scim_group_members').selectAll().where('group_id', '=', group.id).execute()).toEqual([]);
    expect(await actions(group.id)).toEqual(['scim.group.created', 'scim.group.updated', 'scim.group.deleted']);
    expect((await ws.call('GET', '/v1/audit/verify')).json().ok).toBe(true);
    // The name is free again.
    expect((await scim.call('POST', '/scim/v2/Groups', { displayName: 'Audited' })).statusCode).toBe(201);
  });

  it('drops a user deleted through SCIM from their groups', async () => {
    const { scim, ada, grace, memberIds } = await provisioned();
    const group = (await scim.call('POST', '/scim/v2/Groups', { displayName: 'Leavers', members: [{ value: ada }, { value: grace }] })).json();
    // Deactivated users stay members (the provider decides); deleted ones leave.
    await scim.call('PATCH', `/scim/v2/Users/${ada}`, patchOp({ op: 'replace', value: { active: false } }));
    expect(await memberIds(group.id)).toEqual([ada, grace].sort());
    expect((await scim.call('DELETE', `/scim/v2/Users/${grace}`)).statusCode).toBe(204);
    expect(await memberIds(group.id)).toEqual([ada]);
    expect((await scim.call('PATCH', `/scim/v2/Groups/${group.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: grace }] }))).json()).toMatchObject({ status: '400', detail: expect.stringMatching(new RegExp(`^members: ${grace} is not a user`)) });
  });

  it("does not let another workspace's token see or change this workspace's groups", async () => {
    const { scim: aScim, ada } = await provisioned();
    const b = await provisioned();
    const group = (await aScim.call('POST', '/scim/v2/Groups', { displayName: 'A only', externalId: 'a-ext', members: [{ value: ada }] })).json();
    expect((await b.scim.call('GET', '/scim/v2/Groups')).json()).toMatchObject({ totalResults: 0, Resources: [] });
    expect((await b.scim.call('GET', `/scim/v2/Groups?filter=${encodeURIComponent('externalId eq "a-ext"')}`)).json().totalResults).toBe(0);
    for (const [method, body] of [['GET', undefined], ['PUT', { displayName: 'Hijacked', members: [{ value: b.ada }] }], ['PATCH', patchOp({ op: 'add', path: 'members', value: [{ value: b.ada }] })], ['DELETE', undefined]] as const) {
      const response = await b.scim.call(method, `/scim/v2/Groups/${group.id}`, body);
      expect(response.statusCode, method).toBe(404);
      expect(response.json()).toMatchObject({ schemas: [errorUrn], status: '404' });
    }
    // b cannot put a's user into its own group, and may use the same name.
    expect((await b.scim.call('POST', '/scim/v2/Groups', { displayName: 'A only', members: [{ value: ada }] })).json()).toMatchObject({ status: '400', scimType: 'invalidValue' });
    expect((await b.scim.call('POST', '/scim/v2/Groups', { displayName: 'A only', members: [{ value: b.ada }] })).statusCode).toBe(201);
    expect((await aScim.call('GET', `/scim/v2/Groups/${group.id}`)).json()).toMatchObject({ displayName: 'A only', members: [{ value: ada }] });
    expect((await aScim.call('GET', `/scim/v2/Users/${ada}`)).json().groups.map((g: { value: string }) => g.value)).toEqual([group.id]);
  });
});
