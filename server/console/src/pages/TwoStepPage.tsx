import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api';
import { meKey, useMe } from '../session';
import { Notice } from '../ui/states';

/** Turning on two-step sign-in (TOTP): required before anything else when the workspace asks for it. */
export function TwoStepPage() {
  const { data: me } = useMe();
  const queries = useQueryClient();
  const [code, setCode] = useState('');
  const setup = useMutation({ mutationFn: () => api<{ secret: string; otpauthUri: string }>('/v1/auth/mfa/totp/setup', { method: 'POST' }) });
  const confirm = useMutation({
    mutationFn: () => api('/v1/auth/mfa/totp/confirm', { method: 'POST', body: { code } }),
    onSuccess: () => queries.invalidateQueries({ queryKey: meKey }),
  });
  if (!me?.user) return <Notice tone="warn">Two-step sign-in belongs to people; an API key has none.</Notice>;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    confirm.mutate();
  };
  return (
    <>
      <div className="page-header">
        <h1>Two-step sign-in</h1>
      </div>
      {me.mfaEnrolmentRequired && <Notice tone="warn">{me.workspace.name} requires two-step sign-in: turn it on to use the console.</Notice>}
      <div className="section">
        {me.user.mfaEnabled ? (
          <p>Two-step sign-in is on: signing in asks for a code from your authenticator app.</p>
        ) : !setup.data ? (
          <>
            <p className="muted">Signing in will ask for a 6-digit code from an authenticator app as well as your password.</p>
            <div>
              <button type="button" className="button primary" onClick={() => setup.mutate()} disabled={setup.isPending}>
                Set up an authenticator app
              </button>
            </div>
            {setup.error && <Notice tone="bad">{setup.error.message}</Notice>}
          </>
        ) : (
          <form className="form" onSubmit={submit}>
            <p>
              Add this key to your authenticator app (or open <a href={setup.data.otpauthUri}>the otpauth link</a> on your phone):
            </p>
            <code data-testid="totp-secret">{setup.data.secret}</code>
            <label className="field">
              <span>The 6-digit code the app shows</span>
              <input inputMode="numeric" pattern="\d{6}" maxLength={6} required value={code} onChange={(event) => setCode(event.target.value)} />
            </label>
            {confirm.error && <Notice tone="bad">{confirm.error.message}</Notice>}
            {confirm.isSuccess && <Notice tone="ok">Two-step sign-in is on.</Notice>}
            <button type="submit" className="button primary" disabled={confirm.isPending}>
              Turn on two-step sign-in
            </button>
          </form>
        )}
      </div>
    </>
  );
}
