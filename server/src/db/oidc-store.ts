import type { Kysely, Selectable } from 'kysely';
import type { HubSchema } from './schema';

/** Queries for OIDC single sign-on: each workspace's provider, and sign-ins under way. */
type Db = Kysely<HubSchema>;
export type OidcConfigRow = Selectable<HubSchema['oidc_configs']>;
export type OidcSignInRow = Selectable<HubSchema['oidc_sign_ins']>;

export function getOidcConfig(db: Db, workspaceId: string): Promise<OidcConfigRow | undefined> {
  return db.selectFrom('oidc_configs').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

export interface OidcConfigValues {
  issuer: string;
  client_id: string;
  /** Already sealed; `undefined` keeps the secret saved before. */
  client_secret: string | null | undefined;
  scopes: string[];
  allowed_email_domains: string[];
  role_claim: string | null;
  role_mapping: Record<string, string>;
  default_role: string;
  jit_provisioning: boolean;
}

export async function saveOidcConfig(db: Db, workspaceId: string, config: OidcConfigValues, now: Date): Promise<void> {
  const values = {
    issuer: config.issuer,
    client_id: config.client_id,
    scopes: JSON.stringify(config.scopes),
    allowed_email_domains: JSON.stringify(config.allowed_email_domains),
    role_claim: config.role_claim,
    role_mapping: JSON.stringify(config.role_mapping),
    default_role: config.default_role,
    jit_provisioning: config.jit_provisioning,
    updated_at: now,
    ...(config.client_secret !== undefined && { client_secret: config.client_secret }),
  };
  await db
    .insertInto('oidc_configs')
    .values({ workspace_id: workspaceId, client_secret: null, ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
}

export async function deleteOidcConfig(db: Db, workspaceId: string): Promise<boolean> {
  const result = await db.deleteFrom('oidc_configs').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function createOidcSignIn(db: Db, signIn: OidcSignInRow): Promise<void> {
  await db.insertInto('oidc_sign_ins').values(signIn).execute();
}

/** Takes a sign-in under way by its state, once: a second callback with the same state finds nothing. Expired ones are swept on the way. */
export async function claimOidcSignIn(db: Db, stateHash: string, now: Date): Promise<OidcSignInRow | undefined> {
  await db.deleteFrom('oidc_sign_ins').where('expires_at', '<', now).execute();
  return db.deleteFrom('oidc_sign_ins').where('state_hash', '=', stateHash).returningAll().executeTakeFirst();
}
