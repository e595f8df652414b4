import type { ReactNode } from 'react';

/** What a page shows before there is anything on it: what it is for, and the next step. */
export function EmptyState(props: {
  title: string;
  children: ReactNode;
  action?: { label: string; run: () => void };
}) {
  return (
    <section className="empty-state" aria-label={props.title}>
      <div className="empty-mark" aria-hidden="true" />
      <h2>{props.title}</h2>
      <p>{props.children}</p>
      {props.action && (
        <button className="button primary" onClick={props.action.run}>
          {props.action.label}
        </button>
      )}
    </section>
  );
}
