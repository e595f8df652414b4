import type { Permission } from '../session';

/** The console's pages, each shown to members who hold its permission. */
export interface NavItem {
  to: string;
  label: string;
  permission: Permission;
  group: 'Workspace' | 'Audience' | 'Marketing' | 'Studio' | 'Security';
  /** Active only on this very page, not on the pages under it that have their own item. */
  end?: boolean;
}

export const navItems: NavItem[] = [
  { to: '/workspace/members', label: 'Members', permission: 'members.read', group: 'Workspace' },
  { to: '/workspace/api-keys', label: 'API keys', permission: 'api-keys.manage', group: 'Workspace' },
  { to: '/workspace/write-keys', label: 'Write keys', permission: 'api-keys.manage', group: 'Workspace' },
  { to: '/workspace/settings', label: 'Settings', permission: 'workspace.read', group: 'Workspace' },
  { to: '/audience/customers', label: 'Customers', permission: 'customers.read', group: 'Audience' },
  { to: '/audience/segments', label: 'Segments', permission: 'customers.read', group: 'Audience' },
  { to: '/audience/privacy-requests', label: 'Privacy requests', permission: 'privacy.manage', group: 'Audience' },
  { to: '/attribution', label: 'Attribution', permission: 'attribution.read', group: 'Marketing', end: true },
  { to: '/attribution/settings', label: 'Conversions and channels', permission: 'attribution.read', group: 'Marketing' },
  { to: '/attribution/holdouts', label: 'Holdouts', permission: 'attribution.read', group: 'Marketing' },
  { to: '/attribution/links', label: 'Tracking links', permission: 'attribution.read', group: 'Marketing' },
  { to: '/experiments', label: 'Experiments', permission: 'experiments.read', group: 'Marketing' },
  { to: '/budget', label: 'Budget advice', permission: 'attribution.read', group: 'Marketing' },
  { to: '/connectors', label: 'CRM connectors', permission: 'connectors.manage', group: 'Marketing' },
  { to: '/renders', label: 'Renders', permission: 'renders.sync', group: 'Studio' },
  { to: '/audit', label: 'Audit log', permission: 'audit.read', group: 'Security' },
  { to: '/security/sso', label: 'Single sign-on', permission: 'sso.manage', group: 'Security' },
  { to: '/security/scim-tokens', label: 'SCIM tokens', permission: 'sso.manage', group: 'Security' },
];

export function firstPageFor(can: (permission: Permission) => boolean): string {
  return navItems.find((item) => can(item.permission))?.to ?? '/two-step';
}
