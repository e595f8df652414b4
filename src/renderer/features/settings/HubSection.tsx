import { useState } from 'react';
import { openSignInPage, useHubAccount } from '../../app/hub-account';
import type { HubStatus } from '../../app/studio-status';

function Reachability({ hub }: { hub: HubStatus | null }) {
  if (!hub) return <p>Checking…</p>;
  if (hub.state === 'connected') return <p data-testid="hub-reachable">Reachable at {hub.url}.</p>;
  if (hub.state === 'misconfigured')
    return (
      <p className="tone-bad" role="alert">
        {hub.problem}. Studio keeps working offline until it is fixed.
      </p>
    );
  if (hub.state === 'unreachable')
    return (
      <p>
        Cannot reach {hub.url}: {hub.problem}. Your work is kept locally and will sync when the Hub is back.
      </p>
    );
  return (
    <p data-testid="hub-help">
      Not connected. Studio works fully offline; to sync campaigns and pull audience segments, enter your team&apos;s Hub address (for example{' '}
      <code>http://127.0.0.1:4400</code>) and sign in.
    </p>
  );
}

function AddressForm({ savedUrl, locked, invalid, onSave }: { savedUrl: string; locked: boolean; invalid: boolean; onSave: (url: string) => Promise<unknown> }) {
  const [url, setUrl] = useState(savedUrl);
  return (
    <form
      className="field-row"
      onSubmit={(event) => {
        event.preventDefault();
        void onSave(url.trim());
      }}
    >
      <label className="field">
        <span>Hub address</span>
        <input value={url} onChange={(event) => setUrl(event.target.value)} placeholder="https://hub.example.com" disabled={locked} aria-invalid={invalid ? true : undefined} />
      </label>
      <div className="field">
        <span aria-hidden="true">&nbsp;</span>
        <button className="button" type="submit" disabled={locked || url.trim() === savedUrl}>
          Save address
        </button>
      </div>
    </form>
  );
}

/** Settings › Kata Hub: where the Hub is, and who Studio is signed in to it as. */
export function HubSection({ hub, onUrlSaved }: { hub: HubStatus | null; onUrlSaved: () => void }) {
  const { account, problem, busy, setUrl, signIn, cancelSignIn, signOut } = useHubAccount();
  const savedUrl = account?.hubUrl ?? '';
  const signedIn = account?.state === 'signed-in';

  return (
    <section className="panel" aria-labelledby="hub-heading">
      <h2 id="hub-heading">Kata Hub</h2>
      {/* Keyed by the saved address, so the field starts over from it whenever it changes. */}
      <AddressForm key={savedUrl} savedUrl={savedUrl} locked={signedIn || busy} invalid={problem !== null} onSave={async (url) => (await setUrl(url)) && onUrlSaved()} />
      <Reachability hub={hub} />
      {!account && <p>…</p>}
      {account?.state === 'signed-out' && (
        <>
          {account.problem && (
            <p className="tone-warn" role="alert" data-testid="hub-account-problem">
              {account.problem}
            </p>
          )}
          <p>Not signed in.</p>
          <div className="row">
            <button className="button primary" type="button" disabled={!account.hubUrl || busy} onClick={() => void signIn()}>
              Sign in…
            </button>
          </div>
        </>
      )}
      {account?.state === 'signing-in' && (
        <>
          <p role="status">Finish signing in in your browser. Studio is waiting for the Hub to send you back.</p>
          <div className="row">
            <button className="button" type="button" onClick={() => openSignInPage(account.authorizationUrl)}>
              Open the sign-in page again
            </button>
            <button className="button" type="button" disabled={busy} onClick={() => void cancelSignIn()}>
              Cancel
            </button>
          </div>
        </>
      )}
      {account?.state === 'signed-in' && (
        <>
          <dl className="facts">
            <dt>Signed in as</dt>
            <dd data-testid="hub-user">
              {account.user.name} ({account.user.email})
            </dd>
            <dt>Workspace</dt>
            <dd data-testid="hub-workspace">
              {account.workspace.name} ({account.workspace.slug}), as {account.user.role}
            </dd>
          </dl>
          <div className="row">
            <button className="button" type="button" disabled={busy} onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        </>
      )}
      {problem && (
        <p className="tone-bad" role="alert" data-testid="hub-problem">
          {problem}
        </p>
      )}
    </section>
  );
}
