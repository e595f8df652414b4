import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { appendAuditEvent } from '../db/audit-store';
import * as store from '../db/identity-store';
import { audited, auditBase, changeDigest } from '../http/access';
import { HubError } from '../http/errors';
import type { HubServices } from '../http/services';
import { lockedUntilAfter } from './lockout';
import { emailSchema } from './schemas';
import { verifyPassword } from './secrets';
import { totpStep } from './totp';

/** What a person types to sign in locally, in the API and on Studio's sign-in page alike. */
export const passwordCredentials = z.object({
  email: emailSchema,
  password: z.string().min(1).max(1024),
  /** The workspace's slug; needed only when the email has accounts in several workspaces. */
  workspace: z.string().min(1).max(64).optional(),
  /** The 6-digit code from an authenticator app, when the account has two-step sign-in. */
  totp: z.string().regex(/^\d{6}$/, { error: 'must be the 6-digit code' }).optional(),
});
export type PasswordCredentials = z.infer<typeof passwordCredentials>;

/** The rate limit every password sign-in shares, per IP address. */
export function signInRateLimit(perMinute: number) {
  return { max: perMinute, timeWindow: '1 minute', keyGenerator: (request: FastifyRequest) => `sign-in:${request.ip}` };
}

const wrongCredentials = 'The email or password is wrong.';

/**
 * Checks a local sign-in: password (argon2id), the 6-digit code when the
 * account has two-step sign-in, lockout with back-off; every attempt audited.
 * Throws a HubError the person can act on (its code says which: e.g.
 * `mfa-required`); returns the member and their workspace when it passes.
 */
export async function checkPassword(request: FastifyRequest, services: HubServices, body: PasswordCredentials): Promise<{ user: store.UserRow; workspace: store.WorkspaceRow }> {
  const now = services.now();
  const attempt = (workspaceId: string, action: string, target: { kind: string; id: string }) =>
    appendAuditEvent(services.db, { ...auditBase(request, { kind: 'system', id: 'sign-in', workspaceId }, now), action, target, changeDigest: null });
  const emailRef = { kind: 'email-digest', id: changeDigest(body.email).slice(0, 16) };

  const workspace = body.workspace ? await store.getWorkspaceBySlug(services.db, body.workspace) : undefined;
  const candidates = body.workspace && !workspace ? [] : await store.findActiveUsersByEmail(services.db, body.email, workspace?.id);
  if (candidates.length === 0) {
    await verifyPassword(null, body.password);
    await attempt(workspace?.id ?? 'hub', 'auth.login.failed.unknown-account', emailRef);
    throw new HubError(401, wrongCredentials, 'wrong-credentials');
  }

  const matched: store.UserRow[] = [];
  let lockedFor = 0;
  for (const user of candidates) {
    if (user.locked_until && user.locked_until > now) {
      lockedFor = Math.max(lockedFor, Math.ceil((user.locked_until.getTime() - now.getTime()) / 1000));
      await attempt(user.workspace_id, 'auth.login.failed.locked', { kind: 'user', id: user.id });
    } else if (await verifyPassword(user.password_hash, body.password)) {
      matched.push(user);
    } else {
      await recordFailure(user, 'auth.login.failed.password');
    }
  }
  if (matched.length === 0) {
    if (lockedFor > 0) throw new HubError(423, `Too many wrong sign-ins: this account is locked for ${lockedFor} more seconds.`, 'locked', lockedFor);
    throw new HubError(401, wrongCredentials, 'wrong-credentials');
  }
  if (matched.length > 1) {
    const slugs = await Promise.all(matched.map(async (u) => (await store.getWorkspace(services.db, u.workspace_id))?.slug));
    throw new HubError(409, `This email has accounts in several workspaces (${slugs.join(', ')}); name one in "workspace".`, 'choose-workspace');
  }
  const user = matched[0]!;
  const home = (await store.getWorkspace(services.db, user.workspace_id))!;

  if (user.totp_enabled && user.totp_secret) {
    if (!body.totp) {
      await attempt(user.workspace_id, 'auth.login.second-factor-asked', { kind: 'user', id: user.id });
      throw new HubError(401, 'Enter the 6-digit code from your authenticator app.', 'mfa-required');
    }
    const step = totpStep(services.cipher.decrypt(user.totp_secret), body.totp, now);
    if (step === null || !(await store.claimTotpStep(services.db, user.workspace_id, user.id, step))) {
      await recordFailure(user, 'auth.login.failed.second-factor');
      throw new HubError(401, 'That code is wrong or was already used; wait for the next one.', 'mfa-wrong');
    }
  }
  return { user, workspace: home };

  async function recordFailure(failed: store.UserRow, action: string): Promise<void> {
    const failures = failed.failed_sign_ins + 1;
    const lockedUntil = lockedUntilAfter(failures, now);
    await audited(request, services, { action: lockedUntil ? `${action}.now-locked` : action, target: { kind: 'user', id: failed.id }, change: { failures }, actor: { kind: 'system', id: 'sign-in', workspaceId: failed.workspace_id } }, (tx) =>
      store.updateUser(tx, failed.workspace_id, failed.id, { failed_sign_ins: failures, locked_until: lockedUntil }),
    );
  }
}
