import { randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { generate } from 'selfsigned';
import { SignedXml } from 'xml-crypto';

export interface SamlRespond {
  email: string;
  audience: string;
  acsUrl: string;
  inResponseTo?: string;
  attributes?: Record<string, string[]>;
  /** Minutes from now the assertion stops being valid. */
  validForMinutes?: number;
  unsigned?: boolean;
  tamper?: boolean;
  assertionId?: string;
  /** The Response's Destination, when it differs from the assertion's Recipient. */
  destination?: string;
  /** NameID format; unspecified means the email must come from an attribute. */
  nameIdFormat?: string;
  nameId?: string;
}

/**
 * A SAML identity provider for tests: a real key pair and self-signed
 * certificate, and responses signed with xml-crypto as an IdP would sign
 * them. `respond` can be told to break one thing at a time.
 */
export async function startSamlIdp(entityId = 'https://idp.example.test/saml') {
  const pems = await generate([{ name: 'commonName', value: 'Test IdP' }], { keySize: 2048, notAfterDate: new Date(Date.now() + 30 * 86_400_000), algorithm: 'sha256' });
  const ssoUrl = 'http://127.0.0.1:9/sso/saml';
  const certificate = pems.cert;
  const base64 = certificate.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');
  const metadataXml = `<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${entityId}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">
    <md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${ssoUrl}"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${ssoUrl}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;

  /** The AuthnRequest in a redirect-binding URL the Hub made. */
  function readRequest(location: string): { id: string; acsUrl: string; issuer: string; xml: string } {
    const xml = inflateRawSync(Buffer.from(new URL(location).searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
    return { xml, id: /\sID="([^"]+)"/.exec(xml)![1]!, acsUrl: /AssertionConsumerServiceURL="([^"]+)"/.exec(xml)![1]!, issuer: /<saml:Issuer[^>]*>([^<]+)</.exec(xml)![1]! };
  }


  /** A base64 SAMLResponse for the ACS, as the IdP's auto-submitting form would post it. */
  function respond(o: SamlRespond): string {
    const now = new Date();
    const until = new Date(now.getTime() + (o.validForMinutes ?? 5) * 60_000).toISOString();
    const issued = now.toISOString();
    const inResponseTo = o.inResponseTo ? ` InResponseTo="${o.inResponseTo}"` : '';
    const attributes = Object.entries(o.attributes ?? {})
      .map(([name, values]) => `<saml:Attribute Name="${name}">${values.map((v) => `<saml:AttributeValue>${v}</saml:AttributeValue>`).join('')}</saml:Attribute>`)
      .join('');
    const assertionId = o.assertionId ?? `_a${randomUUID()}`;
    const assertion = `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${assertionId}" Version="2.0" IssueInstant="${issued}"><saml:Issuer>${entityId}</saml:Issuer><saml:Subject><saml:NameID Format="${o.nameIdFormat ?? 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'}">${o.nameId ?? o.email}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${o.acsUrl}"${inResponseTo}/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${issued}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${o.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${issued}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>${attributes}</saml:AttributeStatement></saml:Assertion>`;
    let signed = assertion;
    if (!o.unsigned) {
      const sig = new SignedXml({ privateKey: pems.private, publicCert: certificate, canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#', signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256' });
      sig.addReference({ xpath: "//*[local-name(.)='Assertion']", transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256' });
      sig.computeSignature(assertion, { location: { reference: "//*[local-name(.)='Issuer']", action: 'after' } });
      signed = sig.getSignedXml();
    }
    // After signing: someone changes who the assertion is about.
    if (o.tamper) signed = signed.replace(`>${o.email}<`, `>owner@${o.email.split('@')[1]}<`);
    const response = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${randomUUID()}" Version="2.0" IssueInstant="${issued}" Destination="${o.destination ?? o.acsUrl}"${inResponseTo}><saml:Issuer>${entityId}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${signed}</samlp:Response>`;
    return Buffer.from(response).toString('base64');
  }

  return { entityId, ssoUrl, certificate, metadataXml, readRequest, respond };
}
