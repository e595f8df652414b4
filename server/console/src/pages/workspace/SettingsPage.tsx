import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { meKey, useCan } from '../../session';
import { formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { ConsentPurposes } from './ConsentPurposes';
import type { Workspace } from './workspace-api';

const workspaceKey = ['workspace'];

/** The workspace's name, two-step sign-in rule and retention; owners change them. */
export function SettingsPage() {
  const can = useCan();
  const workspace = useQuery({ queryKey: workspaceKey, queryFn: () => api<Workspace>('/v1/workspace') });
  return (
    <>
      <div className="page-header">
        <h1>Workspace settings</h1>
      </div>
      <QueryView query={workspace} what="the workspace">
        {(data) => <SettingsForm key={data.id} workspace={data} />}
      </QueryView>
      {can('customers.read') && <ConsentPurposes manage={can('workspace.manage')} />}
    </>
  );
}

const daysOrForever = (text: string) => (text.trim() === '' ? null : Number(text));

function SettingsForm({ workspace }: { workspace: Workspace }) {
  const can = useCan();
  const manage = can('workspace.manage');
  const [name, setName] = useState(workspace.name);
  const [mfaRequired, setMfaRequired] = useState(workspace.mfaRequired);
  const [auditDays, setAuditDays] = useState(workspace.auditRetentionDays?.toString() ?? '');
  const [eventDays, setEventDays] = useState(workspace.eventRetentionDays?.toString() ?? '');
  const save = useAction(() => api<Workspace>('/v1/workspace', { method: 'PATCH', body: { name, mfaRequired, auditRetentionDays: daysOrForever(auditDays), eventRetentionDays: daysOrForever(eventDays) } }), [workspaceKey, meKey]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="section form" onSubmit={submit} aria-label="Workspace settings">
      <p className="muted">
        Short name <code>{workspace.slug}</code>, created {formatTime(workspace.createdAt)}.
      </p>
      <label className="field">
        <span>Name</span>
        <input required maxLength={120} disabled={!manage} value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label className="rule-row">
        <input type="checkbox" disabled={!manage} checked={mfaRequired} onChange={(event) => setMfaRequired(event.target.checked)} />
        Require two-step sign-in for every member
      </label>
      <label className="field">
        <span>Keep audit events for (days, 30 to 3650; empty keeps them forever)</span>
        <input type="number" min={30} max={3650} disabled={!manage} value={auditDays} onChange={(event) => setAuditDays(event.target.value)} />
      </label>
      <label className="field">
        <span>Keep customers’ raw events for (days, 1 to 3650; empty keeps them forever)</span>
        <input type="number" min={1} max={3650} disabled={!manage} value={eventDays} onChange={(event) => setEventDays(event.target.value)} />
      </label>
      {save.error && <Notice tone="bad">{save.error.message}</Notice>}
      {save.isSuccess && <Notice tone="ok">Saved.</Notice>}
      {manage ? (
        <div>
          <button type="submit" className="button primary" disabled={save.isPending}>
            Save settings
          </button>
        </div>
      ) : (
        <p className="muted">Only the workspace’s owners change these settings.</p>
      )}
    </form>
  );
}
