import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { canAssign, roles, type Role } from '../auth/permissions';
import { appendAuditEvent } from '../db/audit-store';
import * as store from '../db/identity-store';
import { findOpenAuthorizationRequest } from '../db/oauth-store';
import { bindOidcSubject } from '../db/oidc-store';
import { audited, auditBase, callerOf, memberOf } from '../http/access';
import { HubError } from '../http/errors';
import type { HubServices } from '../http/services';

/** What the OIDC and SAML sign-ins share: how a refusal is told, and how a provider's groups become a role. */

/** A sign-in refused: the status, a reason for the audit log, and words the person can act on. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * How a single sign-on starts: for the console (a session cookie, then the
 * console), or from Kata Studio's sign-in page (`authorizationRequest`: a
 * session cookie, then back to that request's confirm page).
 */
export const ssoStartQuery = z.object({ client: z.enum(['console']).default('console'), authorizationRequest: z.string().min(1).max(64).optional() });

export const expiredAuthorizationRequest = new Refusal(400, 'authorization-request-expired', 'This Kata Studio sign-in has expired or was already answered; start again from Kata Studio.');

/** The open authorization request a sign-in returns to (null for the console); false when it is unknown or over. */
export async function authorizationRequestToReturnTo(services: HubServices, query: z.infer<typeof ssoStartQuery>): Promise<string | null | false> {
  if (query.authorizationRequest === undefined) return null;
  return (await findOpenAuthorizationRequest(services.db, query.authorizationRequest, services.now())) ? query.authorizationRequest : false;
}

/** Where the browser goes once single sign-on let the person in. */
export function afterSignIn(services: HubServices, authorizationRequestId: string | null): string {
  return authorizationRequestId ? `${services.publicUrl}/oauth/requests/${encodeURIComponent(authorizationRequestId)}` : `${services.publicUrl}/`;
}

/** Text made safe inside HTML or XML (elements and attribute values). */
export const escapeMarkup = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A page for people in a browser, JSON for programs. */
export function refuse(request: FastifyRequest, reply: FastifyReply, refusal: Refusal) {
  if ((request.headers.accept ?? '').includes('text/html')) {
    const text = escapeMarkup(refusal.message);
    return reply.status(refusal.status).type('text/html; charset=utf-8').send(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign-in refused</title><h1>Sign-in refused</h1><p>${text}</p><p>Request id: ${request.id}</p></html>`);
  }
  return reply.status(refusal.status).send({ error: refusal.message, code: `sso-${refusal.reason}`, requestId: request.id });
}

/** A refused sign-in, audited (`sso.<protocol>.refused.<reason>`, never the token or response) and then told to the person. */
export async function refuseAudited(request: FastifyRequest, reply: FastifyReply, services: HubServices, protocol: 'oidc' | 'saml', workspaceId: string | undefined, refusal: Refusal) {
  await appendAuditEvent(services.db, {
    ...auditBase(request, { kind: 'system', id: 'sso', workspaceId: workspaceId ?? 'hub' }, services.now()),
    action: `sso.${protocol}.refused.${refusal.reason}`,
    target: workspaceId ? { kind: 'workspace', id: workspaceId } : null,
    changeDigest: null,
  });
  return refuse(request, reply, refusal);
}

/** The most trusted role a claim's or attribute's values map to, or none. */
export function mostTrustedRole(value: unknown, mapping: Record<string, string>): Role | undefined {
  const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  const found = values.map((v) => mapping[v]).filter((role): role is Role => roles.includes(role as Role));
  return found.sort((a, b) => roles.indexOf(a) - roles.indexOf(b))[0];
}

/**
 * As with invitations: a member cannot, through the provider, hand out a role
 * above their own (an API key, scoped for sso.manage, counts as an admin).
 */
export function checkRolesAssignable(request: FastifyRequest, roleMapping: Record<string, Role>, defaultRole: Role): void {
  const actorRole: Role = callerOf(request).kind === 'user' ? memberOf(request).role : 'admin';
  for (const [value, role] of Object.entries(roleMapping)) if (!canAssign(actorRole, role)) throw new HubError(403, `roleMapping.${value}: your role (${actorRole}) cannot hand out the ${role} role.`, 'forbidden');
  if (!canAssign(actorRole, defaultRole)) throw new HubError(403, `defaultRole: your role (${actorRole}) cannot hand out the ${defaultRole} role.`, 'forbidden');
}

export interface Vouched {
  through: 'oidc' | 'saml';
  /** Lower-cased. */
  email: string;
  name?: string;
  /** The role the provider's groups map to, if any. */
  mapped?: Role;
  /** The provider's stable id for the person, where the protocol gives one (OIDC's sub). */
  subject?: string;
}

/**
 * Lets in a person the provider vouched for, by the workspace's rules: an
 * allowed email domain; an active member (or a new one, when just-in-time
 * accounts are on); the role the provider's groups map to, at each sign-in,
 * except for owners (a group change must not leave a workspace without one);
 * and, with a subject, the same provider account as the first time.
 */
export async function admitMember(request: FastifyRequest, services: HubServices, config: { workspace_id: string; allowed_email_domains: string[]; jit_provisioning: boolean; default_role: string }, vouched: Vouched) {
  const { email, mapped, subject, through } = vouched;
  const domain = email.slice(email.lastIndexOf('@') + 1);
  if (!config.allowed_email_domains.includes(domain)) throw new Refusal(403, 'email-domain-not-allowed', `Accounts at ${domain} may not sign in to this workspace; use your work account.`);
  const workspace = (await store.getWorkspace(services.db, config.workspace_id))!;
  let member = await store.findUserByEmail(services.db, workspace.id, email);
  if (member?.deactivated_at) throw new Refusal(403, 'member-deactivated', 'Your account in this workspace was removed; ask an administrator to invite you again.');
  // A member is bound to the provider account they first signed in with: the same email on another account (reassigned, or a look-alike tenant) is not them.
  if (subject && member?.oidc_sub && member.oidc_sub !== subject) throw new Refusal(403, 'subject-mismatch', 'Your identity provider signed you in as a different account than the one this member first used; ask an administrator to check your account.');
  const actor = { kind: 'system' as const, id: 'sso', workspaceId: workspace.id };
  if (!member) {
    if (!config.jit_provisioning) throw new Refusal(403, 'not-a-member', 'You are not a member of this workspace yet; ask an administrator to invite you.');
    const id = randomUUID();
    const role = mapped ?? (config.default_role as Role);
    await audited(request, services, { action: 'member.joined', target: { kind: 'user', id }, change: { role, through }, actor }, (tx) =>
      store.createUser(tx, { id, workspace_id: workspace.id, email, name: vouched.name?.slice(0, 120) || email, role, password_hash: null, ...(subject && { oidc_sub: subject }) }),
    );
    member = (await store.getUser(services.db, workspace.id, id))!;
  } else if (mapped && mapped !== member.role && member.role !== 'owner') {
    const changed = member;
    await audited(request, services, { action: 'member.role-changed', target: { kind: 'user', id: changed.id }, change: { role: mapped, through }, actor }, (tx) => store.updateUser(tx, workspace.id, changed.id, { role: mapped }));
    member = { ...member, role: mapped };
  }
  if (subject && !member.oidc_sub) {
    await bindOidcSubject(services.db, workspace.id, member.id, subject);
    member = { ...member, oidc_sub: subject };
  }
  return { member, workspace };
}
