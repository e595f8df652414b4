import * as client from 'openid-client';
import type { OidcConfigRow } from '../db/oidc-store';
import type { HubServices } from '../http/services';
import type { PersonalDataCipher } from '../privacy/personal-data';
import { privateKeyJwt } from './oidc-client-key';

/** The one redirect URI of every workspace: the state says whose sign-in it is. */
export function oidcCallbackUrl(services: Pick<HubServices, 'publicUrl'>): string {
  return `${services.publicUrl}/v1/sso/oidc/callback`;
}

const discoveryHours = 1;

/**
 * Each workspace's provider as openid-client knows it, discovered once an
 * hour (or when the settings change) rather than on every sign-in. A failed
 * discovery is not kept, so the next sign-in tries again.
 */
export function providerClients(cipher: PersonalDataCipher) {
  const known = new Map<string, { at: number; configuration: Promise<client.Configuration> }>();
  return {
    forWorkspace(config: OidcConfigRow): Promise<client.Configuration> {
      const key = `${config.workspace_id}@${config.updated_at.getTime()}`;
      const cached = known.get(key);
      if (cached && Date.now() - cached.at < discoveryHours * 3600_000) return cached.configuration;
      for (const old of known.keys()) if (old.startsWith(`${config.workspace_id}@`)) known.delete(old);
      const issuer = new URL(config.issuer);
      const configuration = (async () =>
        client.discovery(issuer, config.client_id, undefined, await clientAuthOf(cipher, config), {
          // openid-client would trust an ID token from the token endpoint on TLS alone; the Hub checks its signature against the provider's keys too.
          // Plain http is accepted only for a provider on this machine (the settings refuse it elsewhere).
          execute: issuer.protocol === 'http:' ? [client.enableNonRepudiationChecks, client.allowInsecureRequests] : [client.enableNonRepudiationChecks],
          timeout: 10,
        }))();
      known.set(key, { at: Date.now(), configuration });
      configuration.catch(() => known.delete(key));
      return configuration;
    },
  };
}
/** How the Hub proves itself at the token endpoint: its own signed assertion, the shared secret, or nothing (a public client with PKCE). */
function clientAuthOf(cipher: PersonalDataCipher, config: OidcConfigRow): Promise<client.ClientAuth> | client.ClientAuth {
  if (config.client_auth === 'private_key_jwt' && config.client_signing_key) return privateKeyJwt(cipher, config.client_signing_key);
  return config.client_secret === null ? client.None() : client.ClientSecretBasic(cipher.decrypt(config.client_secret));
}
export type ProviderClients = ReturnType<typeof providerClients>;
