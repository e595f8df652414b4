import { z } from 'zod';
import { HubError } from '../http/errors';

/** SCIM's own error shape (RFC 7644 §3.12), which identity providers read instead of the Hub's. */
export const scimErrorUrn = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const scimTypes = ['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive'] as const;

export const scimErrorBody = z.object({ schemas: z.array(z.string()), status: z.string(), scimType: z.enum(scimTypes).optional(), detail: z.string() });
export const scimErrorResponses = { 400: scimErrorBody, 401: scimErrorBody, 403: scimErrorBody, 404: scimErrorBody, 409: scimErrorBody, 429: scimErrorBody } as const;

/** A HubError whose code is the SCIM error type, for the SCIM error handler to pass on. */
export function scimError(status: number, scimType: string | undefined, detail: string): HubError {
  return new HubError(status, detail, scimType);
}

export function scimErrorOf(status: number, detail: string, scimType?: string): z.output<typeof scimErrorBody> {
  const known = scimTypes.find((t) => t === scimType);
  return { schemas: [scimErrorUrn], status: String(status), ...(known && { scimType: known }), detail };
}
