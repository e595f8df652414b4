import type { FastifyReply, FastifyRequest } from 'fastify';
import * as store from '../db/identity-store';
import { audited, setSessionCookie } from '../http/access';
import type { HubServices } from '../http/services';
import type { Role } from './permissions';
import { digestSecret, newSecret } from './secrets';

const cookieSessionHours = 12;
const accessTokenDays = 30;

/** What a successful sign-in answers, whichever way the person proved who they are. */
export interface SignedIn {
  user: { id: string; email: string; name: string; role: Role };
  workspace: { id: string; name: string; slug: string };
  expiresAt: string;
  accessToken?: string;
  mfaEnrolmentRequired: boolean;
}

/**
 * Opens a session for a member who has proved who they are (password, or the
 * workspace's identity provider): a cookie for the browser console, a bearer
 * access token for Studio. Audited as `action` in the same transaction.
 */
export async function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  services: HubServices,
  signIn: {
    user: store.UserRow;
    workspace: store.WorkspaceRow;
    client: 'browser' | 'studio';
    action: string;
    change?: Record<string, unknown>;
    /** The OpenID Provider's subject and session, for a sign-in through it: back-channel logout ends this session by them. */
    provider?: { sub: string; sid: string | null; sealedIdToken: string; sealedRefreshToken?: string | null };
  },
): Promise<SignedIn> {
  const { user, workspace: home } = signIn;
  const now = services.now();
  const enrolmentRequired = home.mfa_required && !user.totp_enabled;
  const kind = signIn.client === 'studio' ? 'bearer' : 'cookie';
  const token = newSecret(kind === 'bearer' ? 'access-token' : 'session');
  const expiresAt = new Date(now.getTime() + (kind === 'bearer' ? accessTokenDays * 24 : cookieSessionHours) * 3600_000);
  await audited(request, services, { action: signIn.action, target: { kind: 'user', id: user.id }, change: { client: signIn.client, ...signIn.change }, actor: { kind: 'user', id: user.id, workspaceId: user.workspace_id } }, async (tx) => {
    await store.updateUser(tx, user.workspace_id, user.id, { failed_sign_ins: 0, locked_until: null });
    await store.createSession(tx, { token_hash: digestSecret(token), workspace_id: user.workspace_id, user_id: user.id, kind, mfa_enrolment_required: enrolmentRequired, ip: request.ip, user_agent: request.headers['user-agent']?.slice(0, 512) ?? null, expires_at: expiresAt, oidc_sub: signIn.provider?.sub ?? null, oidc_sid: signIn.provider?.sid ?? null, oidc_id_token: signIn.provider?.sealedIdToken ?? null, oidc_refresh_token: signIn.provider?.sealedRefreshToken ?? null });
  });
  if (kind === 'cookie') setSessionCookie(reply, request, token, expiresAt);
  return {
    user: { id: user.id, email: user.email, name: user.name, role: user.role as Role },
    workspace: { id: home.id, name: home.name, slug: home.slug ?? home.id },
    expiresAt: expiresAt.toISOString(),
    ...(kind === 'bearer' ? { accessToken: token } : {}),
    mfaEnrolmentRequired: enrolmentRequired,
  };
}
