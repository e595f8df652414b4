import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { hubOnTestDatabase, testHub, testWorkspace } from '../../test/hub';
import { pendingAuthorizationRequest, signedInUser } from '../../test/studio-sign-in';
import { startSamlIdp } from '../../test/saml-idp';
import { readAuditEvents } from '../db/audit-store';

describe.each(hubDatabases)('SAML single sign-on on $name', ({ open }) => {
  const hub = hubOnTestDatabase(open);
  let idp: Awaited<ReturnType<typeof startSamlIdp>>;
  let other: Awaited<ReturnType<typeof startSamlIdp>>;
  beforeAll(async () => {
    idp = await startSamlIdp();
    other = await startSamlIdp();
  });
  afterAll(() => undefined);

  async function ssoWorkspace(settings: Record<string, unknown> = {}) {
    const ws = await testWorkspace(hub.app, hub.database);
    const saved = await ws.call('PUT', '/v1/sso/saml', { metadataXml: idp.metadataXml, allowedEmailDomains: [`${ws.slug}.example`], ...settings });
    expect(saved.statusCode, saved.body).toBe(200);
    return { ...ws, sp: saved.json() as { spEntityId: string; acsUrl: string } };
  }
  const refusals = async (workspaceId: string) => (await readAuditEvents(hub.database.db, workspaceId)).map((e) => e.action).filter((a) => a.startsWith('sso.saml.refused'));
  async function start(slug: string, query = 'client=console') {
    const started = await hub.app.inject({ method: 'GET', url: `/v1/sso/saml/${slug}/start?${query}` });
    expect(started.statusCode, started.body).toBe(302);
    return idp.readRequest(started.headers.location as string);
  }
  const post = (slug: string, SAMLResponse: string, RelayState?: string) =>
    hub.app.inject({ method: 'POST', url: `/v1/sso/saml/${slug}/acs`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ SAMLResponse, ...(RelayState && { RelayState }) }).toString() });

  it('imports IdP metadata, shows the SP addresses and certificates, and lets only sso.manage change the settings', async () => {
    const ws = await ssoWorkspace({ roleAttribute: 'groups', roleMapping: { 'kata-marketers': 'marketer' } });
    const read = (await ws.call('GET', '/v1/sso/saml')).json();
    expect(read).toMatchObject({ idpEntityId: idp.entityId, idpSsoUrl: idp.ssoUrl, spEntityId: `http://127.0.0.1:4400/v1/sso/saml/${ws.slug}/metadata`, acsUrl: `http://127.0.0.1:4400/v1/sso/saml/${ws.slug}/acs`, jitProvisioning: false, allowIdpInitiated: false });
    expect(read.idpCertificates[0].subject).toMatch(/Test IdP/);
    const direct = await ws.call('PUT', '/v1/sso/saml', { idpEntityId: 'https://idp.acme.example', idpSsoUrl: 'https://idp.acme.example/sso', idpCertificates: [idp.certificate], allowedEmailDomains: ['acme.example'] });
    expect(direct.statusCode, direct.body).toBe(200);
    const bad = await ws.call('PUT', '/v1/sso/saml', { idpEntityId: 'x', idpSsoUrl: 'https://idp.acme.example/sso', idpCertificates: ['not a certificate'], allowedEmailDomains: ['acme.example'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/idpCertificates\.0: is not an X\.509 certificate/);
    const badXml = await ws.call('PUT', '/v1/sso/saml', { metadataXml: '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>', allowedEmailDomains: ['acme.example'] });
    expect(badXml.json().error).toMatch(/metadataXml: has no IDPSSODescriptor/);
    const admin = await ws.member('admin');
    const tooHigh = await ws.call('PUT', '/v1/sso/saml', { metadataXml: idp.metadataXml, allowedEmailDomains: ['acme.example'], roleMapping: { bosses: 'owner' } }, admin.token);
    expect(tooHigh.statusCode).toBe(403);
    expect(tooHigh.json().error).toMatch(/roleMapping\.bosses/);
    const viewer = await ws.member('viewer');
    expect((await ws.call('GET', '/v1/sso/saml', undefined, viewer.token)).statusCode).toBe(403);
    expect((await ws.call('DELETE', '/v1/sso/saml')).statusCode).toBe(204);
    expect((await ws.call('GET', '/v1/sso/saml')).statusCode).toBe(404);
    const actions = (await readAuditEvents(hub.database.db, ws.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['sso.saml.configured', 'sso.saml.removed']));
  });

  it('publishes SP metadata that asks for signed assertions at the ACS address', async () => {
    const ws = await ssoWorkspace();
    const metadata = await hub.app.inject({ method: 'GET', url: `/v1/sso/saml/${ws.slug}/metadata` });
    expect(metadata.statusCode).toBe(200);
    expect(metadata.headers['content-type']).toMatch(/xml/);
    expect(metadata.body).toContain(`entityID="${ws.sp.spEntityId}"`);
    expect(metadata.body).toContain('WantAssertionsSigned="true"');
    expect(metadata.body).toContain(`Location="${ws.sp.acsUrl}"`);
  });

  it('signs a member in, SP-initiated (a session cookie, then back to Studio sign-in or the console), with the mapped role', async () => {
    const ws = await ssoWorkspace({ roleAttribute: 'groups', roleMapping: { 'kata-admins': 'admin' } });
    const marketer = await ws.member('marketer');
    // Started from Kata Studio's sign-in page: back to that authorization request afterwards.
    const requestId = await pendingAuthorizationRequest(hub.app);
    const request = await start(ws.slug, `authorizationRequest=${requestId}`);
    expect(request.issuer).toBe(ws.sp.spEntityId);
    expect(request.acsUrl).toBe(ws.sp.acsUrl);
    const signedIn = await post(ws.slug, idp.respond({ email: marketer.email, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl, inResponseTo: request.id, attributes: { groups: ['kata-admins', 'everyone'] } }));
    expect(signedIn.statusCode, signedIn.body).toBe(302);
    expect(signedIn.headers.location).toBe(`http://127.0.0.1:4400/oauth/requests/${requestId}`);
    expect(await signedInUser(hub.app, signedIn)).toMatchObject({ id: marketer.id, role: 'admin' });

    const consoleRequest = await start(ws.slug);
    const consoleSignIn = await post(ws.slug, idp.respond({ email: ws.ownerEmail, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl, inResponseTo: consoleRequest.id }));
    expect(consoleSignIn.statusCode, consoleSignIn.body).toBe(302);
    const cookie = consoleSignIn.cookies.find((c) => c.name === 'kata_session')!;
    const owner = await hub.app.inject({ method: 'GET', url: '/v1/me', cookies: { kata_session: cookie.value } });
    expect(owner.json().user).toMatchObject({ id: ws.ownerId, role: 'owner' });
    expect(await refusals(ws.id)).toEqual([]);
  });

  it('refuses IdP-initiated responses unless the settings allow them', async () => {
    const ws = await ssoWorkspace();
    const unasked = () => idp.respond({ email: ws.ownerEmail, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl });
    const refused = await post(ws.slug, unasked());
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatch(/only sign-ins started at Kata/);
    expect(await refusals(ws.id)).toEqual(['sso.saml.refused.idp-initiated-not-allowed']);
    expect((await ws.call('PUT', '/v1/sso/saml', { metadataXml: idp.metadataXml, allowedEmailDomains: [`${ws.slug}.example`], allowIdpInitiated: true })).statusCode).toBe(200);
    const accepted = await post(ws.slug, unasked());
    expect(accepted.statusCode, accepted.body).toBe(302);
    expect(accepted.headers.location).toBe('http://127.0.0.1:4400/');
    expect((await signedInUser(hub.app, accepted)).id).toBe(ws.ownerId);
  });

  it.each([
    ['unsigned', { unsigned: true }, 401, 'bad-signature', /unsigned, or its signature does not verify/],
    ['tampered', { tamper: true }, 401, 'bad-signature', /signature does not verify/],
    ['for another audience', { audience: 'https://other-sp.example/metadata' }, 401, 'wrong-audience', /meant for another service/],
    ['for another ACS address', { acsUrl: 'https://evil.example/acs' }, 401, 'wrong-recipient', /meant for another address/],
    ['expired', { validForMinutes: -10 }, 401, 'assertion-expired', /expired/],
    ['answering a request the Hub never made', { inResponseTo: '_never-made' }, 400, 'unknown-request', /did not start here/],
  ] as const)('refuses an assertion that is %s', async (_name, change, status, reason, message) => {
    const ws = await ssoWorkspace();
    const request = await start(ws.slug);
    const member = await ws.member('marketer');
    const refused = await post(ws.slug, idp.respond({ email: member.email, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl, inResponseTo: request.id, ...change }));
    expect(refused.statusCode, refused.body).toBe(status);
    expect(refused.json()).toMatchObject({ code: `sso-${reason}`, error: expect.stringMatching(message) });
    expect(await refusals(ws.id)).toEqual([`sso.saml.refused.${reason}`]);
  });

  it('refuses an assertion signed by another key', async () => {
    const ws = await ssoWorkspace();
    const request = await start(ws.slug);
    const refused = await post(ws.slug, other.respond({ email: ws.ownerEmail, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl, inResponseTo: request.id }));
    expect(refused.statusCode).toBe(401);
    expect(await refusals(ws.id)).toEqual(['sso.saml.refused.bad-signature']);
  });

  it('refuses a replayed assertion, even IdP-initiated where InResponseTo does not stop it', async () => {
    const ws = await ssoWorkspace({ allowIdpInitiated: true });
    const request = await start(ws.slug);
    const response = idp.respond({ email: ws.ownerEmail, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl, inResponseTo: request.id });
    expect((await post(ws.slug, response)).statusCode).toBe(302);
    const again = await post(ws.slug, response);
    expect(again.statusCode).toBe(400);
    const unasked = idp.respond({ email: ws.ownerEmail, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl });
    expect((await post(ws.slug, unasked)).statusCode).toBe(302);
    const replayed = await post(ws.slug, unasked);
    expect(replayed.statusCode).toBe(400);
    expect(replayed.json()).toMatchObject({ code: 'sso-assertion-replayed', error: expect.stringMatching(/already used/) });
    expect(await refusals(ws.id)).toEqual(['sso.saml.refused.unknown-request', 'sso.saml.refused.assertion-replayed']);
  });

  it('refuses an email outside the allowed domains, and people who are not members unless JIT is on', async () => {
    const ws = await ssoWorkspace({ roleAttribute: 'groups', roleMapping: { 'kata-marketers': 'marketer' } });
    const outside = await post(ws.slug, idp.respond({ email: 'someone@gmail.example', audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl, inResponseTo: (await start(ws.slug)).id }));
    expect(outside.statusCode).toBe(403);
    expect(outside.json().error).toMatch(/gmail\.example may not sign in/);
    const newcomer = `new.person@${ws.slug}.example`;
    const notMember = await post(ws.slug, idp.respond({ email: newcomer, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl, inResponseTo: (await start(ws.slug)).id, attributes: { groups: ['kata-marketers'] } }));
    expect(notMember.statusCode).toBe(403);
    expect(notMember.json().error).toMatch(/not a member/);
    expect(await refusals(ws.id)).toEqual(['sso.saml.refused.email-domain-not-allowed', 'sso.saml.refused.not-a-member']);
    expect((await ws.call('PUT', '/v1/sso/saml', { metadataXml: idp.metadataXml, allowedEmailDomains: [`${ws.slug}.example`], roleAttribute: 'groups', roleMapping: { 'kata-marketers': 'marketer' }, jitProvisioning: true })).statusCode).toBe(200);
    const joined = await post(ws.slug, idp.respond({ email: newcomer, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl, inResponseTo: (await start(ws.slug)).id, attributes: { groups: ['kata-marketers'] } }));
    expect(joined.statusCode, joined.body).toBe(302);
    expect(await signedInUser(hub.app, joined)).toMatchObject({ email: newcomer, role: 'marketer' });
  });

  it('refuses a response from another issuer, one addressed elsewhere, and a request older than ten minutes; a browser gets a page', async () => {
    const ws = await ssoWorkspace();
    const respond = async (change: Record<string, unknown> = {}) => idp.respond({ email: ws.ownerEmail, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl, inResponseTo: (await start(ws.slug)).id, ...change });
    const elsewhere = await hub.app.inject({ method: 'POST', url: `/v1/sso/saml/${ws.slug}/acs`, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, payload: new URLSearchParams({ SAMLResponse: await respond({ destination: 'https://evil.example/acs' }) }).toString() });
    expect(elsewhere.statusCode).toBe(401);
    expect(elsewhere.headers['content-type']).toMatch(/text\/html/);
    expect(elsewhere.body).toMatch(/meant for another address/);
    const late = await respond();
    await hub.database.db.updateTable('saml_requests').set({ expires_at: new Date(Date.now() - 1000) }).where('workspace_id', '=', ws.id).execute();
    expect((await post(ws.slug, late)).json().code).toBe('sso-unknown-request');
    // The same certificate, but the settings name another IdP.
    expect((await ws.call('PUT', '/v1/sso/saml', { idpEntityId: 'https://idp.other.example', idpSsoUrl: idp.ssoUrl, idpCertificates: [idp.certificate], allowedEmailDomains: [`${ws.slug}.example`] })).statusCode).toBe(200);
    const foreign = await post(ws.slug, await respond());
    expect(foreign.statusCode).toBe(401);
    expect(foreign.json().error).toMatch(/an identity provider this workspace does not use/);
    expect(await refusals(ws.id)).toEqual(['sso.saml.refused.wrong-destination', 'sso.saml.refused.unknown-request', 'sso.saml.refused.wrong-issuer']);
  });

  it('takes the email from an email attribute when the NameID is not an email address', async () => {
    const ws = await ssoWorkspace();
    const response = idp.respond({ email: ws.ownerEmail, nameIdFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent', nameId: 'opaque-1234', attributes: { email: [ws.ownerEmail] }, audience: ws.sp.spEntityId, acsUrl: ws.sp.acsUrl, inResponseTo: (await start(ws.slug)).id });
    const signedIn = await post(ws.slug, response);
    expect(signedIn.statusCode, signedIn.body).toBe(302);
    expect((await signedInUser(hub.app, signedIn)).id).toBe(ws.ownerId);
  });

  it('tells a browser in plain words when a workspace has no SAML single sign-on', async () => {
    const unknown = await hub.app.inject({ method: 'GET', url: '/v1/sso/saml/no-such-workspace/start', headers: { accept: 'text/html' } });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).toMatch(/has no SAML single sign-on; sign in with your email and password/);
  });

  it('writes neither the SAML response nor the session token to the log', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, done) => done(void lines.push(chunk.toString())) });
    const logged = await testHub(hub.database, { logger: { level: 'debug', stream } });
    try {
      const ws = await testWorkspace(logged, hub.database);
      const saved = (await ws.call('PUT', '/v1/sso/saml', { metadataXml: idp.metadataXml, allowedEmailDomains: [`${ws.slug}.example`] })).json();
      const started = await logged.inject({ method: 'GET', url: `/v1/sso/saml/${ws.slug}/start` });
      const request = idp.readRequest(started.headers.location as string);
      const response = idp.respond({ email: ws.ownerEmail, audience: saved.spEntityId, acsUrl: saved.acsUrl, inResponseTo: request.id });
      const answer = await logged.inject({ method: 'POST', url: `/v1/sso/saml/${ws.slug}/acs`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ SAMLResponse: response }).toString() });
      expect(answer.statusCode, answer.body).toBe(302);
      const log = lines.join('');
      expect(log).toContain(`/v1/sso/saml/${ws.slug}/acs`);
      for (const secret of [response.slice(0, 40), answer.cookies.find((c) => c.name === 'kata_session')!.value, new URL(started.headers.location as string).searchParams.get('SAMLRequest')!.slice(0, 40)]) expect(log).not.toContain(secret);
    } finally {
      await logged.close();
    }
  });
});
