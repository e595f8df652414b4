import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubDatabases } from '../../test/databases';
import { hubOnTestDatabase, testWorkspace } from '../../test/hub';
import { startOpenIdProvider } from '../../test/openid-provider';
import { startSamlIdp } from '../../test/saml-idp';
import { readAuditEvents } from '../db/audit-store';

const client = { clientId: 'kata-hub', clientSecret: 'a client secret the provider gave the Hub' };

describe.each(hubDatabases)("single sign-on's test connection on $name", ({ open }) => {
  const hub = hubOnTestDatabase(open);
  let provider: Awaited<ReturnType<typeof startOpenIdProvider>>;
  let idp: Awaited<ReturnType<typeof startSamlIdp>>;
  /** Where a SAML identity provider's sign-in page would answer. */
  let samlSignInPage: Server;
  let samlSignInUrl: string;
  beforeAll(async () => {
    provider = await startOpenIdProvider(client);
    idp = await startSamlIdp();
    samlSignInPage = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Sign in</h1>'));
    await new Promise<void>((listening) => samlSignInPage.listen(0, '127.0.0.1', listening));
    samlSignInUrl = `http://127.0.0.1:${(samlSignInPage.address() as AddressInfo).port}/sso/saml`;
  });
  afterAll(async () => {
    await provider?.close();
    samlSignInPage?.closeAllConnections();
    await new Promise((closed) => samlSignInPage?.close(closed));
  });

  it('OIDC: finds the discovery document and keys of a working provider, names what fails for a wrong issuer, audits each test', async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    expect((await ws.call('POST', '/v1/sso/oidc/test')).statusCode).toBe(404);
    expect((await ws.call('PUT', '/v1/sso/oidc', { issuer: provider.issuer, ...client, allowedEmailDomains: ['acme.example'] })).statusCode).toBe(200);
    const working = await ws.call('POST', '/v1/sso/oidc/test');
    expect(working.statusCode, working.body).toBe(200);
    expect(working.json()).toMatchObject({ ok: true, checks: [{ check: 'discovery', ok: true }, { check: 'signing-keys', ok: true }] });

    expect((await ws.call('PUT', '/v1/sso/oidc', { issuer: 'http://127.0.0.1:9/no-provider', clientId: 'x', allowedEmailDomains: ['acme.example'] })).statusCode).toBe(200);
    const wrong = (await ws.call('POST', '/v1/sso/oidc/test')).json();
    expect(wrong.ok).toBe(false);
    expect(wrong.checks[0]).toMatchObject({ check: 'discovery', ok: false, detail: expect.stringContaining('Check the issuer') });
    const tests = (await readAuditEvents(hub.database.db, ws.id)).filter((event) => event.action === 'sso.oidc.tested');
    expect(tests).toHaveLength(2);

    const admin = await ws.member('admin');
    expect((await ws.call('POST', '/v1/sso/oidc/test', undefined, admin.token)).statusCode).toBe(200);
    const marketer = await ws.member('marketer');
    expect((await ws.call('POST', '/v1/sso/oidc/test', undefined, marketer.token)).statusCode).toBe(403);
  });

  it("SAML: checks the certificates' dates and that the sign-in address answers", async () => {
    const ws = await testWorkspace(hub.app, hub.database);
    expect((await ws.call('POST', '/v1/sso/saml/test')).statusCode).toBe(404);
    expect((await ws.call('PUT', '/v1/sso/saml', { idpEntityId: idp.entityId, idpSsoUrl: samlSignInUrl, idpCertificates: [idp.certificate], allowedEmailDomains: ['acme.example'] })).statusCode).toBe(200);
    const working = (await ws.call('POST', '/v1/sso/saml/test')).json();
    expect(working).toMatchObject({ ok: true, checks: [{ check: 'certificate-1', ok: true }, { check: 'sso-url', ok: true, detail: `${samlSignInUrl} answered 200` }] });

    // The test IdP's metadata names an address where nothing listens.
    expect((await ws.call('PUT', '/v1/sso/saml', { metadataXml: idp.metadataXml, allowedEmailDomains: ['acme.example'] })).statusCode).toBe(200);
    const unreachable = (await ws.call('POST', '/v1/sso/saml/test')).json();
    expect(unreachable.ok).toBe(false);
    expect(unreachable.checks.at(-1)).toMatchObject({ check: 'sso-url', ok: false, detail: expect.stringContaining('did not answer') });
    expect((await readAuditEvents(hub.database.db, ws.id)).filter((event) => event.action === 'sso.saml.tested')).toHaveLength(2);
    const viewer = await ws.member('viewer');
    expect((await ws.call('POST', '/v1/sso/saml/test', undefined, viewer.token)).statusCode).toBe(403);
  });
});
