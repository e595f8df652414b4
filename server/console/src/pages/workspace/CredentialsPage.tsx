import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../../api';
import { ShownOnce } from '../../ui/ShownOnce';
import { Empty, formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import type { Credential } from './workspace-api';

/** One kind of credential the workspace hands out: API keys, write keys, SCIM tokens. */
export interface CredentialKind {
  title: string;
  /** E.g. /v1/api-keys. */
  path: string;
  /** The list's field in the GET answer, e.g. apiKeys. */
  listField: string;
  /** The secret's field in the POST answer, shown once. */
  secretField: string;
  explanation: ReactNode;
  /** Extra fields of the create form and what they add to its body. */
  extraFields?: (body: Record<string, unknown>, setBody: (body: Record<string, unknown>) => void) => ReactNode;
  initialBody?: Record<string, unknown>;
  describeCreated?: (answer: Record<string, unknown>) => ReactNode;
}

/** Lists a kind of credential (never its secrets), creates one (its secret shown once) and revokes them. */
export function CredentialsPage({ kind }: { kind: CredentialKind }) {
  const key = ['credentials', kind.path];
  const list = useQuery({ queryKey: key, queryFn: () => api<Record<string, Credential[]>>(kind.path) });
  const [name, setName] = useState('');
  const [body, setBody] = useState<Record<string, unknown>>(kind.initialBody ?? {});
  const create = useAction(() => api<Record<string, unknown>>(kind.path, { method: 'POST', body: { ...body, name } }), [key]);
  const revoke = useAction((id: string) => api(`${kind.path}/${encodeURIComponent(id)}`, { method: 'DELETE' }), [key]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(undefined, { onSuccess: () => setName('') });
  };
  return (
    <>
      <div className="page-header">
        <h1>{kind.title}</h1>
      </div>
      <p className="muted">{kind.explanation}</p>
      <form className="section" onSubmit={submit} aria-label={`Create ${kind.title.toLowerCase()}`}>
        <div className="fields">
          <label className="field">
            <span>Name</span>
            <input required maxLength={80} value={name} onChange={(event) => setName(event.target.value)} />
          </label>
          <button type="submit" className="button primary" disabled={create.isPending}>
            Create
          </button>
        </div>
        {kind.extraFields?.(body, setBody)}
        {create.error && <Notice tone="bad">{create.error.message}</Notice>}
        {create.data && (
          <>
            <ShownOnce label={`The secret of ${String(create.data.name)}`} value={String(create.data[kind.secretField])} onDone={() => create.reset()} />
            {kind.describeCreated?.(create.data)}
          </>
        )}
      </form>
      <div className="section">
        {revoke.error && <Notice tone="bad">{revoke.error.message}</Notice>}
        <QueryView query={list} what={kind.title.toLowerCase()}>
          {(data) => {
            const items = data[kind.listField] ?? [];
            return items.length === 0 ? (
              <Empty>None yet.</Empty>
            ) : (
              <table aria-label={kind.title}>
                <thead>
                  <tr>
                    <th>Name</th>
                    {items.some((item) => item.scopes) && <th>Scopes</th>}
                    <th>Created</th>
                    <th>Last used</th>
                    <th>Status</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((item) => (
                    <tr key={item.id}>
                      <td>{item.name}</td>
                      {item.scopes && <td>{item.scopes.join(', ')}</td>}
                      <td>{formatTime(item.createdAt)}</td>
                      <td>{formatTime(item.lastUsedAt)}</td>
                      <td>
                        {item.revokedAt ? (
                          `revoked ${formatTime(item.revokedAt)}`
                        ) : (
                          <button
                            type="button"
                            className="button small danger"
                            disabled={revoke.isPending}
                            onClick={() => {
                              if (window.confirm(`Revoke ${item.name}? Anything using it stops working at once.`)) revoke.mutate(item.id);
                            }}
                          >
                            Revoke
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          }}
        </QueryView>
      </div>
    </>
  );
}
