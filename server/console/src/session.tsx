import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { Permission, Role } from '../../src/auth/permissions';
import { api, ApiError } from './api';

export type { Permission, Role };

/** GET /v1/me: who is signed in, in which workspace, and what they may do. */
export interface Me {
  user: { id: string; email: string; name: string; role: Role; mfaEnabled: boolean } | null;
  apiKey: { id: string } | null;
  workspace: { id: string; name: string; slug: string; mfaRequired: boolean };
  permissions: Permission[];
  mfaEnrolmentRequired: boolean;
}

export const meKey = ['me'] as const;

/** The signed-in member, or null when nobody is (a 401). */
export function useMe() {
  return useQuery({
    queryKey: meKey,
    queryFn: async (): Promise<Me | null> => {
      try {
        return await api<Me>('/v1/me');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

/** Whether the signed-in member holds a permission: actions they lack are not shown (and the Hub refuses them anyway). */
export function useCan(): (permission: Permission) => boolean {
  const { data } = useMe();
  return useCallback((permission: Permission) => data?.permissions.includes(permission) ?? false, [data]);
}

export function useSignedOut(): () => void {
  const client = useQueryClient();
  return useCallback(() => {
    client.clear();
    client.setQueryData(meKey, null);
  }, [client]);
}
