import { useQuery } from '@tanstack/react-query';
import { api, ApiError } from '../../api';
import { Empty, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { AdmissionFields, Check, Field, SsoForm, useFormValues, type AdmissionValues } from './sso-fields';
import { listFromText, mappingFromText, mappingToText } from './sso-forms';

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

/** What the Hub keeps about admitting people, as the shared fields edit it. */
const admissionOf = (settings: { allowedEmailDomains: string[]; roleMapping: Record<string, string>; defaultRole: string; jitProvisioning: boolean } | null, groups: string | null | undefined) => ({
  allowedEmailDomains: settings?.allowedEmailDomains.join(', ') ?? '',
  groups: groups ?? '',
  roleMapping: mappingToText(settings?.roleMapping ?? {}),
  defaultRole: settings?.defaultRole ?? 'viewer',
  jitProvisioning: settings?.jitProvisioning ?? false,
});
const admissionBody = (form: AdmissionValues) => ({
  allowedEmailDomains: listFromText(form.allowedEmailDomains),
  roleMapping: mappingFromText(form.roleMapping),
  defaultRole: form.defaultRole,
  jitProvisioning: form.jitProvisioning,
});

function OidcForm({ settings }: { settings: OidcSettings | null }) {
  const binding = useFormValues({
    ...admissionOf(settings, settings?.roleClaim),
    issuer: settings?.issuer ?? '',
    clientId: settings?.clientId ?? '',
    clientSecret: '',
    scopes: (settings?.scopes ?? ['openid', 'email', 'profile']).join(' '),
    clientAuth: settings?.clientAuth ?? 'client_secret',
  });
  const { form, text } = binding;
  const save = useAction(
    () =>
      api('/v1/sso/oidc', {
        method: 'PUT',
        body: {
          ...admissionBody(form),
          issuer: form.issuer.trim(),
          clientId: form.clientId.trim(),
          // Left empty, the saved secret stays.
          ...(form.clientSecret && { clientSecret: form.clientSecret }),
          scopes: listFromText(form.scopes),
          roleClaim: form.groups.trim() || null,
          clientAuth: form.clientAuth,
        },
      }),
    [['sso', 'oidc']],
  );
  return (
    <SsoForm
      protocol="oidc"
      label="OIDC settings"
      save={save}
      configured={settings !== null}
      addresses={
        settings && [
          ['Redirect URI to register at the provider', settings.redirectUri],
          ['Back-channel logout URI', settings.backchannelLogoutUri],
          ['Post-logout redirect URI', settings.postLogoutRedirectUri],
          ['JWKS URI (private_key_jwt)', settings.jwksUri],
          ["Members' sign-in address", settings.signInUrl],
        ]
      }
    >
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
      <AdmissionFields binding={binding} groupsLabel="Claim with the person's groups (optional, e.g. groups)" />
    </SsoForm>
  );
}

function SamlForm({ settings }: { settings: SamlSettings | null }) {
  const binding = useFormValues({ ...admissionOf(settings, settings?.roleAttribute), metadataXml: '', allowIdpInitiated: settings?.allowIdpInitiated ?? false });
  const { form, text, checkbox } = binding;
  const save = useAction(
    () =>
      api('/v1/sso/saml', {
        method: 'PUT',
        body: {
          ...admissionBody(form),
          // The Hub keeps the provider's certificates, but shows only their summaries: each save sends the metadata again.
          metadataXml: form.metadataXml,
          roleAttribute: form.groups.trim() || null,
          allowIdpInitiated: form.allowIdpInitiated,
        },
      }),
    [['sso', 'saml']],
  );
  return (
    <SsoForm
      protocol="saml"
      label="SAML settings"
      save={save}
      configured={settings !== null}
      addresses={
        settings && [
          ['Entity ID (audience) to give the identity provider', settings.spEntityId],
          ['Assertion consumer service (ACS) URL', settings.acsUrl],
          ["The Hub's metadata", settings.metadataUrl],
          ["Members' sign-in address", settings.signInUrl],
        ]
      }
    >
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
      <AdmissionFields binding={binding} groupsLabel="Attribute with the person's groups (optional)" />
      <Check label="Accept sign-ins started at the identity provider" input={checkbox('allowIdpInitiated')} />
    </SsoForm>
  );
}
