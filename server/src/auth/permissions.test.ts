import { describe, expect, it } from 'vitest';
import { can, canAssign, permissions, permissionsOf } from './permissions';

describe('the permission table', () => {
  it('gives the owner everything and the viewer only reading', () => {
    expect(permissionsOf('owner')).toEqual(Object.keys(permissions));
    expect(permissionsOf('viewer')).toEqual(['workspace.read', 'members.read', 'campaigns.read', 'attribution.read', 'experiments.read']);
  });

  it('gives admins everything but the workspace itself', () => {
    expect(permissionsOf('admin')).toEqual(Object.keys(permissions).filter((p) => p !== 'workspace.manage'));
  });

  it('keeps personal data and exports away from creators and viewers', () => {
    expect(can('creator', 'customers.read')).toBe(false);
    expect(can('viewer', 'segments.export')).toBe(false);
    expect(can('analyst', 'audit.read')).toBe(true);
    expect(can('analyst', 'customers.write')).toBe(false);
  });

  it('lets a role hand out only roles at or below its own', () => {
    expect(canAssign('owner', 'owner')).toBe(true);
    expect(canAssign('admin', 'owner')).toBe(false);
    expect(canAssign('admin', 'marketer')).toBe(true);
    expect(canAssign('marketer', 'viewer')).toBe(false);
  });
});
