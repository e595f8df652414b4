import type { HubServices } from '../http/services';

/** Kata Studio: the Hub's one OAuth client, public (a native app has no secret; PKCE stands in for one). */
export const studioClientId = 'kata-studio';
export const studioScope = 'studio';

/**
 * RFC 8252 §7.3: a loopback address by IP literal, any port, any path;
 * `localhost` is refused (it may resolve elsewhere), and so is everything
 * else. Returns the address, or why not.
 */
export function checkRedirectUri(uri: string): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { problem: 'The address Kata Studio asked to return to is not a valid URL.' };
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', '[::1]'].includes(url.hostname) || url.port === '' || url.username || url.password || url.hash) {
    return { problem: 'Kata Studio may only return to this computer (http://127.0.0.1:<port>/… or http://[::1]:<port>/…); this request names another address, so the Hub will not send you there.' };
  }
  return { url };
}

/** The authorization server's metadata (RFC 8414); its issuer is the Hub's public address. */
export function authorizationServerMetadata(services: Pick<HubServices, 'publicUrl'>) {
  const base = services.publicUrl;
  return {
    issuer: base,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    revocation_endpoint: `${base}/oauth/revoke`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none'],
    revocation_endpoint_auth_methods_supported: ['none'],
    scopes_supported: [studioScope],
    authorization_response_iss_parameter_supported: true,
  };
}

/** Sends the answer back to Studio's loopback address, with the issuer (RFC 9207) and the state it gave. */
export function redirectBack(services: Pick<HubServices, 'publicUrl'>, redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries({ ...params, iss: services.publicUrl })) if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}
