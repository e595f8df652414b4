import { groupSchemaUrn } from './group-resource';
import { userSchemaUrn } from './user-resource';

/**
 * What the Hub supports, for identity providers that ask first (RFC 7643
 * §5-7): Users and Groups with filter and PATCH; no bulk, no sorting,
 * no ETags, no password changes (members sign in through SSO).
 */
export const listResponseUrn = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const maxResults = 200;

/** Where the SCIM service is, for resources' `location`; read per request, as a Hub started on port 0 learns its address late. */
export function scimBaseUrl(services: { publicUrl: string }): string {
  return `${services.publicUrl}/scim/v2`;
}

export function serviceProviderConfig(baseUrl: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'A SCIM token from POST /v1/scim-tokens, sent as Authorization: Bearer kscim_…', primary: true }],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function resourceTypes(baseUrl: string) {
  const user = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    description: 'A member of the workspace',
    schema: userSchemaUrn,
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/User` },
  };
  const group = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
    id: 'Group',
    name: 'Group',
    endpoint: '/Groups',
    description: 'A group of the workspace’s users, kept by the identity provider',
    schema: groupSchemaUrn,
    schemaExtensions: [],
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/Group` },
  };
  return { schemas: [listResponseUrn], totalResults: 2, startIndex: 1, itemsPerPage: 2, Resources: [user, group] };
}

const attribute = (name: string, rest: { type?: string; multiValued?: boolean; required?: boolean; caseExact?: boolean; mutability?: string; returned?: string; uniqueness?: string; description: string; subAttributes?: unknown[] }) => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...rest,
});

export function schemas(baseUrl: string) {
  const user = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: userSchemaUrn,
    name: 'User',
    description: 'A member of the workspace. userName is their email address; emails always read back as that one address.',
    attributes: [
      attribute('userName', { required: true, uniqueness: 'server', description: 'The member’s email address, unique in the workspace (stored in lower case).' }),
      attribute('externalId', { caseExact: true, description: 'The identity provider’s id for the person.' }),
      attribute('displayName', { description: 'The name shown in the Hub.' }),
      attribute('name', {
        type: 'complex',
        description: 'The parts of the member’s name.',
        subAttributes: [attribute('givenName', { description: 'Given name' }), attribute('familyName', { description: 'Family name' }), attribute('formatted', { description: 'The full name' })],
      }),
      attribute('emails', {
        type: 'complex',
        multiValued: true,
        description: 'Always the userName, as the work address.',
        subAttributes: [attribute('value', { description: 'The address' }), attribute('type', { description: 'work' }), attribute('primary', { type: 'boolean', description: 'Always true' })],
      }),
      attribute('active', { type: 'boolean', description: 'false deactivates the member and ends their sessions at once.' }),
      attribute('groups', {
        type: 'complex',
        multiValued: true,
        mutability: 'readOnly',
        description: 'The groups the member belongs to; change them through /Groups.',
        subAttributes: [
          attribute('value', { mutability: 'readOnly', description: 'The group’s id' }),
          attribute('display', { mutability: 'readOnly', description: 'The group’s displayName' }),
          attribute('$ref', { type: 'reference', mutability: 'readOnly', description: 'The group’s URI' }),
          attribute('type', { mutability: 'readOnly', description: 'direct (the Hub has no nested groups)' }),
        ],
      }),
    ],
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${userSchemaUrn}` },
  };
  const group = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
    id: groupSchemaUrn,
    name: 'Group',
    description: 'A group of the workspace’s users. Members are users only, and only of this workspace.',
    attributes: [
      attribute('displayName', { required: true, uniqueness: 'server', description: 'The group’s name, unique in the workspace regardless of case.' }),
      attribute('externalId', { caseExact: true, description: 'The identity provider’s id for the group.' }),
      attribute('members', {
        type: 'complex',
        multiValued: true,
        description: 'The users in the group.',
        subAttributes: [
          attribute('value', { mutability: 'immutable', caseExact: true, description: 'The user’s id' }),
          attribute('display', { mutability: 'readOnly', description: 'The user’s displayName' }),
          attribute('$ref', { type: 'reference', mutability: 'immutable', description: 'The user’s URI' }),
          attribute('type', { mutability: 'immutable', description: 'User' }),
        ],
      }),
    ],
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${groupSchemaUrn}` },
  };
  return { schemas: [listResponseUrn], totalResults: 2, startIndex: 1, itemsPerPage: 2, Resources: [user, group] };
}
