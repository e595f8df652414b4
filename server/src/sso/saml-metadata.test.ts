import { beforeAll, describe, expect, it } from 'vitest';
import { startSamlIdp } from '../../test/saml-idp';
import { normaliseCertificate, parseIdpMetadata } from './saml-metadata';

describe('IdP metadata', () => {
  let current: Awaited<ReturnType<typeof startSamlIdp>>;
  let next: Awaited<ReturnType<typeof startSamlIdp>>;
  beforeAll(async () => {
    current = await startSamlIdp();
    next = await startSamlIdp();
  });
  const body = (certificate: string) => certificate.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '');

  it('keeps every signing certificate (a key rollover) and leaves out encryption keys', () => {
    const rollover = current.metadataXml.replace(
      '<md:NameIDFormat>',
      `<md:KeyDescriptor><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${body(next.certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:KeyDescriptor use="encryption"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>not-read</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:NameIDFormat>`,
    );
    const parsed = parseIdpMetadata(rollover);
    expect(parsed).toEqual({ entityId: current.entityId, ssoUrl: current.ssoUrl, certificates: [body(current.certificate), body(next.certificate)] });
  });

  it('says what is missing or broken', () => {
    expect(() => parseIdpMetadata('<not xml')).toThrow(/well-formed|EntityDescriptor/);
    expect(() => parseIdpMetadata(current.metadataXml.replace(/<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"[^>]*\/>/, ''))).toThrow(/HTTP-Redirect binding/);
    expect(() => parseIdpMetadata(current.metadataXml.replace(/<md:KeyDescriptor[\s\S]*<\/md:KeyDescriptor>/, ''))).toThrow(/no signing certificate/);
    expect(() => normaliseCertificate('bm90IGEgY2VydGlmaWNhdGU=')).toThrow(/not an X\.509 certificate/);
    expect(normaliseCertificate(current.certificate)).toBe(body(current.certificate));
  });
});
