import type { Permission } from '../../session';
import type { CredentialKind } from './CredentialsPage';

/** The scopes an API key can hold: the permission table's names (server/src/auth/permissions.ts). */
const scopes: Permission[] = [
  'workspace.read',
  'workspace.manage',
  'members.read',
  'members.manage',
  'sso.manage',
  'api-keys.manage',
  'audit.read',
  'audit.export',
  'campaigns.write',
  'campaigns.read',
  'customers.read',
  'customers.write',
  'privacy.manage',
  'segments.export',
  'attribution.read',
  'connectors.manage',
  'renders.sync',
  'jobs.read',
  'jobs.manage',
];

export const apiKeys: CredentialKind = {
  title: 'API keys',
  path: '/v1/api-keys',
  listField: 'apiKeys',
  secretField: 'key',
  explanation: 'For scripts and servers calling the Hub’s API: each key holds only the scopes it is given.',
  initialBody: { scopes: ['workspace.read'] },
  extraFields: (body, setBody) => {
    const chosen = (body.scopes as string[]) ?? [];
    return (
      <fieldset className="fields" aria-label="Scopes">
        <legend className="muted">Scopes</legend>
        {scopes.map((scope) => (
          <label key={scope} className="rule-row">
            <input type="checkbox" checked={chosen.includes(scope)} onChange={(event) => setBody({ ...body, scopes: event.target.checked ? [...chosen, scope] : chosen.filter((s) => s !== scope) })} />
            {scope}
          </label>
        ))}
      </fieldset>
    );
  },
};

export const writeKeys: CredentialKind = {
  title: 'Write keys',
  path: '/v1/write-keys',
  listField: 'writeKeys',
  secretField: 'writeKey',
  explanation: 'For analytics sources (analytics.js, server libraries) sending customer events: a write key can only send events.',
};

export const scimTokens: CredentialKind = {
  title: 'SCIM tokens',
  path: '/v1/scim-tokens',
  listField: 'scimTokens',
  secretField: 'token',
  explanation: 'For your identity provider to create, update and remove members (SCIM 2.0): a SCIM token works only under /scim/v2.',
  describeCreated: (answer) => (
    <p>
      SCIM base URL for the identity provider: <code>{String(answer.scimUrl)}</code>
    </p>
  ),
};
