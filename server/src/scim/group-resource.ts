import type { ScimPatchOperation } from 'scim-patch';
import { z } from 'zod';
import type { ScimGroupRow } from '../db/scim-group-store';
import { scimError } from './errors';
import { scimFilter } from './filter';
import { applyPatch } from './patch';
import type { patchBody } from './user-resource';

/** How a SCIM Group (RFC 7643 §4.2) reads and is written: a display name, the provider's id, and users of the workspace as members. */
export const groupSchemaUrn = 'urn:ietf:params:scim:schemas:core:2.0:Group';

const memberInput = z.object({ value: z.string({ error: "must be the member's user id" }).trim().min(1).max(64), display: z.string().max(400).optional() });

/** A Group as Okta and Entra send it (POST, PUT, and the result of a PATCH); a member's `display` and `$ref` are accepted and ignored. */
export const groupInput = z.object({
  schemas: z.array(z.string()).optional(),
  displayName: z.string().trim().min(1).max(256),
  externalId: z.string().trim().max(256).nullish(),
  members: z.array(memberInput).max(10_000).nullish(),
});
export type GroupInput = z.output<typeof groupInput>;

export const groupOut = z.object({
  schemas: z.array(z.string()),
  id: z.string(),
  externalId: z.string().optional(),
  displayName: z.string(),
  // `$ref` passes through a loose object: a `$ref` key in the schema itself would read as a JSON Schema reference to the OpenAPI generator.
  members: z.array(z.looseObject({ value: z.string(), display: z.string(), type: z.literal('User') }).describe('A member; also carries $ref, the user’s URI')).optional(),
  meta: z.object({ resourceType: z.literal('Group'), created: z.string(), lastModified: z.string(), location: z.string() }),
});
export type ScimGroup = z.output<typeof groupOut>;

export function presentGroup(row: ScimGroupRow, members: { user_id: string; name: string }[], baseUrl: string): ScimGroup {
  return {
    schemas: [groupSchemaUrn],
    id: row.id,
    ...(row.external_id !== null && { externalId: row.external_id }),
    displayName: row.display_name,
    members: members.map((member) => ({ value: member.user_id, display: member.name, type: 'User' as const, $ref: `${baseUrl}/Users/${member.user_id}` })),
    meta: { resourceType: 'Group', created: row.created_at.toISOString(), lastModified: row.updated_at.toISOString(), location: `${baseUrl}/Groups/${row.id}` },
  };
}

/** The member ids an input names, once each, in the order given. */
export function memberIdsOf(input: GroupInput): string[] {
  return [...new Set((input.members ?? []).map((member) => member.value))];
}

/** A filter on groups (`displayName eq "Editors"`, `members.value eq "<user id>"`); displayName is compared regardless of case (caseExact false). */
export function groupFilter(expression: string): (group: ScimGroup) => boolean {
  return scimFilter<ScimGroup>({ expression, schemaUrn: groupSchemaUrn, lowerCased: ['displayName'], lowerCase: (group) => ({ ...group, displayName: group.displayName.toLowerCase() }), example: 'displayName eq "Editors"' });
}

type Operation = z.output<typeof patchBody>['Operations'][number];

/** Attribute names as the Group schema spells them: Entra and others may write them in any case. */
const attributeNames = new Map(['displayName', 'externalId', 'members', 'id', 'schemas'].map((name) => [name.toLowerCase(), name]));

/** `members` values as bare `{ value }` items: Okta adds `display`, Entra removes by a list of values, and scim-patch compares items whole. */
function bareMembers(value: unknown): unknown {
  const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
  return items.map((item, index) => {
    const id = item && typeof item === 'object' ? (item as { value?: unknown }).value : undefined;
    if (typeof id !== 'string' || id.trim() === '') throw scimError(400, 'invalidValue', `members.${index}.value: must be the member's user id, as {"value": "<user id>"}.`);
    return { value: id.trim() };
  });
}

function normalise(operation: Operation): ScimPatchOperation {
  const op = operation.op.toLowerCase() as 'add' | 'replace' | 'remove';
  const path = operation.path?.replace(/^(urn:ietf:params:scim:schemas:core:2\.0:Group:)?([A-Za-z$]+)/i, (_whole, _urn: string | undefined, name: string) => attributeNames.get(name.toLowerCase()) ?? name);
  let value = operation.value;
  if (path === 'members' && !(op === 'remove' && value === undefined)) value = bareMembers(value);
  else if (!path && value && typeof value === 'object' && !Array.isArray(value)) {
    // Okta's path-less replace ({"id": …, "displayName": …}): the id is read-only and stays the group's.
    const entries = Object.entries(value).map(([key, v]) => [attributeNames.get(key.toLowerCase()) ?? key, v] as const);
    value = Object.fromEntries(entries.filter(([key]) => key !== 'id').map(([key, v]) => [key, key === 'members' ? bareMembers(v) : v]));
  }
  if (op === 'remove') {
    if (!path) throw scimError(400, 'noTarget', 'Operations: a remove needs a path, such as members[value eq "<user id>"].');
    return { op, path, ...(value !== undefined && { value }) };
  }
  return { op, ...(path !== undefined && { path }), value };
}

/** Applies a PATCH to a group; the result is checked as a whole, like a PUT. */
export function patchGroup(group: ScimGroup, operations: Operation[]): GroupInput {
  const document = { schemas: group.schemas, id: group.id, displayName: group.displayName, ...(group.externalId !== undefined && { externalId: group.externalId }), members: (group.members ?? []).map((member) => ({ value: member.value })) };
  return applyPatch(document, operations.map(normalise), groupInput);
}
