import type { ConnectorCredentials } from './credentials';
import type { HubspotSettings, SalesforceSettings } from './settings';

type OAuthCredentials = Extract<ConnectorCredentials, { kind: 'salesforce-oauth' | 'hubspot-oauth' }>;

/** A token endpoint's refusal, with what it said (never the tokens). */
export class OAuthRefusal extends Error {
  override name = 'OAuthRefusal';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const hubspotScopes = 'crm.objects.contacts.read crm.objects.contacts.write crm.objects.deals.read';

/** Where the admin is sent to allow the connection (authorization code flow). */
export function authorizeUrl(connection: { kind: 'hubspot' | 'salesforce'; settings: HubspotSettings | SalesforceSettings }, credentials: OAuthCredentials, redirectUri: string, state: string): string {
  const target = connection.kind === 'salesforce' ? new URL('/services/oauth2/authorize', (connection.settings as SalesforceSettings).loginUrl) : new URL('/oauth/authorize', (connection.settings as HubspotSettings).authUrl);
  target.search = new URLSearchParams({ response_type: 'code', client_id: credentials.clientId, redirect_uri: redirectUri, scope: connection.kind === 'salesforce' ? 'api refresh_token' : hubspotScopes, state }).toString();
  return target.href;
}

/** The token endpoint: Salesforce's at the login URL, HubSpot's on its API host. */
function tokenEndpoint(kind: OAuthCredentials['kind'], settings: HubspotSettings | SalesforceSettings): URL {
  return kind === 'salesforce-oauth' ? new URL('/services/oauth2/token', (settings as SalesforceSettings).loginUrl) : new URL('/oauth/v1/token', (settings as HubspotSettings).baseUrl);
}

/** Runs one grant (authorization_code or refresh_token) and returns the credentials it renews. */
export async function tokenGrant(credentials: OAuthCredentials, settings: HubspotSettings | SalesforceSettings, grant: { grant_type: 'authorization_code'; code: string; redirect_uri: string } | { grant_type: 'refresh_token'; refresh_token: string }, now = new Date()): Promise<OAuthCredentials> {
  const response = await fetch(tokenEndpoint(credentials.kind, settings), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ ...grant, client_id: credentials.clientId, client_secret: credentials.clientSecret }),
  });
  const body = (await response.json().catch(() => null)) as { access_token?: string; refresh_token?: string; instance_url?: string; expires_in?: number; error?: string; error_description?: string; message?: string } | null;
  if (!response.ok || !body?.access_token) throw new OAuthRefusal(response.status, `${body?.error ?? response.status}${body?.error_description || body?.message ? ` (${body.error_description ?? body.message})` : ''}`);
  const refreshToken = body.refresh_token ?? credentials.refreshToken;
  if (credentials.kind === 'salesforce-oauth') return { ...credentials, accessToken: body.access_token, refreshToken, instanceUrl: body.instance_url ?? credentials.instanceUrl };
  return { ...credentials, accessToken: body.access_token, refreshToken, expiresAt: new Date(now.getTime() + (body.expires_in ?? 1800) * 1000).toISOString() };
}
