import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { hashPassword } from '../auth/secrets';
import { appendAuditEventIn } from '../db/audit-store';
import * as store from '../db/identity-store';
import type { HubSchema } from '../db/schema';
import { HubError } from '../http/errors';

export interface NewWorkspace {
  workspaceName: string;
  slug: string;
  ownerName: string;
  email: string;
  password: string;
}

/**
 * Creates a workspace with its first owner, audited as the chain's first
 * event. Used by the first-start page, `npm run hub -- init`, and tests.
 */
export async function createWorkspaceWithOwner(
  db: Kysely<HubSchema>,
  input: NewWorkspace,
  context: { ip: string | null; userAgent: string | null; requestId: string | null; now: Date; beforeCreate?: (tx: Kysely<HubSchema>) => Promise<void> },
): Promise<{ workspaceId: string; userId: string }> {
  const workspaceId = randomUUID();
  const userId = randomUUID();
  const passwordHash = await hashPassword(input.password);
  await db.transaction().execute(async (tx) => {
    await context.beforeCreate?.(tx);
    if (await store.getWorkspaceBySlug(tx, input.slug)) throw new HubError(409, `slug: a workspace called "${input.slug}" already exists; pick another.`, 'slug-taken');
    await store.createWorkspace(tx, { id: workspaceId, name: input.workspaceName, slug: input.slug });
    await store.createUser(tx, { id: userId, workspace_id: workspaceId, email: input.email, name: input.ownerName, role: 'owner', password_hash: passwordHash });
    await appendAuditEventIn(tx, { workspaceId, actor: { kind: 'user', id: userId }, action: 'workspace.created', target: { kind: 'workspace', id: workspaceId }, at: context.now.toISOString(), ip: context.ip, userAgent: context.userAgent, requestId: context.requestId, changeDigest: null });
  });
  return { workspaceId, userId };
}
