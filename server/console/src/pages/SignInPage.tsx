import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError } from '../api';
import { meKey, useMe } from '../session';
import { Notice } from '../ui/states';

interface Credentials {
  email: string;
  password: string;
  workspace: string;
  totp: string;
}

/** Only paths inside the console, so a crafted link cannot send someone elsewhere after signing in. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/**
 * Sign-in: email and password, then the 6-digit code when the account has
 * two-step sign-in; or single sign-on through the workspace's OIDC or SAML
 * identity provider, which comes back to the console with a session.
 */
export function SignInPage() {
  const me = useMe();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [form, setForm] = useState<Credentials>({ email: '', password: '', workspace: '', totp: '' });
  const [step, setStep] = useState<'password' | 'code'>('password');
  const [needsWorkspace, setNeedsWorkspace] = useState(false);
  const [ssoWorkspace, setSsoWorkspace] = useState('');
  const next = safeNext(params.get('next'));

  const signIn = useMutation({
    mutationFn: () =>
      api('/v1/auth/login', {
        method: 'POST',
        body: { email: form.email, password: form.password, client: 'browser', ...(form.workspace && { workspace: form.workspace }), ...(step === 'code' && { totp: form.totp }) },
      }),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: meKey });
      void navigate(next, { replace: true });
    },
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'mfa-required') setStep('code');
      if (error instanceof ApiError && error.code === 'choose-workspace') setNeedsWorkspace(true);
    },
  });

  if (me.data) return <Navigate to={next} replace />;
  const set = (field: keyof Credentials) => (event: { target: { value: string } }) => setForm({ ...form, [field]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate();
  };
  // Asking for the code is a step, not a failure.
  const problem = signIn.error && !(signIn.error instanceof ApiError && signIn.error.code === 'mfa-required') ? signIn.error.message : null;
  const startSso = (protocol: 'oidc' | 'saml') => window.location.assign(`/v1/sso/${protocol}/${encodeURIComponent(ssoWorkspace.trim())}/start?client=console`);

  return (
    <div className="sign-in">
      <div className="card">
        <h1>Sign in to Kata Hub</h1>
        {params.get('signedOut') && <Notice tone="ok">You are signed out.</Notice>}
        <form className="form" onSubmit={submit} aria-label="Sign in with email and password">
          {step === 'password' ? (
            <>
              <label className="field">
                <span>Email</span>
                <input type="email" autoComplete="username" required value={form.email} onChange={set('email')} autoFocus />
              </label>
              <label className="field">
                <span>Password</span>
                <input type="password" autoComplete="current-password" required value={form.password} onChange={set('password')} />
              </label>
              {needsWorkspace && (
                <label className="field">
                  <span>Workspace (its short name, e.g. acme)</span>
                  <input value={form.workspace} onChange={set('workspace')} required autoFocus />
                </label>
              )}
            </>
          ) : (
            <label className="field">
              <span>6-digit code from your authenticator app</span>
              <input inputMode="numeric" autoComplete="one-time-code" pattern="\d{6}" maxLength={6} required value={form.totp} onChange={set('totp')} autoFocus />
            </label>
          )}
          {problem && <Notice tone="bad">{problem}</Notice>}
          <button type="submit" className="button primary" disabled={signIn.isPending}>
            {signIn.isPending ? 'Signing in…' : step === 'code' ? 'Verify code' : 'Sign in'}
          </button>
          {step === 'code' && (
            <button
              type="button"
              className="link-button"
              onClick={() => {
                setStep('password');
                setForm({ ...form, totp: '' });
                signIn.reset();
              }}
            >
              Back to email and password
            </button>
          )}
        </form>
        <div className="or">or, with your organisation's single sign-on</div>
        <form
          className="form"
          aria-label="Single sign-on"
          onSubmit={(event) => {
            event.preventDefault();
            startSso('oidc');
          }}
        >
          <label className="field">
            <span>Workspace (its short name, e.g. acme)</span>
            <input value={ssoWorkspace} onChange={(event) => setSsoWorkspace(event.target.value)} required pattern="[a-z0-9\-]+" />
          </label>
          <div className="page-actions">
            <button type="submit" className="button">
              Continue with OpenID Connect
            </button>
            <button type="button" className="button" disabled={!ssoWorkspace.trim()} onClick={() => startSso('saml')}>
              Continue with SAML
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
