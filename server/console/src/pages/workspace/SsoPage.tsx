import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError } from '../../api';
import { Empty, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { listFromText, mappingFromText, mappingToText, type ConnectionTest } from './sso-forms';
import { roles } from './workspace-api';

interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecretSet: boolean;
  scopes: string[];
  allowedEmailDomains: string[];
  roleClaim: string | null;
  roleMapping: Record<string, string>;
  defaultRole: string;
  jitProvisioning: boolean;
  clientAuth: 'client_secret' | 'private_key_jwt';
  redirectUri: string;
  signInUrl: string;
  backchannelLogoutUri: string;
  postLogoutRedirectUri: string;
  jwksUri: string | null;
}
interface SamlSettings {
  idpEntityId: string;
  idpSsoUrl: string;
  idpCertificates: { subject: string; validTo: string; fingerprint256: string }[];
  allowedEmailDomains: string[];
  roleAttribute: string | null;
  roleMapping: Record<string, string>;
  defaultRole: string;
  jitProvisioning: boolean;
  allowIdpInitiated: boolean;
  spEntityId: string;
  acsUrl: string;
  metadataUrl: string;
  signInUrl: string;
}

/** A setting that is not there yet answers 404: that is "not set up", not an error. */
const orNothing = async <T,>(path: string): Promise<T | null> => {
  try {
    return await api<T>(path);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
};

/** Single sign-on through the workspace's identity provider, by OIDC or SAML: settings, addresses to register there, and a connection test. */
export function SsoPage() {
  const oidc = useQuery({ queryKey: ['sso', 'oidc'], queryFn: () => orNothing<OidcSettings>('/v1/sso/oidc') });
  const saml = useQuery({ queryKey: ['sso', 'saml'], queryFn: () => orNothing<SamlSettings>('/v1/sso/saml') });
  return (
    <>
      <div className="page-header">
        <h1>Single sign-on</h1>
      </div>
      <div className="section">
        <h2>OpenID Connect</h2>
        <QueryView query={oidc} what="the OIDC settings">
          {(settings) => <OidcForm settings={settings} />}
        </QueryView>
      </div>
      <div className="section">
        <h2>SAML 2.0</h2>
        <QueryView query={saml} what="the SAML settings">
          {(settings) => <SamlForm settings={settings} />}
        </QueryView>
      </div>
    </>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

function Addresses({ rows }: { rows: [string, string | null][] }) {
  return (
    <dl>
      {rows
        .filter(([, value]) => value)
        .map(([label, value]) => (
          <div key={label}>
            <dt className="muted">{label}</dt>
            <dd>
              <code>{value}</code>
            </dd>
          </div>
        ))}
    </dl>
  );
}

function TestResult({ test }: { test: ConnectionTest }) {
  return (
    <Notice tone={test.ok ? 'ok' : 'bad'}>
      <strong data-testid="sso-test-result">{test.ok ? 'The connection works.' : 'The connection has a problem.'}</strong>
      <ul>
        {test.checks.map((check) => (
          <li key={check.check}>
            {check.ok ? '✓' : '✗'} {check.detail}
          </li>
        ))}
      </ul>
    </Notice>
  );
}

function SaveTestRemove({ protocol, configured, saving }: { protocol: 'oidc' | 'saml'; configured: boolean; saving: boolean }) {
  const test = useAction(() => api<ConnectionTest>(`/v1/sso/${protocol}/test`, { method: 'POST' }), []);
  const remove = useAction(() => api(`/v1/sso/${protocol}`, { method: 'DELETE' }), [['sso', protocol]]);
  return (
    <>
      <div className="page-actions">
        <button type="submit" className="button primary" disabled={saving}>
          Save
        </button>
        {configured && (
          <>
            <button type="button" className="button" disabled={test.isPending} onClick={() => test.mutate()}>
              {test.isPending ? 'Testing…' : 'Test connection'}
            </button>
            <button
              type="button"
              className="button danger"
              disabled={remove.isPending}
              onClick={() => {
                if (window.confirm('Turn off this single sign-on? Members keep their accounts and sessions.')) remove.mutate();
              }}
            >
              Turn off
            </button>
          </>
        )}
      </div>
      {test.data && <TestResult test={test.data} />}
      {(test.error ?? remove.error) && <Notice tone="bad">{(test.error ?? remove.error)!.message}</Notice>}
    </>
  );
}

function OidcForm({ settings }: { settings: OidcSettings | null }) {
  const [form, setForm] = useState({
    issuer: settings?.issuer ?? '',
    clientId: settings?.clientId ?? '',
    clientSecret: '',
    scopes: (settings?.scopes ?? ['openid', 'email', 'profile']).join(' '),
    allowedEmailDomains: settings?.allowedEmailDomains.join(', ') ?? '',
    roleClaim: settings?.roleClaim ?? '',
    roleMapping: mappingToText(settings?.roleMapping ?? {}),
    defaultRole: settings?.defaultRole ?? 'viewer',
    jitProvisioning: settings?.jitProvisioning ?? false,
    clientAuth: settings?.clientAuth ?? 'client_secret',
  });
  const save = useAction(
    () =>
      api('/v1/sso/oidc', {
        method: 'PUT',
        body: {
          issuer: form.issuer.trim(),
          clientId: form.clientId.trim(),
          // Left empty, the saved secret stays.
          ...(form.clientSecret && { clientSecret: form.clientSecret }),
          scopes: listFromText(form.scopes),
          allowedEmailDomains: listFromText(form.allowedEmailDomains),
          roleClaim: form.roleClaim.trim() || null,
          roleMapping: mappingFromText(form.roleMapping),
          defaultRole: form.defaultRole,
          jitProvisioning: form.jitProvisioning,
          clientAuth: form.clientAuth,
        },
      }),
    [['sso', 'oidc']],
  );
  const text = (name: keyof typeof form) => ({ value: String(form[name]), onChange: (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="form" onSubmit={submit} aria-label="OIDC settings">
      {!settings && <Empty>OpenID Connect is not set up.</Empty>}
      <Field label="Issuer (e.g. https://acme.okta.com)">
        <input required {...text('issuer')} />
      </Field>
      <Field label="Client id">
        <input required {...text('clientId')} />
      </Field>
      <Field label={settings?.clientSecretSet ? 'Client secret (saved; type a new one to replace it)' : 'Client secret'}>
        <input type="password" autoComplete="off" {...text('clientSecret')} />
      </Field>
      <Field label="How the Hub signs in at the token endpoint">
        <select {...text('clientAuth')}>
          <option value="client_secret">client secret</option>
          <option value="private_key_jwt">private_key_jwt (a key pair the Hub makes)</option>
        </select>
      </Field>
      <Field label="Scopes (space-separated)">
        <input {...text('scopes')} />
      </Field>
      <Field label="Email domains allowed to sign in (comma-separated)">
        <input required {...text('allowedEmailDomains')} />
      </Field>
      <Field label="Claim with the person's groups (optional, e.g. groups)">
        <input {...text('roleClaim')} />
      </Field>
      <Field label="Groups to roles, one per line (group=role)">
        <textarea rows={3} {...text('roleMapping')} />
      </Field>
      <Field label="Role of people no group maps">
        <select {...text('defaultRole')}>
          {roles.map((role) => (
            <option key={role}>{role}</option>
          ))}
        </select>
      </Field>
      <label className="rule-row">
        <input type="checkbox" checked={form.jitProvisioning} onChange={(event) => setForm({ ...form, jitProvisioning: event.target.checked })} />
        Create a member at their first sign-in
      </label>
      {save.error && <Notice tone="bad">{save.error.message}</Notice>}
      {save.isSuccess && <Notice tone="ok">Saved.</Notice>}
      <SaveTestRemove protocol="oidc" configured={settings !== null} saving={save.isPending} />
      {settings && (
        <Addresses
          rows={[
            ['Redirect URI to register at the provider', settings.redirectUri],
            ['Back-channel logout URI', settings.backchannelLogoutUri],
            ['Post-logout redirect URI', settings.postLogoutRedirectUri],
            ['JWKS URI (private_key_jwt)', settings.jwksUri],
            ["Members' sign-in address", settings.signInUrl],
          ]}
        />
      )}
    </form>
  );
}

function SamlForm({ settings }: { settings: SamlSettings | null }) {
  const [form, setForm] = useState({
    metadataXml: '',
    allowedEmailDomains: settings?.allowedEmailDomains.join(', ') ?? '',
    roleAttribute: settings?.roleAttribute ?? '',
    roleMapping: mappingToText(settings?.roleMapping ?? {}),
    defaultRole: settings?.defaultRole ?? 'viewer',
    jitProvisioning: settings?.jitProvisioning ?? false,
    allowIdpInitiated: settings?.allowIdpInitiated ?? false,
  });
  const save = useAction(
    () =>
      api('/v1/sso/saml', {
        method: 'PUT',
        body: {
          // The Hub keeps the provider's certificates, but shows only their summaries: each save sends the metadata again.
          metadataXml: form.metadataXml,
          allowedEmailDomains: listFromText(form.allowedEmailDomains),
          roleAttribute: form.roleAttribute.trim() || null,
          roleMapping: mappingFromText(form.roleMapping),
          defaultRole: form.defaultRole,
          jitProvisioning: form.jitProvisioning,
          allowIdpInitiated: form.allowIdpInitiated,
        },
      }),
    [['sso', 'saml']],
  );
  const text = (name: keyof typeof form) => ({ value: String(form[name]), onChange: (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value }) });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="form" onSubmit={submit} aria-label="SAML settings">
      {settings ? (
        <p>
          Identity provider <code>{settings.idpEntityId}</code>, signing in at <code>{settings.idpSsoUrl}</code>; certificates:{' '}
          {settings.idpCertificates.map((certificate) => `${certificate.subject} (until ${certificate.validTo})`).join('; ')}.
        </p>
      ) : (
        <Empty>SAML is not set up.</Empty>
      )}
      <Field label="The identity provider's metadata XML (needed with every save)">
        <textarea rows={4} required {...text('metadataXml')} />
      </Field>
      <Field label="Email domains allowed to sign in (comma-separated)">
        <input required {...text('allowedEmailDomains')} />
      </Field>
      <Field label="Attribute with the person's groups (optional)">
        <input {...text('roleAttribute')} />
      </Field>
      <Field label="Groups to roles, one per line (group=role)">
        <textarea rows={3} {...text('roleMapping')} />
      </Field>
      <Field label="Role of people no group maps">
        <select {...text('defaultRole')}>
          {roles.map((role) => (
            <option key={role}>{role}</option>
          ))}
        </select>
      </Field>
      <label className="rule-row">
        <input type="checkbox" checked={form.jitProvisioning} onChange={(event) => setForm({ ...form, jitProvisioning: event.target.checked })} />
        Create a member at their first sign-in
      </label>
      <label className="rule-row">
        <input type="checkbox" checked={form.allowIdpInitiated} onChange={(event) => setForm({ ...form, allowIdpInitiated: event.target.checked })} />
        Accept sign-ins started at the identity provider
      </label>
      {save.error && <Notice tone="bad">{save.error.message}</Notice>}
      {save.isSuccess && <Notice tone="ok">Saved.</Notice>}
      <SaveTestRemove protocol="saml" configured={settings !== null} saving={save.isPending} />
      {settings && (
        <Addresses
          rows={[
            ['Entity ID (audience) to give the identity provider', settings.spEntityId],
            ['Assertion consumer service (ACS) URL', settings.acsUrl],
            ["The Hub's metadata", settings.metadataUrl],
            ["Members' sign-in address", settings.signInUrl],
          ]}
        />
      )}
    </form>
  );
}
