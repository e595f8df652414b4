import type { FastifyReply, FastifyRequest } from 'fastify';
import { canAssign, roles, type Role } from '../auth/permissions';
import { HubError } from '../http/errors';

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

/** A page for people in a browser, JSON for programs. */
export function refuse(request: FastifyRequest, reply: FastifyReply, refusal: Refusal) {
  if ((request.headers.accept ?? '').includes('text/html')) {
    const text = refusal.message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    return reply.status(refusal.status).type('text/html; charset=utf-8').send(`<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign-in refused</title><h1>Sign-in refused</h1><p>${text}</p><p>Request id: ${request.id}</p></html>`);
  }
  return reply.status(refusal.status).send({ error: refusal.message, code: `sso-${refusal.reason}`, requestId: request.id });
}

/** The most trusted role a claim's or attribute's values map to, or none. */
export function mostTrustedRole(value: unknown, mapping: Record<string, string>): Role | undefined {
  const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
  const found = values.map((v) => mapping[v]).filter((role): role is Role => roles.includes(role as Role));
  return found.sort((a, b) => roles.indexOf(a) - roles.indexOf(b))[0];
}

/** As with invitations: a member cannot, through the provider, hand out a role above their own. */
export function checkRolesAssignable(actorRole: Role, roleMapping: Record<string, Role>, defaultRole: Role): void {
  for (const [value, role] of Object.entries(roleMapping)) if (!canAssign(actorRole, role)) throw new HubError(403, `roleMapping.${value}: your role (${actorRole}) cannot hand out the ${role} role.`, 'forbidden');
  if (!canAssign(actorRole, defaultRole)) throw new HubError(403, `defaultRole: your role (${actorRole}) cannot hand out the ${defaultRole} role.`, 'forbidden');
}
