import { generateKeyPairSync, randomUUID, webcrypto } from 'node:crypto';
import * as client from 'openid-client';
import type { PersonalDataCipher } from '../privacy/personal-data';

/**
 * The workspace's own key pair for `private_key_jwt`: the Hub signs a short
 * assertion with the private key at the token endpoint instead of sending a
 * shared secret. ES256 (P-256), as every major provider accepts it.
 */
interface ClientSigningJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  d: string;
  kid: string;
}

/** A new key pair, its private JWK sealed with the personal-data key. */
export function newClientSigningKey(cipher: PersonalDataCipher): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(privateKey.export({ format: 'jwk' }) as Omit<ClientSigningJwk, 'kid'>), kid: randomUUID() };
  return cipher.encrypt(JSON.stringify(jwk));
}

/** The public half, as the JWKS document the provider reads (register its address, or paste it). */
export function publicJwks(cipher: PersonalDataCipher, sealed: string): { keys: Record<string, string>[] } {
  const { kty, crv, x, y, kid } = JSON.parse(cipher.decrypt(sealed)) as ClientSigningJwk;
  return { keys: [{ kty, crv, x, y, kid, alg: 'ES256', use: 'sig' }] };
}

/** openid-client's private_key_jwt authentication with the workspace's key. */
export async function privateKeyJwt(cipher: PersonalDataCipher, sealed: string): Promise<client.ClientAuth> {
  const jwk = JSON.parse(cipher.decrypt(sealed)) as ClientSigningJwk;
  const key = await webcrypto.subtle.importKey('jwk', { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, d: jwk.d }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  return client.PrivateKeyJwt({ key, kid: jwk.kid });
}
