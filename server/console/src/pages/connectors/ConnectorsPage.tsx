import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { api } from '../../api';
import { useCan } from '../../session';
import { Empty, formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { ConnectorDetail } from './ConnectorDetail';
import { connectorsKey, crmName, statusText, type Connection, type CreatedConnection } from './connectors-api';

/** What the Hub's OAuth callback reports by code when it sends the browser back here. */
const authorizationFailures: Record<string, string> = {
  'invalid-state': 'That authorization is unknown, was used already or expired: start again with the connection’s “Authorize” button.',
  'not-authorized': 'The CRM did not authorize the connection (it was declined, or the CRM refused the code): start again with the connection’s “Authorize” button.',
  'crm-unreachable': 'The CRM did not answer while the Hub finished the authorization: try again.',
  'not-oauth': 'This connection uses a private-app token: there is nothing to authorize.',
};

/**
 * CRM connectors: connect HubSpot (a private app's token, or an OAuth app)
 * or Salesforce (a connected app, then sign-in there), and for each
 * connection its segments, field mapping, runs and dead letters. Admins and
 * owners only (connectors.manage); the Hub refuses everyone else.
 */
export function ConnectorsPage() {
  const can = useCan();
  const [params, setParams] = useSearchParams();
  const selected = params.get('connector');
  const [connecting, setConnecting] = useState<Connection['kind'] | null>(null);
  const [authorize, setAuthorize] = useState<CreatedConnection | null>(null);
  const connections = useQuery({ queryKey: connectorsKey, queryFn: ({ signal }) => api<{ connectors: Connection[] }>('/v1/connectors', { signal }) });
  const select = (id: string | null) => {
    const next = new URLSearchParams(params);
    if (id) next.set('connector', id);
    else next.delete('connector');
    next.delete('authorized');
    next.delete('authorizationFailed');
    setParams(next);
  };
  const manage = can('connectors.manage');
  return (
    <>
      <div className="page-header">
        <h1>CRM connectors</h1>
        {manage && (
          <div className="page-actions">
            <button type="button" className="button" aria-expanded={connecting === 'hubspot'} onClick={() => setConnecting(connecting === 'hubspot' ? null : 'hubspot')}>
              Connect HubSpot
            </button>
            <button type="button" className="button" aria-expanded={connecting === 'salesforce'} onClick={() => setConnecting(connecting === 'salesforce' ? null : 'salesforce')}>
              Connect Salesforce
            </button>
          </div>
        )}
      </div>
      {manage && connecting && (
        <ConnectForm
          key={connecting}
          kind={connecting}
          onCancel={() => setConnecting(null)}
          onCreated={(created) => {
            setConnecting(null);
            setAuthorize(created.authorizeUrl ? created : null);
            select(created.id);
          }}
        />
      )}
      {params.get('authorized') === '1' && selected && <Notice tone="ok">Authorized: the connection is ready to sync.</Notice>}
      {params.get('authorizationFailed') && <Notice tone="bad">{authorizationFailures[params.get('authorizationFailed')!] ?? 'The authorization did not go through: start again from the connection.'}</Notice>}
      {authorize?.authorizeUrl && (
        <Notice tone="warn">
          {authorize.name} is saved. Register <code>{authorize.callbackUrl}</code> as the callback on the {crmName(authorize.kind)} app, then{' '}
          <a href={authorize.authorizeUrl}>sign in to {crmName(authorize.kind)} to authorize it</a>.
        </Notice>
      )}
      <div className="section">
        <QueryView query={connections} what="connections">
          {({ connectors }) =>
            connectors.length === 0 ? (
              <Empty>No CRM connected yet{manage ? ': connect HubSpot or Salesforce above.' : '.'}</Empty>
            ) : (
              <table aria-label="Connections">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">CRM</th>
                    <th scope="col">Status</th>
                    <th scope="col" className="num">
                      Segments
                    </th>
                    <th scope="col">Changed</th>
                  </tr>
                </thead>
                <tbody>
                  {connectors.map((connection) => (
                    <tr key={connection.id} className={connection.id === selected ? 'selected' : undefined}>
                      <td>
                        <button type="button" className="link-button" onClick={() => select(connection.id)} aria-current={connection.id === selected ? 'true' : undefined}>
                          {connection.name}
                        </button>
                      </td>
                      <td>{crmName(connection.kind)}</td>
                      <td className={connection.status === 'failing' ? 'tone-bad' : connection.status === 'connected' ? 'tone-ok' : undefined}>{statusText[connection.status]}</td>
                      <td className="num">{connection.segmentIds.length}</td>
                      <td>{formatTime(connection.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </QueryView>
      </div>
      {selected && <ConnectorDetail key={selected} id={selected} onGone={() => select(null)} />}
    </>
  );
}

function ConnectForm({ kind, onCreated, onCancel }: { kind: Connection['kind']; onCreated: (created: CreatedConnection) => void; onCancel: () => void }) {
  const crm = crmName(kind);
  const [name, setName] = useState(crm);
  const [auth, setAuth] = useState<'private-app' | 'oauth'>(kind === 'hubspot' ? 'private-app' : 'oauth');
  const [accessToken, setAccessToken] = useState('');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  const [address, setAddress] = useState('');
  const create = useAction(() => {
    const settings = address.trim() ? { [kind === 'hubspot' ? 'baseUrl' : 'loginUrl']: address.trim() } : undefined;
    const credentials = auth === 'private-app' ? { accessToken } : { clientId, clientSecret };
    return api<CreatedConnection>(`/v1/connectors/${kind}`, { method: 'POST', body: { name, ...credentials, ...(settings && { settings }) } });
  }, [[...connectorsKey]]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: onCreated });
  };
  return (
    <form className="section form" onSubmit={submit} aria-label={`Connect ${crm}`}>
      <h2>Connect {crm}</h2>
      <label className="field">
        <span>Name</span>
        <input required maxLength={120} value={name} onChange={(event) => setName(event.target.value)} autoFocus />
      </label>
      {kind === 'hubspot' && (
        <fieldset className="checks">
          <legend className="muted">Sign in with</legend>
          <label className="rule-row">
            <input type="radio" name="auth" checked={auth === 'private-app'} onChange={() => setAuth('private-app')} />a private app’s access token
          </label>
          <label className="rule-row">
            <input type="radio" name="auth" checked={auth === 'oauth'} onChange={() => setAuth('oauth')} />
            an OAuth app (then sign in to HubSpot)
          </label>
        </fieldset>
      )}
      {auth === 'private-app' ? (
        <label className="field">
          <span>Access token</span>
          <input type="password" required minLength={8} autoComplete="off" value={accessToken} onChange={(event) => setAccessToken(event.target.value)} />
        </label>
      ) : (
        <>
          <label className="field">
            <span>{kind === 'salesforce' ? 'Consumer key (client id)' : 'Client id'}</span>
            <input required minLength={8} autoComplete="off" value={clientId} onChange={(event) => setClientId(event.target.value)} />
          </label>
          <label className="field">
            <span>{kind === 'salesforce' ? 'Consumer secret' : 'Client secret'}</span>
            <input type="password" required minLength={8} autoComplete="off" value={clientSecret} onChange={(event) => setClientSecret(event.target.value)} />
          </label>
        </>
      )}
      <label className="field">
        <span>{kind === 'hubspot' ? 'API address (empty: https://api.hubapi.com)' : 'Sign-in address (empty: https://login.salesforce.com; test.salesforce.com for a sandbox)'}</span>
        <input type="url" value={address} onChange={(event) => setAddress(event.target.value)} />
      </label>
      <p className="muted">Secrets are sealed on the Hub and never shown again.</p>
      {create.error && <Notice tone="bad">{create.error.message}</Notice>}
      <div className="page-actions">
        <button type="submit" className="button primary" disabled={create.isPending}>
          Connect
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
