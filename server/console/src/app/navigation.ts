import type { Permission } from '../session';

/** The console's pages, each shown to members who hold its permission. */
export interface NavItem {
  to: string;
  label: string;
  permission: Permission;
  group: 'Workspace' | 'Audience' | 'Security';
}

export const navItems: NavItem[] = [
  { to: '/workspace/members', label: 'Members', permission: 'members.read', group: 'Workspace' },
  { to: '/workspace/settings', label: 'Settings', permission: 'workspace.read', group: 'Workspace' },
  { to: '/audit', label: 'Audit log', permission: 'audit.read', group: 'Security' },
];

export function firstPageFor(can: (permission: Permission) => boolean): string {
  return navItems.find((item) => can(item.permission))?.to ?? '/two-step';
}
