import type { ScimPatchOperation } from 'scim-patch';
import { z } from 'zod';
import type { ScimUserFields, ScimUserRow } from '../db/scim-store';
import { scimError } from './errors';
import { applyPatch } from './patch';
import { scimFilter } from './filter';

/** How a Hub member reads as a SCIM User (RFC 7643 §4.1), and how SCIM input becomes a member. */
export const userSchemaUrn = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const patchOpUrn = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Microsoft Entra sends booleans as "True" / "False". */
const scimBoolean = z.union([z.boolean(), z.enum(['True', 'False', 'true', 'false']).transform((value) => value.toLowerCase() === 'true')]);
const optionalText = (max: number) => z.string().trim().max(max).nullish();

/**
 * A User as Okta and Entra send it (POST, PUT, and the result of a PATCH).
 * Attributes the Hub does not keep (locale, phoneNumbers, the enterprise
 * extension, ...) are accepted and dropped. `emails` is accepted, but the
 * member's email is always their userName.
 */
export const userInput = z.object({
  schemas: z.array(z.string()).optional(),
  userName: z.email({ error: 'must be an email address (the Hub signs members in by email)' }).max(320).transform((email) => email.toLowerCase()),
  externalId: optionalText(256),
  displayName: optionalText(200),
  name: z.object({ givenName: optionalText(200), familyName: optionalText(200), formatted: optionalText(200) }).nullish(),
  emails: z.array(z.object({ value: z.string().max(320), type: z.string().max(64).optional(), primary: scimBoolean.optional() })).optional(),
  active: scimBoolean.optional(),
});
export type UserInput = z.output<typeof userInput>;

/** The resource every SCIM answer about a user carries. */
export const userOut = z.object({
  schemas: z.array(z.string()),
  id: z.string(),
  externalId: z.string().optional(),
  userName: z.string(),
  displayName: z.string(),
  name: z.object({ givenName: z.string().optional(), familyName: z.string().optional(), formatted: z.string() }),
  emails: z.array(z.object({ value: z.string(), type: z.string(), primary: z.boolean() })),
  active: z.boolean(),
  /** Read-only: the groups the identity provider put the user in (written through /Groups); `$ref` passes through a loose object, as a `$ref` key in the schema would read as a JSON Schema reference. */
  groups: z.array(z.looseObject({ value: z.string(), display: z.string(), type: z.literal('direct') }).describe('A group; also carries $ref, the group’s URI')),
  meta: z.object({ resourceType: z.literal('User'), created: z.string(), lastModified: z.string(), location: z.string() }),
});
export type ScimUser = z.output<typeof userOut>;

export function presentUser(row: ScimUserRow, baseUrl: string, groups: { id: string; display_name: string }[] = []): ScimUser {
  return {
    schemas: [userSchemaUrn],
    id: row.id,
    ...(row.external_id !== null && { externalId: row.external_id }),
    userName: row.email,
    displayName: row.name,
    name: { ...(row.given_name !== null && { givenName: row.given_name }), ...(row.family_name !== null && { familyName: row.family_name }), formatted: row.name },
    emails: [{ value: row.email, type: 'work', primary: true }],
    active: row.deactivated_at === null,
    groups: groups.map((group) => ({ value: group.id, display: group.display_name, $ref: `${baseUrl}/Groups/${group.id}`, type: 'direct' as const })),
    meta: { resourceType: 'User', created: row.created_at.toISOString(), lastModified: row.updated_at.toISOString(), location: `${baseUrl}/Users/${row.id}` },
  };
}

/** The member's columns for a SCIM User; the display name falls back to the name's parts, then to the email. */
export function userFields(input: UserInput): ScimUserFields {
  const given = input.name?.givenName || null;
  const family = input.name?.familyName || null;
  const name = input.displayName || input.name?.formatted || [given, family].filter(Boolean).join(' ') || input.userName;
  return { email: input.userName, name, given_name: given, family_name: family, external_id: input.externalId || null };
}

/** A SCIM filter (`userName eq "a@b.c" and active eq true`) as a test on rendered users; userName and emails are stored in lower case, displayName is compared in lower case (caseExact false, RFC 7643 §4.1). */
export function userFilter(expression: string): (user: ScimUser) => boolean {
  return scimFilter<ScimUser>({ expression, schemaUrn: userSchemaUrn, lowerCased: ['userName', 'emails.value', 'displayName'], lowerCase: (user) => ({ ...user, displayName: user.displayName.toLowerCase() }), example: 'userName eq "ada@example.com"' });
}

/** A PATCH request's operations, as Okta and Entra send them. */
export const patchBody = z.object({
  schemas: z.array(z.string()).refine((schemas) => schemas.includes(patchOpUrn), { error: `must include ${patchOpUrn}` }),
  Operations: z
    .array(z.object({ op: z.string().regex(/^(add|replace|remove)$/i, { error: 'must be add, replace or remove' }), path: z.string().max(512).optional(), value: z.unknown().optional() }))
    .min(1)
    .max(100),
});

/** Entra writes ops capitalised ("Replace") and booleans as "True"/"False"; scim-patch wants neither. */
function normalise(operation: z.output<typeof patchBody>['Operations'][number]): ScimPatchOperation {
  const op = operation.op.toLowerCase() as 'add' | 'replace' | 'remove';
  const booleanOf = (value: unknown) => (typeof value === 'string' && /^(true|false)$/i.test(value) ? value.toLowerCase() === 'true' : value);
  let value = operation.value;
  if (operation.path?.toLowerCase() === 'active') value = booleanOf(value);
  else if (!operation.path && value && typeof value === 'object' && !Array.isArray(value)) {
    value = Object.fromEntries(Object.entries(value).map(([key, v]) => [key, key.toLowerCase() === 'active' ? booleanOf(v) : v]));
  }
  if (op === 'remove') {
    if (!operation.path) throw scimError(400, 'noTarget', 'Operations: a remove needs a path.');
    return { op, path: operation.path, ...(value !== undefined && { value }) };
  }
  return { op, ...(operation.path !== undefined && { path: operation.path }), value };
}

/** Applies a PATCH to a rendered user; the result is checked as a whole, like a PUT. */
export function patchUser(user: ScimUser, operations: z.output<typeof patchBody>['Operations']): UserInput {
  return applyPatch(user, operations.map(normalise), userInput);
}
