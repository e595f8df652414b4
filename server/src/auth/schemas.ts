import { z } from 'zod';
import { permissions, roles } from './permissions';

export const emailSchema = z
  .email({ error: 'must be an email address' })
  .max(320)
  .transform((email) => email.toLowerCase());
/** Long enough to resist guessing; no composition rules (NIST SP 800-63B). */
export const newPasswordSchema = z.string().min(12, { error: 'must be at least 12 characters' }).max(256);
export const roleSchema = z.enum(roles);
export const permissionSchema = z.enum(Object.keys(permissions) as [keyof typeof permissions, ...(keyof typeof permissions)[]]);
export const slugSchema = z
  .string()
  .min(2)
  .max(48)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, { error: 'use lower-case letters, digits and single hyphens, e.g. acme-marketing' });
export const idParams = z.object({ id: z.string().min(1).max(64) });
export const userSummary = z.object({ id: z.string(), email: z.string(), name: z.string(), role: roleSchema });
export const workspaceSummary = z.object({ id: z.string(), name: z.string(), slug: z.string() });

/** What a sign-in answers, by password or single sign-on: the member, the workspace, and for Studio its bearer token. */
export const signedIn = z.object({ user: userSummary, workspace: workspaceSummary, expiresAt: z.string(), accessToken: z.string().optional(), mfaEnrolmentRequired: z.boolean() });
