import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../api';
import { useCan, useMe, type Role } from '../../session';
import { Pager } from '../../ui/Pager';
import { ShownOnce } from '../../ui/ShownOnce';
import { Empty, formatTime, Notice, QueryView } from '../../ui/states';
import { useAction } from '../../ui/useAction';
import { useCursorPages } from '../../ui/useCursorPages';
import { roles, type Invitation, type Member } from './workspace-api';

const membersKey = ['members'];
const invitationsKey = ['invitations'];
const pageSize = 50;

/** Members and their roles, a page at a time (paged by the Hub); admins also change roles, remove members and invite people. */
export function MembersPage() {
  const can = useCan();
  const pages = useCursorPages();
  const members = useQuery({
    queryKey: [...membersKey, pages.cursor],
    queryFn: ({ signal }) => api<{ members: Member[]; nextCursor: string | null }>('/v1/members', { query: { status: 'active', limit: pageSize, cursor: pages.cursor }, signal }),
    placeholderData: keepPreviousData,
  });
  const manage = can('members.manage');
  return (
    <>
      <div className="page-header">
        <h1>Members</h1>
      </div>
      <div className="section">
        <QueryView query={members} what="members">
          {(data) =>
            data.members.length === 0 ? (
              <Empty>No members yet.</Empty>
            ) : (
              <>
                <MemberTable members={data.members} manage={manage} />
                <Pager isFirst={pages.isFirst} nextCursor={data.nextCursor} onNewer={pages.newer} onOlder={pages.older} loading={members.isFetching} />
              </>
            )
          }
        </QueryView>
      </div>
      {manage && <Invitations />}
    </>
  );
}

function MemberTable({ members, manage }: { members: Member[]; manage: boolean }) {
  const { data: me } = useMe();
  const changeRole = useAction(({ id, role }: { id: string; role: Role }) => api(`/v1/members/${encodeURIComponent(id)}`, { method: 'PATCH', body: { role } }), [membersKey]);
  const remove = useAction((id: string) => api(`/v1/members/${encodeURIComponent(id)}`, { method: 'DELETE' }), [membersKey]);
  const problem = changeRole.error ?? remove.error;
  return (
    <>
      {problem && <Notice tone="bad">{problem.message}</Notice>}
      <table aria-label="Members">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Two-step</th>
            <th>Joined</th>
            {manage && <th>Actions</th>}
          </tr>
        </thead>
        <tbody>
          {members.map((member) => (
            <tr key={member.id}>
              <td>{member.name}</td>
              <td>{member.email}</td>
              <td>
                {manage && member.id !== me?.user?.id ? (
                  <select aria-label={`Role of ${member.name}`} value={member.role} disabled={changeRole.isPending} onChange={(event) => changeRole.mutate({ id: member.id, role: event.target.value as Role })}>
                    {roles.map((role) => (
                      <option key={role}>{role}</option>
                    ))}
                  </select>
                ) : (
                  member.role
                )}
              </td>
              <td>{member.mfaEnabled ? 'on' : 'off'}</td>
              <td>{formatTime(member.createdAt)}</td>
              {manage && (
                <td>
                  {member.id !== me?.user?.id && (
                    <button
                      type="button"
                      className="button small danger"
                      disabled={remove.isPending}
                      onClick={() => {
                        if (window.confirm(`Remove ${member.name} from the workspace? Their sessions end at once.`)) remove.mutate(member.id);
                      }}
                    >
                      Remove
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Invitations() {
  const invitations = useQuery({ queryKey: invitationsKey, queryFn: () => api<{ invitations: Invitation[] }>('/v1/invitations') });
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const invite = useAction(() => api<Invitation & { link: string }>('/v1/invitations', { method: 'POST', body: { email, role } }), [invitationsKey]);
  const withdraw = useAction((id: string) => api(`/v1/invitations/${encodeURIComponent(id)}`, { method: 'DELETE' }), [invitationsKey]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    invite.mutate(undefined, { onSuccess: () => setEmail('') });
  };
  return (
    <div className="section">
      <h2>Invitations</h2>
      <form className="fields" onSubmit={submit} aria-label="Invite someone">
        <label className="field">
          <span>Email</span>
          <input type="email" required value={email} onChange={(event) => setEmail(event.target.value)} />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={role} onChange={(event) => setRole(event.target.value as Role)}>
            {roles.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
        <button type="submit" className="button primary" disabled={invite.isPending}>
          Invite
        </button>
      </form>
      {invite.error && <Notice tone="bad">{invite.error.message}</Notice>}
      {invite.data && <ShownOnce label={`The invitation link for ${invite.data.email}`} value={invite.data.link} onDone={() => invite.reset()} />}
      {withdraw.error && <Notice tone="bad">{withdraw.error.message}</Notice>}
      <QueryView query={invitations} what="invitations">
        {({ invitations: open }) =>
          open.length === 0 ? (
            <Empty>No open invitations.</Empty>
          ) : (
            <table aria-label="Open invitations">
              <thead>
                <tr>
                  <th>Email</th>
                  <th>Role</th>
                  <th>Expires</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {open.map((invitation) => (
                  <tr key={invitation.id}>
                    <td>{invitation.email}</td>
                    <td>{invitation.role}</td>
                    <td>{formatTime(invitation.expiresAt)}</td>
                    <td>
                      <button type="button" className="button small" disabled={withdraw.isPending} onClick={() => withdraw.mutate(invitation.id)}>
                        Withdraw
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </div>
  );
}
