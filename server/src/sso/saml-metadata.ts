import { X509Certificate } from 'node:crypto';
import { DOMParser } from '@xmldom/xmldom';

/** What the Hub needs from an identity provider's SAML metadata. */
export interface IdpMetadata {
  entityId: string;
  ssoUrl: string;
  certificates: string[];
}

const redirectBinding = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';

/**
 * Reads an IdP's metadata XML (what Okta, Entra ID or Google show as
 * "IdP metadata"). Throws an Error whose message says what is missing.
 */
export function parseIdpMetadata(xml: string): IdpMetadata {
  const errors: string[] = [];
  const doc = new DOMParser({ errorHandler: { error: (m: string) => errors.push(m), fatalError: (m: string) => errors.push(m) } }).parseFromString(xml, 'text/xml');
  if (errors.length > 0 || !doc?.documentElement) throw new Error('is not well-formed XML');
  const all = (parent: { getElementsByTagNameNS(ns: string, name: string): ArrayLike<Element> }, name: string): Element[] => Array.from(parent.getElementsByTagNameNS('*', name));
  const entity = doc.documentElement.localName === 'EntityDescriptor' ? doc.documentElement : all(doc, 'EntityDescriptor')[0];
  const entityId = entity?.getAttribute('entityID');
  if (!entity || !entityId) throw new Error('has no EntityDescriptor with an entityID');
  const idp = all(entity, 'IDPSSODescriptor')[0];
  if (!idp) throw new Error('has no IDPSSODescriptor (is it the service provider\'s metadata?)');
  const sso = all(idp, 'SingleSignOnService').find((s) => s.getAttribute('Binding') === redirectBinding);
  const ssoUrl = sso?.getAttribute('Location');
  if (!ssoUrl) throw new Error('has no SingleSignOnService with the HTTP-Redirect binding');
  const certificates = all(idp, 'KeyDescriptor')
    // No `use` means both signing and encryption; xmldom answers '' (not null) for a missing attribute.
    .filter((k) => (k.getAttribute('use') || 'signing') === 'signing')
    .flatMap((k) => all(k, 'X509Certificate').map((c) => c.textContent ?? ''));
  if (certificates.length === 0) throw new Error('has no signing certificate (KeyDescriptor use="signing" with an X509Certificate)');
  return { entityId, ssoUrl, certificates: certificates.map(normaliseCertificate) };
}

/** A certificate as base64 DER without PEM armour or spaces; throws if it does not parse as X.509. */
export function normaliseCertificate(text: string): string {
  const body = text.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  try {
    new X509Certificate(Buffer.from(body, 'base64'));
  } catch {
    throw new Error('is not an X.509 certificate (PEM or base64)');
  }
  return body;
}
