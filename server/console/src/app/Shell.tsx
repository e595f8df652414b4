import { useMutation } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { api, onSessionEnded } from '../api';
import { useCan, useMe, useSignedOut } from '../session';
import { Failed, Loading } from '../ui/states';
import { navItems } from './navigation';

/** Pages below need a signed-in member; a 401 anywhere sends the person to sign-in and back here after. */
export function RequireSignIn() {
  const me = useMe();
  const location = useLocation();
  const navigate = useNavigate();
  const signedOut = useSignedOut();
  useEffect(
    () =>
      onSessionEnded(() => {
        signedOut();
        void navigate(`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`, { replace: true });
      }),
    [navigate, location, signedOut],
  );
  if (me.isPending) return <Loading what="your session" />;
  if (me.error) return <Failed error={me.error} retry={() => void me.refetch()} />;
  if (!me.data) return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  // A workspace that requires two-step sign-in lets the member do nothing else until it is on.
  if (me.data.mfaEnrolmentRequired && location.pathname !== '/two-step') return <Navigate to="/two-step" replace />;
  return <Outlet />;
}

export function Shell() {
  const { data: me } = useMe();
  const can = useCan();
  const navigate = useNavigate();
  const signedOut = useSignedOut();
  const signOut = useMutation({
    mutationFn: () => api<{ endSessionUrl: string } | undefined>('/v1/auth/logout', { method: 'POST' }),
    onSuccess: (answer) => {
      signedOut();
      // Signed in through the identity provider: sign out there too; it sends the browser back to the Hub.
      if (answer?.endSessionUrl) window.location.assign(answer.endSessionUrl);
      else void navigate('/sign-in', { replace: true });
    },
  });
  if (!me) return null;
  const groups = [...new Set(navItems.map((item) => item.group))];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to the page
      </a>
      <nav className="sidebar" aria-label="Console">
        <div className="brand">
          <div className="brand-mark" aria-hidden="true">
            K
          </div>
          <div>
            <div className="brand-name">Kata Hub</div>
            <div className="muted" data-testid="workspace-name">
              {me.workspace.name}
            </div>
          </div>
        </div>
        {groups.map((group) => {
          const items = navItems.filter((item) => item.group === group && can(item.permission));
          if (items.length === 0) return null;
          return (
            <div key={group}>
              <div className="group">{group}</div>
              <ul>
                {items.map((item) => (
                  <li key={item.to}>
                    <NavLink className={({ isActive }) => `nav-item${isActive ? ' active' : ''}`} to={item.to} end={item.end}>
                      {item.label}
                    </NavLink>
                  </li>
                ))}
              </ul>
            </div>
          );
        })}
        <div className="who">
          <strong data-testid="signed-in-as">{me.user ? `${me.user.name} (${me.user.email})` : `API key ${me.apiKey?.id}`}</strong>
          <span data-testid="signed-in-role">{me.user ? `${me.user.role} in ${me.workspace.slug}` : me.workspace.slug}</span>
          <NavLink className="nav-item" to="/two-step">
            Two-step sign-in
          </NavLink>
          <button type="button" className="button small" onClick={() => signOut.mutate()} disabled={signOut.isPending}>
            Sign out
          </button>
          {signOut.error && <span className="tone-bad">Signing out failed: {signOut.error.message}</span>}
        </div>
      </nav>
      <main id="main" className="page" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
