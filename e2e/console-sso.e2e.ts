import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSamlIdp } from '../server/test/saml-idp';
import { signInToConsole } from './console-pages';
import { launchChromium, screenshot, startHub, watchPageErrors, type HubOwner, type RunningHub } from './harness';

const owner: HubOwner = { workspace: 'Acme Marketing', slug: 'acme', name: 'Maya Lee', email: 'maya@acme.example', password: 'a long enough passphrase' };

/** Who the identity provider says is signing in next (its own sign-in page is not what is under test). */
interface Person {
  email: string;
  displayName: string;
  groups: string[];
}

/**
 * The test IdP (server/test/saml-idp.ts: a real key pair, assertions signed
 * with xml-crypto) behind a real address: its single sign-on page reads the
 * Hub's AuthnRequest and answers, as an IdP does, with a page whose form
 * posts the signed response and the RelayState back to the Hub's ACS.
 */
async function startSamlIdpSite(): Promise<{ metadataXml: string; signInAs(person: Person): void; requests: number; close(): Promise<void> }> {
  const idp = await startSamlIdp('https://idp.acme.example/saml');
  let next: Person | undefined;
  const site = {
    requests: 0,
    metadataXml: '',
    signInAs: (person: Person) => void (next = person),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/sso/saml' || !next) {
      response.writeHead(404).end('No sign-in expected here.');
      return;
    }
    site.requests++;
    const authn = idp.readRequest(url.toString());
    const samlResponse = idp.respond({ email: next.email, audience: authn.issuer, acsUrl: authn.acsUrl, inResponseTo: authn.id, attributes: { displayName: [next.displayName], groups: next.groups } });
    const attribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    const relayState = url.searchParams.get('RelayState');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><html lang="en"><title>Test IdP</title>
<form method="post" action="${attribute(authn.acsUrl)}"><input type="hidden" name="SAMLResponse" value="${attribute(samlResponse)}">${relayState === null ? '' : `<input type="hidden" name="RelayState" value="${attribute(relayState)}">`}<noscript><button>Continue</button></noscript></form>
<script>document.forms[0].submit()</script></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  site.metadataXml = idp.metadataXml.replaceAll(idp.ssoUrl, `http://127.0.0.1:${port}/sso/saml`);
  return site;
}

let hub: RunningHub;
let browser: Browser;
let idp: Awaited<ReturnType<typeof startSamlIdpSite>>;

beforeAll(async () => {
  [hub, browser, idp] = await Promise.all([startHub({ owner }), launchChromium(), startSamlIdpSite()]);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
  await idp?.close();
});

describe('SAML sign-in to the console', () => {
  it('an admin sets SAML up from the identity provider’s metadata; a member then signs in to the console through it, with the role their group maps to', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    const errors = watchPageErrors(page, [/status of 40[14]/]);
    await signInToConsole(page, hub.url, owner);

    await page.getByRole('link', { name: 'Single sign-on' }).click();
    const saml = page.getByRole('form', { name: 'SAML settings' });
    await saml.getByText('SAML is not set up.').waitFor();
    await saml.getByLabel("The identity provider's metadata XML (needed with every save)").fill(idp.metadataXml);
    await saml.getByLabel('Email domains allowed to sign in (comma-separated)').fill('acme.example');
    await saml.getByLabel("Attribute with the person's groups (optional)").fill('groups');
    await saml.getByLabel('Groups to roles, one per line (group=role)').fill('kata-analysts=analyst');
    await saml.getByLabel('Role of people no group maps').selectOption('viewer');
    await saml.getByLabel('Create a member at their first sign-in').check();
    await saml.getByRole('button', { name: 'Save' }).click();
    await saml.getByText('https://idp.acme.example/saml').waitFor();
    await saml.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => saml.getByTestId('sso-test-result').textContent()).toBe('The connection works.');
    await screenshot(page, 'console-saml-set-up');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Kata Hub' }).waitFor();

    // Olu, in the analysts' group at the identity provider, signs in for the first time.
    idp.signInAs({ email: 'olu@acme.example', displayName: 'Olu Adebayo', groups: ['kata-analysts'] });
    await page.getByRole('form', { name: 'Single sign-on' }).getByLabel('Workspace (its short name, e.g. acme)').fill(owner.slug);
    await page.getByRole('button', { name: 'Continue with SAML' }).click();
    await expect.poll(() => page.getByTestId('signed-in-as').textContent()).toBe('Olu Adebayo (olu@acme.example)');
    expect(await page.getByTestId('signed-in-role').textContent()).toBe('analyst in acme');
    expect(idp.requests).toBe(1);
    expect(new URL(page.url()).pathname).toMatch(/^\/console\//);
    // Signed in for real: the console's calls carry the session the ACS set.
    await page.getByRole('link', { name: 'Attribution', exact: true }).click();
    await page.getByRole('heading', { name: 'Attribution' }).waitFor();
    await screenshot(page, 'console-saml-signed-in');
    expect(errors).toEqual([]);
    await context.close();
  }, 180_000);

  it('a person from a domain the workspace does not allow is refused, and is not signed in', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    idp.signInAs({ email: 'mallory@elsewhere.example', displayName: 'Mallory', groups: ['kata-analysts'] });
    await page.goto(`${hub.url}/`);
    await page.getByRole('heading', { name: 'Sign in to Kata Hub' }).waitFor();
    await page.getByRole('form', { name: 'Single sign-on' }).getByLabel('Workspace (its short name, e.g. acme)').fill(owner.slug);
    await page.getByRole('button', { name: 'Continue with SAML' }).click();
    await page.getByRole('heading', { name: 'Sign-in refused' }).waitFor();
    await page.goto(`${hub.url}/console/`);
    await page.getByRole('heading', { name: 'Sign in to Kata Hub' }).waitFor();
    await context.close();
  }, 120_000);
});
