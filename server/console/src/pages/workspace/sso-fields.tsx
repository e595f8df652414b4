import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../api';
import { Notice } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import type { ConnectionTest } from './sso-forms';
import { roles } from './workspace-api';

/** What the OIDC and SAML forms share: who may sign in and with which role, saving, testing, turning off, and the Hub's addresses. */

type FormValues<T> = { [K in keyof T]: string | boolean };
interface CheckboxProps {
  type: 'checkbox';
  checked: boolean;
  onChange: (event: { target: { checked: boolean } }) => void;
}

/** A form's values, with the props that bind a text input, select or textarea to one of them, and a checkbox to another. */
export function useFormValues<T extends FormValues<T>>(initial: T) {
  const [form, setForm] = useState(initial);
  const text = (name: keyof T & string) => ({ value: String(form[name]), onChange: (event: { target: { value: string } }) => setForm({ ...form, [name]: event.target.value }) });
  const checkbox = (name: keyof T & string): CheckboxProps => ({ type: 'checkbox', checked: form[name] === true, onChange: (event) => setForm({ ...form, [name]: event.target.checked }) });
  return { form, text, checkbox };
}
export type FormBinding<T extends FormValues<T>> = ReturnType<typeof useFormValues<T>>;

export function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <label className="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

export function Check({ label, input }: { label: string; input: CheckboxProps }) {
  return (
    <label className="rule-row">
      <input {...input} />
      {label}
    </label>
  );
}

/** The values both protocols keep about admitting people. */
export interface AdmissionValues {
  allowedEmailDomains: string;
  groups: string;
  roleMapping: string;
  defaultRole: string;
  jitProvisioning: boolean;
}

/** Which email domains may sign in, where the provider names the person's groups, the roles those groups map to, and what to do at a first sign-in. */
export function AdmissionFields({ binding, groupsLabel }: { binding: FormBinding<AdmissionValues>; groupsLabel: string }) {
  const { text, checkbox } = binding;
  return (
    <>
      <Field label="Email domains allowed to sign in (comma-separated)">
        <input required {...text('allowedEmailDomains')} />
      </Field>
      <Field label={groupsLabel}>
        <input {...text('groups')} />
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
      <Check label="Create a member at their first sign-in" input={checkbox('jitProvisioning')} />
    </>
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

/**
 * One protocol's settings form: its own fields, then what every one has (the
 * outcome of saving, Save / Test connection / Turn off, and once set up the
 * addresses to register at the provider).
 */
export function SsoForm({ protocol, label, save, configured, addresses, children }: { protocol: 'oidc' | 'saml'; label: string; save: { mutate: () => void; isPending: boolean; isSuccess: boolean; error: Error | null }; configured: boolean; addresses: [string, string | null][] | null; children: ReactNode }) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="form" onSubmit={submit} aria-label={label}>
      {children}
      {save.error && <Notice tone="bad">{save.error.message}</Notice>}
      {save.isSuccess && <Notice tone="ok">Saved.</Notice>}
      <SaveTestRemove protocol={protocol} configured={configured} saving={save.isPending} />
      {addresses && <Addresses rows={addresses} />}
    </form>
  );
}
