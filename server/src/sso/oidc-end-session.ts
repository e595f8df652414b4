import * as client from 'openid-client';
import { getOidcConfig } from '../db/oidc-store';
import type { HubServices } from '../http/services';
import { providerClients } from './oidc-provider-client';

/** Where the provider sends the browser after signing out there: the Hub's front page (register it as a post-logout redirect URI). */
export function postLogoutRedirectUrl(services: Pick<HubServices, 'publicUrl'>): string {
  return `${services.publicUrl}/`;
}

/**
 * RP-initiated logout: the provider's end-session address for a Hub session
 * started through it, with the sign-in's ID token as `id_token_hint`, so
 * signing out of the Hub signs the person out at the provider too. Nothing
 * when SSO was turned off, the provider has no end-session endpoint or does
 * not answer: the Hub session ends regardless.
 */
export function providerSignOut(services: HubServices) {
  const providers = providerClients(services.cipher);
  return async function endSessionUrl(session: { workspaceId: string; sealedIdToken: string }): Promise<string | undefined> {
    const config = await getOidcConfig(services.db, session.workspaceId);
    if (!config) return undefined;
    let configuration: client.Configuration;
    try {
      configuration = await providers.forWorkspace(config);
    } catch {
      return undefined;
    }
    if (!configuration.serverMetadata().end_session_endpoint) return undefined;
    return client.buildEndSessionUrl(configuration, { id_token_hint: services.cipher.decrypt(session.sealedIdToken), post_logout_redirect_uri: postLogoutRedirectUrl(services) }).href;
  };
}
