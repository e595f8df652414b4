/**
 * Who may do what in a workspace: one table, checked by every route.
 * Roles from most to least trusted; each permission lists the roles that hold it.
 */
export const roles = ['owner', 'admin', 'marketer', 'creator', 'analyst', 'viewer'] as const;
export type Role = (typeof roles)[number];

export const permissions = {
  'workspace.read': ['owner', 'admin', 'marketer', 'creator', 'analyst', 'viewer'],
  'workspace.manage': ['owner'],
  'members.read': ['owner', 'admin', 'marketer', 'creator', 'analyst', 'viewer'],
  'members.manage': ['owner', 'admin'],
  'sso.manage': ['owner', 'admin'],
  'api-keys.manage': ['owner', 'admin'],
  'audit.read': ['owner', 'admin', 'analyst'],
  'audit.export': ['owner', 'admin'],
  'campaigns.write': ['owner', 'admin', 'marketer', 'creator'],
  'campaigns.read': ['owner', 'admin', 'marketer', 'creator', 'analyst', 'viewer'],
  'customers.read': ['owner', 'admin', 'marketer', 'analyst'],
  'customers.write': ['owner', 'admin', 'marketer'],
  /** Data-subject requests: export everything about a person, or erase them. */
  'privacy.manage': ['owner', 'admin'],
  'segments.export': ['owner', 'admin', 'marketer'],
  'attribution.read': ['owner', 'admin', 'marketer', 'analyst', 'viewer'],
  /** Channel grouping, conversion events, spend imports, model runs, holdouts and tracking links. */
  'attribution.manage': ['owner', 'admin', 'analyst'],
  'connectors.manage': ['owner', 'admin'],
  'renders.sync': ['owner', 'admin', 'marketer', 'creator'],
  'jobs.read': ['owner', 'admin', 'marketer', 'analyst'],
  'jobs.manage': ['owner', 'admin'],
  'experiments.read': ['owner', 'admin', 'marketer', 'creator', 'analyst', 'viewer'],
  /** Define, start, stop experiments and promote their winners. */
  'experiments.manage': ['owner', 'admin', 'marketer'],
  /** Approve or reject budget advice: an approved one becomes the workspace's budget plan. */
  'budget.manage': ['owner', 'admin', 'marketer'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof permissions;

export function can(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}

/** What a member with this role may do, for the console to show or hide actions. */
export function permissionsOf(role: Role): Permission[] {
  return (Object.keys(permissions) as Permission[]).filter((p) => can(role, p));
}

/** A role may hand out only roles at or below its own (an admin cannot make an owner). */
export function canAssign(actor: Role, target: Role): boolean {
  return can(actor, 'members.manage') && roles.indexOf(target) >= roles.indexOf(actor);
}
