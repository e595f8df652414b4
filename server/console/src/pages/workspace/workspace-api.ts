import type { Role } from '../../session';

export const roles: Role[] = ['owner', 'admin', 'marketer', 'creator', 'analyst', 'viewer'];

export interface Member {
  id: string;
  email: string;
  name: string;
  role: Role;
  mfaEnabled: boolean;
  active: boolean;
  createdAt: string;
}
export interface Invitation {
  id: string;
  email: string;
  role: Role;
  expiresAt: string;
}
export interface Workspace {
  id: string;
  name: string;
  slug: string;
  mfaRequired: boolean;
  auditRetentionDays: number | null;
  eventRetentionDays: number | null;
  createdAt: string;
}
/** An API key, write key or SCIM token as listed: never its secret. */
export interface Credential {
  id: string;
  name: string;
  scopes?: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
