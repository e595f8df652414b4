import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api } from '../api';
import { meKey } from '../session';
import { Notice } from '../ui/states';

/** Where an invitation link leads: the invited person names themselves and chooses a password, and is signed in. */
export function JoinPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const queries = useQueryClient();
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const join = useMutation({
    mutationFn: () => api<{ workspace: { name: string } }>('/v1/auth/accept-invitation', { method: 'POST', body: { token, name, password } }),
    onSuccess: async () => {
      await queries.invalidateQueries({ queryKey: meKey });
      void navigate('/', { replace: true });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    join.mutate();
  };
  return (
    <div className="sign-in">
      <form className="card" onSubmit={submit} aria-label="Join the workspace">
        <h1>Join Kata Hub</h1>
        {!token && <Notice tone="bad">This link has no invitation in it; open the link from your invitation again.</Notice>}
        <label className="field">
          <span>Your name</span>
          <input required autoComplete="name" value={name} onChange={(event) => setName(event.target.value)} autoFocus />
        </label>
        <label className="field">
          <span>Choose a password (at least 12 characters)</span>
          <input type="password" required minLength={12} autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />
        </label>
        {join.error && <Notice tone="bad">{join.error.message}</Notice>}
        <button type="submit" className="button primary" disabled={!token || join.isPending}>
          {join.isPending ? 'Joining…' : 'Join'}
        </button>
      </form>
    </div>
  );
}
