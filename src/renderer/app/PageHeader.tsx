import type { ReactNode } from 'react';

export function PageHeader(props: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <h1>{props.title}</h1>
      {props.children && <div className="page-actions">{props.children}</div>}
    </header>
  );
}
