import type { ReactNode } from 'react';
import { describeError } from '../api';

/** The three states every page shows while its data is not simply there. */
export function Loading({ what }: { what: string }) {
  return (
    <div className="state" role="status" aria-live="polite">
      Loading {what}…
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state">{children}</div>;
}

export function Failed({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <div className="state error" role="alert">
      <span>{describeError(error)}</span>
      {retry && (
        <button type="button" className="button small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A query's loading and error states, or its data. */
export function QueryView<T>({ query, what, children }: { query: { isPending: boolean; error: unknown; data: T | undefined; refetch: () => unknown }; what: string; children: (data: T) => ReactNode }) {
  if (query.isPending) return <Loading what={what} />;
  if (query.error) return <Failed error={query.error} retry={() => void query.refetch()} />;
  return <>{children(query.data as T)}</>;
}

export function Notice({ tone, children }: { tone: 'ok' | 'bad' | 'warn'; children: ReactNode }) {
  return (
    <div className={`notice ${tone}`} role={tone === 'bad' ? 'alert' : 'status'}>
      {children}
    </div>
  );
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}
