import type { Kysely, Selectable } from 'kysely';
import type { HubSchema } from './schema';

/** Queries for SAML single sign-on: each workspace's identity provider, requests under way, assertions already used. */
type Db = Kysely<HubSchema>;
export type SamlConfigRow = Selectable<HubSchema['saml_configs']>;
export type SamlRequestRow = Selectable<HubSchema['saml_requests']>;

export function getSamlConfig(db: Db, workspaceId: string): Promise<SamlConfigRow | undefined> {
  return db.selectFrom('saml_configs').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

export interface SamlConfigValues {
  idp_entity_id: string;
  idp_sso_url: string;
  idp_certificates: string[];
  allowed_email_domains: string[];
  role_attribute: string | null;
  role_mapping: Record<string, string>;
  default_role: string;
  jit_provisioning: boolean;
  allow_idp_initiated: boolean;
}

export async function saveSamlConfig(db: Db, workspaceId: string, config: SamlConfigValues, now: Date): Promise<void> {
  const values = {
    ...config,
    idp_certificates: JSON.stringify(config.idp_certificates),
    allowed_email_domains: JSON.stringify(config.allowed_email_domains),
    role_mapping: JSON.stringify(config.role_mapping),
    updated_at: now,
  };
  await db
    .insertInto('saml_configs')
    .values({ workspace_id: workspaceId, ...values })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(values))
    .execute();
}

export async function deleteSamlConfig(db: Db, workspaceId: string): Promise<boolean> {
  const result = await db.deleteFrom('saml_configs').where('workspace_id', '=', workspaceId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function createSamlRequest(db: Db, request: SamlRequestRow): Promise<void> {
  await db.insertInto('saml_requests').values(request).execute();
}

/** An unexpired request of this workspace, without using it up (the library looks before it checks the signature). */
export function findSamlRequest(db: Db, workspaceId: string, id: string, now: Date): Promise<SamlRequestRow | undefined> {
  return db.selectFrom('saml_requests').selectAll().where('id', '=', id).where('workspace_id', '=', workspaceId).where('expires_at', '>', now).executeTakeFirst();
}

/** Takes a request by its ID, once; expired ones are swept on the way. */
export async function claimSamlRequest(db: Db, workspaceId: string, id: string, now: Date): Promise<SamlRequestRow | undefined> {
  await db.deleteFrom('saml_requests').where('expires_at', '<', now).execute();
  return db.deleteFrom('saml_requests').where('id', '=', id).where('workspace_id', '=', workspaceId).returningAll().executeTakeFirst();
}

/** Records an assertion as used; false if it was used before (a replay). */
export async function markAssertionSeen(db: Db, workspaceId: string, assertionId: string, expiresAt: Date, now: Date): Promise<boolean> {
  await db.deleteFrom('saml_seen_assertions').where('expires_at', '<', now).execute();
  const inserted = await db.insertInto('saml_seen_assertions').values({ workspace_id: workspaceId, assertion_id: assertionId, expires_at: expiresAt }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
  return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
}
