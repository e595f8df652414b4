import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Transaction } from 'kysely';
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../src/shared/audit/canonical-json';
import type { AuditEvent } from '../../../src/shared/audit/hash-chain';
import { can, roles, type Permission, type Role } from '../auth/permissions';
import { digestSecret, parseKey, sameDigest, secretKindOf } from '../auth/secrets';
import { writeKeys } from '../db/cdp-store';
import { appendAuditEvent, appendAuditEventIn } from '../db/audit-store';
import { apiKeys, findLiveSession, touchSession } from '../db/identity-store';
import { scimTokens } from '../db/scim-store';
import type { HubSchema } from '../db/schema';
import type { HubServices } from './services';
import { HubError } from './errors';

/** Who may call a route: anyone, any signed-in member, holders of one permission, or a write key / SCIM token only. */
export type Access = 'public' | 'signed-in' | 'write-key' | 'scim' | { permission: Permission };

export type Caller =
  | { kind: 'user'; workspaceId: string; userId: string; role: Role; sessionDigest: string; sessionKind: 'cookie' | 'bearer'; mfaEnrolmentRequired: boolean }
  | { kind: 'api-key'; workspaceId: string; keyId: string; scopes: Permission[] }
  /** An analytics library sending events with a workspace's write key: it may ingest, nothing else. */
  | { kind: 'write-key'; workspaceId: string; keyId: string }
  /** An identity provider provisioning users with a workspace's SCIM token: it may use /scim/v2, nothing else. */
  | { kind: 'scim'; workspaceId: string; keyId: string };

export interface DeclaredRoute {
  method: string;
  url: string;
  access: Access;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every /v1, /scim/v2, /oauth and /.well-known route with the access it declared, for the tenant-isolation walk and the docs. */
    declaredRoutes: DeclaredRoute[];
  }
  interface FastifyContextConfig {
    access?: Access;
    /** Routes a member may use before setting up two-step sign-in that the workspace requires. */
    duringMfaEnrolment?: boolean;
  }
  interface FastifyRequest {
    caller: Caller | null;
    /** Why a presented credential was not accepted, to tell the caller. */
    credentialProblem: string | null;
  }
}

export const sessionCookie = 'kata_session';
/** last_seen / last_used times are written at most this often per credential. */
const touchEverySeconds = 60;

/**
 * Authenticates every request (session cookie, bearer access token, API key,
 * write key or SCIM token) and checks each route's declared access against
 * the permission table, as the last pre-handler of every /v1 and /scim/v2
 * route (install it after the rate limit). A route there that declares no
 * access fails at start-up, so none can be forgotten.
 */
export function installAccessControl(app: FastifyInstance, services: HubServices): void {
  app.decorateRequest('caller', null);
  app.decorateRequest('credentialProblem', null);
  const declared: DeclaredRoute[] = [];
  app.decorate('declaredRoutes', declared);
  app.addHook('onRoute', (route) => {
    if (!['/v1/', '/scim/v2/', '/oauth/', '/.well-known/'].some((prefix) => route.url.startsWith(prefix))) return;
    if (!route.config?.access) throw new Error(`Route ${route.method} ${route.url} declares no access rule`);
    for (const method of [route.method].flat()) if (method !== 'HEAD') declared.push({ method, url: route.url, access: route.config.access });
    // Public routes say so in the API reference (the document's default is: credentials required).
    if (route.config.access === 'public') route.schema = { ...route.schema, security: [] };
    const guard = (request: FastifyRequest) => checkAccess(request, services);
    route.preHandler = [route.preHandler ?? []].flat().concat(guard);
  });
  app.addHook('onRequest', async (request) => {
    await identify(request, services);
  });
}

/** The permission check, run after rate limiting. */
async function checkAccess(request: FastifyRequest, services: HubServices): Promise<void> {
  const access = request.routeOptions.config.access;
  if (!access || access === 'public') return;
  if (access === 'write-key') {
    // analytics.js may send the key in the body instead of the Authorization header.
    const inBody = (request.body as { writeKey?: unknown } | undefined)?.writeKey;
    if (!request.caller && typeof inBody === 'string') await identifyByKey(request, services, 'write-key', inBody);
    if (request.caller?.kind !== 'write-key') throw new HubError(401, request.credentialProblem ?? 'Send the workspace write key as the Basic auth user name (Authorization: Basic base64("<write key>:")).', 'unauthenticated');
    return;
  }
  if (access === 'scim') {
    if (request.caller?.kind !== 'scim') throw new HubError(401, request.caller ? 'Only a SCIM token opens /scim/v2; create one with POST /v1/scim-tokens.' : (request.credentialProblem ?? "Send the workspace's SCIM token as a bearer token (Authorization: Bearer kscim_…)."), 'unauthenticated');
    return;
  }
  const caller = request.caller;
  if (caller?.kind === 'scim') throw new HubError(403, 'A SCIM token can only be used on /scim/v2.', 'forbidden');
  if (caller?.kind === 'write-key') throw new HubError(403, 'A write key can only send events (/v1/track, /v1/identify, /v1/batch, ...).', 'forbidden');
  if (!caller) throw new HubError(401, request.credentialProblem ?? 'Sign in first: send a session cookie, a bearer access token or an API key.', 'unauthenticated');
  if (caller.kind === 'user' && caller.mfaEnrolmentRequired && !request.routeOptions.config.duringMfaEnrolment) {
    throw new HubError(403, 'This workspace requires two-step sign-in. Set up an authenticator app first (POST /v1/auth/mfa/totp/setup, then /confirm).', 'mfa-enrolment-required');
  }
  if (access === 'signed-in') return;
  if (callerCan(caller, access.permission)) return;
  await appendAuditEvent(services.db, { ...auditBase(request, caller), action: 'access.denied', target: { kind: 'route', id: `${request.method} ${request.routeOptions.url}` }, changeDigest: null });
  throw new HubError(
    403,
    caller.kind === 'user' ? `Your role (${caller.role}) does not allow ${access.permission}.` : `This API key is not scoped for ${access.permission}.`,
    'forbidden',
  );
}

async function identify(request: FastifyRequest, services: HubServices): Promise<void> {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const user = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8').split(':')[0] ?? '';
    await identifyByKey(request, services, 'write-key', user);
    return;
  }
  const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
  const presented = bearer ?? request.cookies[sessionCookie] ?? null;
  if (!presented) return;
  const now = services.now();
  const kind = secretKindOf(presented);
  if (kind === 'scim-token') {
    await identifyByKey(request, services, 'scim-token', presented);
    return;
  }
  if (kind === 'api-key') {
    const parsed = parseKey('api-key', presented);
    const key = parsed ? await apiKeys.findLive(services.db, parsed.id) : undefined;
    if (!key || !sameDigest(key.secret_hash, digestSecret(presented))) {
      request.credentialProblem = 'This API key is unknown or revoked.';
      return;
    }
    request.caller = { kind: 'api-key', workspaceId: key.workspace_id, keyId: key.id, scopes: key.scopes as Permission[] };
    if (!key.last_used_at || now.getTime() - key.last_used_at.getTime() > touchEverySeconds * 1000) await apiKeys.touch(services.db, key.id, now);
    return;
  }
  const expectedKind = bearer ? 'access-token' : 'session';
  const session = kind === expectedKind ? await findLiveSession(services.db, digestSecret(presented), now) : undefined;
  if (!session) {
    request.credentialProblem = 'Your session has ended or the token is not valid; sign in again.';
    return;
  }
  request.caller = {
    kind: 'user',
    workspaceId: session.workspace_id,
    userId: session.user_id,
    role: roles.includes(session.role as Role) ? (session.role as Role) : 'viewer',
    sessionDigest: session.token_hash,
    sessionKind: session.kind,
    mfaEnrolmentRequired: session.mfa_enrolment_required,
  };
  if (now.getTime() - session.last_seen_at.getTime() > touchEverySeconds * 1000) await touchSession(services.db, session.token_hash, now);
}

/** Keys that open one narrow door: a write key sends events, a SCIM token manages users. */
const narrowKeys = {
  'write-key': { caller: 'write-key', keys: writeKeys, unknown: 'This write key is unknown or revoked.' },
  'scim-token': { caller: 'scim', keys: scimTokens, unknown: 'This SCIM token is unknown or revoked.' },
} as const;

async function identifyByKey(request: FastifyRequest, services: HubServices, kind: keyof typeof narrowKeys, presented: string): Promise<void> {
  const rule = narrowKeys[kind];
  const parsed = parseKey(kind, presented);
  const key = parsed ? await rule.keys.findLive(services.db, parsed.id) : undefined;
  if (!key || !sameDigest(key.secret_hash, digestSecret(presented))) {
    request.credentialProblem = rule.unknown;
    return;
  }
  request.caller = { kind: rule.caller, workspaceId: key.workspace_id, keyId: key.id };
  const now = services.now();
  if (!key.last_used_at || now.getTime() - key.last_used_at.getTime() > touchEverySeconds * 1000) await rule.keys.touch(services.db, key.id, now);
}

/** Whether a member's role or an API key's scopes hold `permission` (write keys and SCIM tokens hold none). */
export function callerCan(caller: Caller, permission: Permission): boolean {
  if (caller.kind === 'user') return can(caller.role, permission);
  return caller.kind === 'api-key' && caller.scopes.includes(permission);
}

/** Who made a change, as records store it: a user id, or `<kind>:<key id>` for a key. */
export function actorIdOf(caller: Caller): string {
  return caller.kind === 'user' ? caller.userId : `${caller.kind}:${caller.keyId}`;
}

/** The caller, for routes whose access rule guarantees one. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new HubError(401, 'Sign in first.', 'unauthenticated');
  return request.caller;
}

export function memberOf(request: FastifyRequest): Extract<Caller, { kind: 'user' }> {
  const caller = callerOf(request);
  if (caller.kind !== 'user') throw new HubError(403, 'This action needs a signed-in person, not a key.', 'forbidden');
  return caller;
}

/** What every audit event from a request records about where it came from. */
export function auditBase(request: FastifyRequest, actor: Caller | { kind: 'system' | 'user'; id: string; workspaceId: string }, now = new Date()): Omit<AuditEvent, 'sequence' | 'action' | 'target' | 'changeDigest'> {
  const actorRef = 'keyId' in actor ? { kind: 'api-key' as const, id: actor.kind === 'write-key' || actor.kind === 'scim' ? `${actor.kind === 'scim' ? 'scim-token' : 'write-key'}:${actor.keyId}` : actor.keyId } : 'userId' in actor ? { kind: 'user' as const, id: actor.userId } : { kind: actor.kind, id: actor.id };
  const userAgent = request.headers['user-agent'];
  return { workspaceId: actor.workspaceId, actor: actorRef, at: now.toISOString(), ip: request.ip.slice(0, 64), userAgent: userAgent ? userAgent.slice(0, 512) : null, requestId: request.id };
}

/** A digest of what changed: enough to prove what the change was, without keeping personal data in the log. */
export function changeDigest(change: unknown): string {
  return createHash('sha256').update(canonicalJson(change)).digest('hex');
}

/**
 * Makes a change and records it in the audit log in one transaction: either
 * both happen or neither does.
 */
export async function audited<T>(
  request: FastifyRequest,
  services: HubServices,
  record: { action: string; target: AuditEvent['target']; change?: unknown; actor?: Parameters<typeof auditBase>[1] },
  work: (tx: Transaction<HubSchema>) => Promise<T>,
): Promise<T> {
  const actor = record.actor ?? callerOf(request);
  return services.db.transaction().execute(async (tx) => {
    const result = await work(tx);
    await appendAuditEventIn(tx, { ...auditBase(request, actor, services.now()), action: record.action, target: record.target, changeDigest: record.change === undefined ? null : changeDigest(record.change) });
    return result;
  });
}

export function setSessionCookie(reply: FastifyReply, request: FastifyRequest, token: string, expires: Date): void {
  reply.setCookie(sessionCookie, token, { path: '/', httpOnly: true, sameSite: 'lax', secure: request.protocol === 'https', expires });
}
